"""The script editor keeps up with a job being made: a script that arrives again reuses its scene
cards and touches only the text that changed, and a long script's cards are made a few at a time
(the window stays responsive) yet end up complete and unedited."""

from __future__ import annotations

import copy

import pytest

from nexus_desktop.domain.stages import Stage
from nexus_desktop.gui import script_editor
from nexus_desktop.gui.script_editor import ScriptEditor
from nexus_desktop.runtime.events import Changed
from tests.gui_support import sample_script

RESIZING_OFFSCREEN = "This plugin does not support propagateSizeHints"
pytestmark = pytest.mark.qt_log_ignore(RESIZING_OFFSCREEN)


def long_script(scenes: int = 9) -> dict:
    script = sample_script().to_dict()
    script["scenes"] = [{**copy.deepcopy(script["scenes"][n % 2]), "headline": f"Headline {n + 1}",
                         "narration": f"Scene {n + 1} says  this,\nover two lines."} for n in range(scenes)]
    script["narration"] = " ".join(s["narration"] for s in script["scenes"])
    return script


@pytest.fixture
def editor(qtbot):
    made = ScriptEditor()
    qtbot.addWidget(made)
    made.show()
    return made


def test_a_long_script_is_shown_a_few_cards_at_a_time_and_ends_complete(qtbot, editor):
    script = long_script(9)
    editor.load(script, editable=True)
    assert len(editor._cards) == script_editor.FIRST_CARDS < 9  # the rest follow, one event-loop turn each
    assert editor.redo_for_edits() is None  # scenes whose cards are still coming are not "edited"
    qtbot.waitUntil(lambda: not editor.building, timeout=5_000)
    assert [c.headline.text() for c in editor._cards] == [f"Headline {n}" for n in range(1, 10)]
    assert all(not c.narration.isReadOnly() for c in editor._cards)
    assert editor.redo_for_edits() is None and not editor.apply_button.isVisible()


def test_asking_for_the_fields_makes_the_remaining_cards_at_once(editor):
    editor.load(long_script(7), editable=False)
    fields = editor.scene_fields()
    assert len(fields) == 7 and not editor.building
    assert all(headline.isReadOnly() and narration.isReadOnly() for headline, narration in fields)


def test_a_script_arriving_again_keeps_the_cards_and_touches_only_what_changed(qtbot, editor):
    script = long_script(4)
    editor.load(script, editable=True)
    qtbot.waitUntil(lambda: not editor.building, timeout=5_000)
    cards = list(editor._cards)
    narration = cards[2].narration
    cursor = narration.textCursor()
    cursor.setPosition(5)
    narration.setTextCursor(cursor)
    again = copy.deepcopy(script)
    again["scenes"][0]["headline"] = "A new first headline"
    editor.load(again, editable=True)
    assert editor._cards == cards and not editor.building  # the same widgets, nothing rebuilt
    assert cards[0].headline.text() == "A new first headline"
    assert narration.textCursor().position() == 5  # its text did not change: left alone
    assert editor.redo_for_edits() is None


def test_fewer_scenes_drop_cards_and_more_add_them(qtbot, editor):
    editor.load(long_script(5), editable=True)
    qtbot.waitUntil(lambda: not editor.building, timeout=5_000)
    first = editor._cards[0]
    editor.load(long_script(2), editable=True)
    assert len(editor._cards) == 2 and editor._cards[0] is first
    editor.load(long_script(6), editable=True)
    qtbot.waitUntil(lambda: not editor.building, timeout=5_000)
    assert [c.headline.text() for c in editor._cards] == [f"Headline {n}" for n in range(1, 7)]
    editor.load(None, editable=False)
    assert editor._cards == [] and editor.empty_note.isVisibleTo(editor)


def test_a_newer_script_while_cards_are_still_coming_wins(qtbot, editor):
    editor.load(long_script(8), editable=True)
    newer = long_script(8)
    newer["scenes"][7]["headline"] = "The newer last headline"
    editor.load(newer, editable=True)
    qtbot.waitUntil(lambda: not editor.building, timeout=5_000)
    assert len(editor._cards) == 8
    assert editor._cards[7].headline.text() == "The newer last headline"


def test_an_edit_made_while_cards_are_coming_is_saved_with_the_rest(qtbot, editor):
    script = long_script(6)
    editor.load(script, editable=True)
    editor._cards[0].narration.setPlainText("An edited first scene.")
    assert Stage.NARRATE in editor.redo_for_edits() and Stage.VISUALIZE not in editor.redo_for_edits()
    edited = editor.edited_script()
    assert edited["scenes"][0]["narration"] == "An edited first scene."
    assert [s["narration"] for s in edited["scenes"][1:]] == [f"Scene {n} says this, over two lines." for n in range(2, 7)]
    qtbot.waitUntil(lambda: not editor.building, timeout=5_000)
    assert editor.edited_script() == edited


@pytest.fixture
def window(reviewing):
    return reviewing


def _store_script(ws, job_id: int, change) -> None:
    analyzed = dict(ws.store.jobs.results(job_id)[Stage.ANALYZE.value])
    change(analyzed["script"])
    ws.store.jobs.edit_results(job_id, Stage.ANALYZE, analyzed, frozenset())


def test_the_preview_reread_updates_the_cards_in_place(qtbot, window, ws, rendered_job):
    preview = window.jobs_view.preview
    cards = list(preview.editor.scene_fields())
    _store_script(ws, rendered_job, lambda s: s["scenes"][1].update(headline="Cells keep nearly all their charge"))
    window.ctx.runner.announce(Changed(jobs=frozenset({rendered_job})))
    qtbot.waitUntil(lambda: preview.editor.scene_fields()[1][0].text() == "Cells keep nearly all their charge",
                    timeout=10_000)
    assert preview.editor.scene_fields() == cards  # the same fields: nothing was rebuilt
    assert not preview.editor.apply_button.isVisible()  # what arrived is the script, not an edit


def test_the_preview_reread_keeps_unsaved_edits(qtbot, window, ws, rendered_job):
    preview = window.jobs_view.preview
    _, narration = preview.editor.scene_fields()[0]
    narration.setPlainText("The creator is typing this.")
    _store_script(ws, rendered_job, lambda s: s["platforms"].update(x_post="Changed elsewhere. #Batteries"))
    window.ctx.runner.announce(Changed(jobs=frozenset({rendered_job})))
    qtbot.waitUntil(lambda: preview.up_to_date, timeout=10_000)
    assert preview.editor.scene_fields()[0][1].toPlainText() == "The creator is typing this."
    assert preview.editor.apply_button.text() == "Re-voice"


def test_the_poster_is_decoded_once_in_the_background_and_kept_across_rereads(qtbot, window, ws, rendered_job):
    player = window.jobs_view.preview.player
    qtbot.waitUntil(lambda: player._poster_image is not None and not player.poster.pixmap().isNull(), timeout=10_000)
    shown = player._poster_image.cacheKey()
    corner = player._poster_image.pixelColor(2, 2)
    assert (corner.red(), corner.green(), corner.blue()) == pytest.approx((0xFF, 0xB0, 0x20), abs=12)  # the 9:16 thumbnail
    _store_script(ws, rendered_job, lambda s: s.update(description="Read again."))
    window.ctx.runner.announce(Changed(jobs=frozenset({rendered_job})))
    qtbot.waitUntil(lambda: window.jobs_view.preview.up_to_date, timeout=10_000)
    player.set_format("9x16")  # asked again: the same file, not decoded again
    assert player._poster_image.cacheKey() == shown
