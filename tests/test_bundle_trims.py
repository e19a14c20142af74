"""What the installed app leaves out, and how the app behaves without it: Piper's
Arabic and Hebrew diacritizers, and Qt's ICU data but the root and English locales
(packaging/nexus-desktop.spec, packaging/icu_data.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from piper.config import PhonemeType

from nexus_desktop.providers.tts.base import VoiceUnavailable
from nexus_desktop.providers.tts.piper import without_missing_diacritizers


def voice(espeak_voice: str, phoneme_type=PhonemeType.ESPEAK):
    return SimpleNamespace(config=SimpleNamespace(espeak_voice=espeak_voice, phoneme_type=phoneme_type), use_tashkeel=True)


def test_an_arabic_voice_speaks_without_vowel_marks_when_the_diacritizer_is_left_out(tmp_path):
    arabic = voice("ar")
    without_missing_diacritizers(arabic, "ar_JO-kareem-medium", tmp_path)
    assert arabic.use_tashkeel is False
    (tmp_path / "tashkeel").mkdir()
    (tmp_path / "tashkeel" / "model.onnx").write_bytes(b"onnx")
    installed = voice("ar")
    without_missing_diacritizers(installed, "ar_JO-kareem-medium", tmp_path)
    assert installed.use_tashkeel is True  # from pip: the diacritizer is there and used


def test_a_hebrew_voice_gives_way_with_the_reason_and_english_is_untouched(tmp_path):
    with pytest.raises(VoiceUnavailable, match="needs Piper's Hebrew diacritizer, which this installed app leaves out"):
        without_missing_diacritizers(voice("he", PhonemeType.HEBREW), "he_IL-motek-medium", tmp_path)
    english = voice("en-us")
    without_missing_diacritizers(english, "en_US-joe-medium", tmp_path)
    assert english.use_tashkeel is True


def _icu_data():
    import importlib.util

    spec = importlib.util.spec_from_file_location("icu_data", Path(__file__).resolve().parent.parent / "packaging" / "icu_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_icu_data_keeps_everything_not_tied_to_a_language_and_the_root_and_english_locales():
    kept = _icu_data().kept
    for item in ("uprops.icu", "nfkc.nrm", "ibm-943_P15A-2003.cnv", "cnvalias.icu", "coll/ucadata.icu", "coll/root.res",
                 "brkitr/line.brk", "brkitr/cjdict.dict", "zone/en_GB.res", "zone/metaZones.res", "zoneinfo64.res",
                 "res_index.res", "pool.res", "curr/pool.res", "supplementalData.res", "likelySubtags.res", "en_001.res"):
        assert kept(item), item
    for item in ("coll/sv.res", "coll/de__PHONEBOOK.res", "zone/de.res", "sr_Latn_BA.res", "unit/fr.res", "translit/root.res"):
        assert not kept(item), item


@pytest.mark.skipif(not all(shutil.which(t) for t in ("icupkg", "gcc", "nm", "readelf")), reason="icu-devtools and gcc build it")
def test_qt_works_on_the_rebuilt_icu_data_and_falls_back_to_root_for_other_locales(tmp_path):
    import PySide6

    original = Path(PySide6.__file__).parent / "Qt" / "lib"
    library = next(original.glob("libicudata.so.*"))
    rebuilt = _icu_data().rebuild(library, tmp_path)
    assert rebuilt is not None and rebuilt.stat().st_size < library.stat().st_size / 2
    probe = (
        "from PySide6.QtCore import QByteArray, QCollator, QDateTime, QLocale, QTimeZone\n"
        "words = ['zebra', 'Apfel', 'apple', 'Zoo']\n"
        "print(sorted(words, key=QCollator(QLocale('en_US')).sortKey) == sorted(words, key=str.lower))\n"
        "zone = QTimeZone(QByteArray(b'Europe/Paris'))\n"
        "for locale in ('en_US', 'de_DE'):\n"
        "    print(zone.displayName(QDateTime(2026, 1, 15, 12, 0, 0), QTimeZone.NameType.LongName, QLocale(locale)))\n"
        "print(QLocale('tr_TR').toUpper('istanbul'))\n"
    )
    env = {**os.environ, "LD_PRELOAD": str(rebuilt), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:4] == ["True", "Central European Standard Time", "Central European Standard Time",
                                         "İSTANBUL"]  # German names fall back to English; case rules still per locale


def _orphan_libraries():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "orphan_libraries", Path(__file__).resolve().parent.parent / "packaging" / "orphan_libraries.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_libraries_only_a_left_out_part_linked_are_left_out_too_and_nothing_a_kept_part_links():
    links = {"QtGui.abi3.so": {"libQt6Gui.so.6"}, "libQt6Gui.so.6": {"libglib-2.0.so.0"},
             "libcairo.so.2": {"libpixman-1.so.0"}, "libpixman-1.so.0": set(), "libglib-2.0.so.0": set(),
             "ffmpeg": {"libx264.so.164"}, "libx264.so.164": set(), "libpython3.11.so.1.0": set(),
             "libpillow-hashed.so.1": set()}  # fmt: skip
    binaries = [("PySide6/QtGui.abi3.so", "QtGui.abi3.so", "EXTENSION"),
                ("PySide6/Qt/lib/libQt6Gui.so.6", "libQt6Gui.so.6", "BINARY"),
                ("libcairo.so.2", "libcairo.so.2", "BINARY"),  # GTK 3's theme plugin linked it; the plugin is out
                ("libpixman-1.so.0", "libpixman-1.so.0", "BINARY"),  # and only cairo linked this
                ("libglib-2.0.so.0", "libglib-2.0.so.0", "BINARY"),
                ("imageio_ffmpeg/binaries/ffmpeg-linux", "ffmpeg", "BINARY"),
                ("libx264.so.164", "libx264.so.164", "BINARY"),
                ("libpython3.11.so.1.0", "libpython3.11.so.1.0", "BINARY"),  # the launcher loads it by path
                ("pillow.libs/libpillow-hashed.so.1", "libpillow-hashed.so.1", "BINARY"),  # not a plain library folder
                ("libpillow.so.1", "pillow.libs/libpillow-hashed.so.1", "SYMLINK")]  # fmt: skip
    dropped = _orphan_libraries().orphans(binaries, lambda source: frozenset(links.get(source, ())))
    assert sorted(dest for dest, _, _ in dropped) == ["libcairo.so.2", "libpixman-1.so.0"]
