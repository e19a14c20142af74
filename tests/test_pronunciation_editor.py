"""The pronunciation list in Settings › Voice: edit it, save it, hear a term
spoken by the real voice as the narration would say it."""

from __future__ import annotations

import json
import wave

import pytest
from PySide6.QtCore import Qt

from nexus_desktop.gui.pronunciation_editor import PronunciationEditor
from nexus_desktop.gui.settings_dialog import SettingsDialog


def open_dialog(qtbot, settings, app_paths) -> tuple[SettingsDialog, PronunciationEditor]:
    dialog = SettingsDialog(settings, app_paths)
    qtbot.addWidget(dialog)
    editor = dialog.editors[("voice", "pronunciations")]
    assert isinstance(editor, PronunciationEditor)
    return dialog, editor


def test_the_list_is_edited_in_the_voice_page_and_saved(qtbot, settings, app_paths):
    settings.voice.pronunciations = {"iframes": "eye frames"}
    dialog, editor = open_dialog(qtbot, settings, app_paths)
    assert editor.model.rows == [["iframes", "eye frames"]]

    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    model = editor.model
    model.setData(model.index(1, 0), "ramekins")
    model.setData(model.index(1, 1), "  ram-ih-kins ")
    model.add_row()  # an empty row is not a term
    dialog.save()

    saved = json.loads(app_paths.settings_file.read_text(encoding="utf-8"))
    assert saved["voice"]["pronunciations"] == {"iframes": "eye frames", "ramekins": "ram-ih-kins"}


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints", "PulseAudioService: pa_context_connect")
def test_hear_it_speaks_the_term_as_the_list_says(qtbot, settings, app_paths):
    settings.voice.pronunciations = {"iframes": "eye frames"}
    dialog, editor = open_dialog(qtbot, settings, app_paths)
    dialog.show()
    dialog.pages.setCurrentRow(2)
    editor.table.setCurrentIndex(editor.model.index(0, 0))
    with qtbot.waitSignal(editor.sample_ready, timeout=60_000) as ready:
        qtbot.mouseClick(editor.hear_button, Qt.MouseButton.LeftButton)
        assert not editor.hear_button.isEnabled()  # one sample at a time
    with wave.open(ready.args[0]) as wav:
        assert wav.getnframes() / wav.getframerate() > 0.3
    assert "eye frames" in editor.status.text()
    assert editor.hear_button.isEnabled()
    dialog.grab().save("/tmp/s12-pronunciations.png")


def test_hear_it_without_a_selection_says_what_to_do(qtbot, settings, app_paths):
    _, editor = open_dialog(qtbot, settings, app_paths)
    qtbot.mouseClick(editor.hear_button, Qt.MouseButton.LeftButton)
    assert editor.status.text() == "Select a term to hear it."
