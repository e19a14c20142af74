"""The voice list in Settings › Voice with real widgets: find a voice, give it
its own rate, use it, preview it with the real voice, list the ElevenLabs
account's voices and clone one from recordings, through the stand-in."""

from __future__ import annotations

import json
import wave

import pytest
from PySide6.QtCore import Qt

from nexus_desktop.gui.settings_dialog import SettingsDialog
from nexus_desktop.gui.voice_clone_dialog import VoiceCloneDialog
from nexus_desktop.gui.voice_picker import VoicePicker
from nexus_desktop.providers.tts import elevenlabs
from tests.fakes.elevenlabs_server import FakeElevenLabs
from tests.voice_support import recording

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints",
                                       "PulseAudioService: pa_context_connect")


@pytest.fixture
def dialog(qtbot, settings, app_paths):
    opened = SettingsDialog(settings, app_paths)
    qtbot.addWidget(opened)
    opened.pages.setCurrentRow(2)
    picker = picker_of(opened)  # the voices on this computer are listed off the GUI thread
    qtbot.waitUntil(lambda: any(v.provider == "espeak" for v in picker.model.voices), timeout=20_000)
    return opened


def picker_of(dialog) -> VoicePicker:
    picker = dialog.editors[("voice", "catalog")]
    assert isinstance(picker, VoicePicker)
    return picker


def test_find_a_voice_give_it_a_rate_and_use_it(dialog, app_paths):
    picker = picker_of(dialog)
    names = [v.name for v in picker.model.voices]
    assert names[0].endswith("(bundled)") and len(names) > 100
    picker.search.setText("russian")
    shown = [picker.proxy.index(r, 0).data() for r in range(picker.proxy.rowCount())]
    assert shown and all("russian" in name.lower() for name in shown)
    assert picker.select_key("espeak:zle/ru")
    chosen = picker.selected()
    assert chosen.provider == "espeak" and chosen.voice == "zle/ru"
    picker.rate.setValue(1.2)
    qtbot_click(picker.use_button)
    assert dialog.editors[("voice", "provider")].value() == "espeak"
    assert dialog.editors[("voice", "espeak_voice")].value() == "zle/ru"
    dialog.save()
    saved = json.loads(app_paths.settings_file.read_text(encoding="utf-8"))["voice"]
    assert (saved["provider"], saved["espeak_voice"]) == ("espeak", "zle/ru")
    assert saved["catalog"]["rates"] == {"espeak:zle/ru": 1.2}


def qtbot_click(button) -> None:
    from PySide6.QtTest import QTest

    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def test_preview_speaks_with_the_selected_voice(qtbot, dialog):
    picker = picker_of(dialog)
    dialog.show()
    assert picker.select_key("piper:")
    with qtbot.waitSignal(picker.sample_ready, timeout=90_000) as ready:
        qtbot_click(picker.preview_button)
    with wave.open(ready.args[0]) as wav:
        assert wav.getnframes() / wav.getframerate() > 2.0
    assert "forty-one degrees Celsius" in picker.status.text()
    dialog.grab().save("/tmp/s12-voice-picker.png")


def test_elevenlabs_voices_and_a_clone_join_the_list(qtbot, dialog, monkeypatch, tmp_path):
    with FakeElevenLabs() as fake:
        monkeypatch.setattr(elevenlabs, "stored_api_key", lambda: fake.api_key)
        dialog.editors[("voice", "elevenlabs_base_url")].set_value(fake.url)
        picker = picker_of(dialog)
        with qtbot.waitSignal(picker.voices_loaded, timeout=20_000):
            qtbot_click(picker.elevenlabs_button)
        assert {"Rachel", "Adam"} <= {v.name for v in picker.model.voices if v.provider == "elevenlabs"}

        clone = VoiceCloneDialog(fake.url, picker)
        qtbot.addWidget(clone)
        clone.name.setText("My narrator")
        clone.add_samples([str(recording(tmp_path / "me.wav"))])
        assert not clone.create_button.isEnabled()  # not without consent
        clone.consent.setChecked(True)
        assert clone.create_button.isEnabled()
        clone.cloned.connect(picker._on_cloned)
        clone.show()
        clone.grab().save("/tmp/s12-voice-clone.png")
        with qtbot.waitSignal(clone.cloned, timeout=20_000):
            qtbot_click(clone.create_button)
        assert picker.selected().name == "My narrator"
        assert fake.clones[0]["files"] == ["me.wav"]
        assert fake.violations == []
