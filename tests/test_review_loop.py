"""The review loop: unsaved edits are never lost or approved unseen, the layout holds still while
typing, the player reloads after a re-voice, keeps its place across formats and obeys the keys."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtMultimedia import QMediaPlayer

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.gui import dialogs
from nexus_desktop.gui.main import open_window
from nexus_desktop.gui.preview_pane import media_paths
from nexus_desktop.runtime.events import Changed
from tests.gui_support import make_media, screenshot, select_job

RESIZING_OFFSCREEN = "This plugin does not support propagateSizeHints"
pytestmark = pytest.mark.qt_log_ignore(RESIZING_OFFSCREEN)
PLAYING_OFFSCREEN = pytest.mark.qt_log_ignore(RESIZING_OFFSCREEN, "No RHI backend", "PulseAudioService: pa_context_connect",
                                              "This plugin does not support raise", "This plugin does not support setParent")


@pytest.fixture
def window(qtbot, ws, rendered_job, add_jobs):  # noqa: F811
    add_jobs(1, ["Why your laptop fan spins at idle"])
    made = open_window(ws)
    qtbot.addWidget(made)
    made.show()
    made.ctx.runner.announce(Changed(added=True))
    qtbot.waitUntil(lambda: made.jobs_view.model.rowCount() == 2, timeout=10_000)
    select_job(qtbot, made, rendered_job)
    return made


def settled_layout(qtbot, preview) -> tuple:
    """The preview's width and player size once three looks in a row agree (the layout is still)."""
    seen: list[tuple] = []

    def still() -> bool:
        seen.append((preview.width(), preview.player.screen.size()))
        return len(seen) > 2 and seen[-1] == seen[-2] == seen[-3]

    qtbot.waitUntil(still, timeout=5_000)
    return seen[-1]


def test_typing_in_the_script_does_not_move_the_layout(qtbot, window, tmp_path):
    preview = window.jobs_view.preview
    before = settled_layout(qtbot, preview)
    _, narration = preview.editor.scene_fields()[0]
    narration.setPlainText(narration.toPlainText() + " More.")
    headline, _ = preview.editor.scene_fields()[1]
    headline.setText(headline.text() + "!")
    qtbot.waitUntil(lambda: preview.editor.apply_button.text() == "Re-voice and redraw", timeout=5_000)
    assert settled_layout(qtbot, preview) == before
    screenshot(window, tmp_path, "review-editing")


def test_leaving_a_job_with_unsaved_edits_asks_and_cancel_stays(qtbot, window, rendered_job, monkeypatch):
    preview, jobs = window.jobs_view.preview, window.jobs_view
    preview.editor.platform_fields["x_post"].field.setPlainText("A sharper post. #Batteries")
    asked = []
    monkeypatch.setattr(dialogs, "save_discard_cancel", lambda *args: asked.append(args) or "cancel")
    other = next(j.id for j in window.ctx.ws.store.jobs.list() if j.id != rendered_job)
    jobs.select_job(other)
    qtbot.waitUntil(lambda: jobs.selected_ids() == [rendered_job], timeout=10_000)
    assert asked and "«Solid-state batteries reach a second pilot line»" in asked[0][2]
    assert preview.job_id == rendered_job
    assert preview.editor.platform_fields["x_post"].text() == "A sharper post. #Batteries"  # kept


def test_leaving_with_save_stores_the_edits(qtbot, window, rendered_job, monkeypatch, ws):  # noqa: F811
    preview, jobs = window.jobs_view.preview, window.jobs_view
    preview.editor.platform_fields["x_post"].field.setPlainText("A sharper post. #Batteries")
    monkeypatch.setattr(dialogs, "save_discard_cancel", lambda *args: "save")
    other = next(j.id for j in ws.store.jobs.list() if j.id != rendered_job)
    jobs.select_job(other)
    qtbot.waitUntil(lambda: preview.job_id == other)
    qtbot.waitUntil(lambda: ws.store.jobs.results(rendered_job)["analyze"]["script"]["platforms"]["x_post"]
                    == "A sharper post. #Batteries", timeout=5_000)


def test_leaving_with_discard_drops_the_edits(qtbot, window, rendered_job, monkeypatch, ws):  # noqa: F811
    preview = window.jobs_view.preview
    stored = ws.store.jobs.results(rendered_job)["analyze"]["script"]["platforms"]["x_post"]
    preview.editor.platform_fields["x_post"].field.setPlainText("Never mind.")
    monkeypatch.setattr(dialogs, "save_discard_cancel", lambda *args: "discard")
    select_job(qtbot, window, next(j.id for j in ws.store.jobs.list() if j.id != rendered_job))
    select_job(qtbot, window, rendered_job)
    assert preview.editor.platform_fields["x_post"].text() == stored


def test_approve_saves_unsaved_text_first(qtbot, window, rendered_job, ws):  # noqa: F811
    preview = window.jobs_view.preview
    preview.editor.platform_fields["x_post"].field.setPlainText("Approved with this post. #Batteries")
    preview.approve_button.click()
    qtbot.waitUntil(lambda: ws.store.jobs.get(rendered_job).status is JobStatus.APPROVED, timeout=5_000)
    assert ws.store.jobs.results(rendered_job)["analyze"]["script"]["platforms"]["x_post"] == "Approved with this post. #Batteries"


def test_approve_with_an_unsaved_narration_remakes_the_video_instead(qtbot, window, rendered_job, ws, fake_stages):  # noqa: F811
    preview = window.jobs_view.preview
    _, narration = preview.editor.scene_fields()[0]
    narration.setPlainText("A different first sentence.")
    told = []
    window.ctx.ops.told.connect(told.append)
    preview.approve_button.click()
    qtbot.waitUntil(lambda: any("Approve once they are ready" in t for t in told), timeout=5_000)
    qtbot.waitUntil(lambda: ws.store.jobs.get(rendered_job).status is JobStatus.AWAITING_REVIEW and bool(fake_stages.calls),
                    timeout=10_000)
    assert ws.store.jobs.get(rendered_job).status is not JobStatus.APPROVED  # the old video was not approved


@PLAYING_OFFSCREEN
def test_the_player_reloads_files_remade_under_the_same_names(qtbot, window, rendered_job, ws):  # noqa: F811
    player = window.jobs_view.preview.player
    qtbot.waitUntil(lambda: abs(player.duration_ms - 2000) < 150, timeout=10_000)
    job_dir = ws.paths.job_dir(rendered_job)
    make_media(job_dir, seconds=3.0)  # a re-voice: same file names, a longer video
    player.load(*media_paths(job_dir, ws.store.jobs.results(rendered_job)))
    qtbot.waitUntil(lambda: abs(player.duration_ms - 3000) < 150, timeout=10_000)


@PLAYING_OFFSCREEN
def test_the_keys_play_seek_and_go_full_screen(qtbot, window):
    player = window.jobs_view.preview.player
    qtbot.waitUntil(lambda: player.duration_ms > 0, timeout=10_000)
    player.setFocus()
    qtbot.keyClick(player, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: player.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState, timeout=5_000)
    qtbot.keyClick(player, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: player.player.playbackState() == QMediaPlayer.PlaybackState.PausedState, timeout=5_000)
    player.player.setPosition(0)
    qtbot.keyClick(player, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: player.player.position() == player.duration_ms, timeout=5_000)  # 5 s on, clamped at the end
    qtbot.keyClick(player, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: player.player.position() == 0, timeout=5_000)
    qtbot.keyClick(player, Qt.Key.Key_F)
    assert player.video.isFullScreen()
    player.toggle_full_screen()
    assert not player.video.isFullScreen()


@PLAYING_OFFSCREEN
def test_switching_format_keeps_the_place(qtbot, window):
    player = window.jobs_view.preview.player
    qtbot.waitUntil(lambda: player.duration_ms > 0, timeout=10_000)
    player.seek(1200)
    qtbot.waitUntil(lambda: player.player.position() >= 1100, timeout=5_000)
    player.set_format("16x9")
    qtbot.waitUntil(lambda: player.format == "16x9" and player.player.position() >= 1100, timeout=10_000)
    assert player.time.text().startswith("0:01")


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)])
def test_the_whole_preview_fits_the_window_with_approve_in_sight(qtbot, ws, rendered_job, add_jobs, tmp_path, size):
    """The Shots tab's strip and buttons used to make the preview 906 px tall: in the default
    900 px window the view scrolled and Approve sat below the fold."""
    made = open_window(ws)
    qtbot.addWidget(made)
    made.resize(*size)
    made.show()
    made.ctx.runner.announce(Changed(added=True))
    select_job(qtbot, made, rendered_job)
    preview = made.jobs_view.preview
    area = made.jobs_view.parentWidget().parentWidget()  # the view's scroll area
    qtbot.waitUntil(lambda: preview.approve_button.isEnabled(), timeout=10_000)
    qtbot.waitUntil(lambda: made.jobs_view.height() <= area.viewport().height(), timeout=5_000)
    corner = preview.approve_button.mapTo(area.viewport(), preview.approve_button.rect().bottomRight())
    assert area.viewport().rect().contains(corner)
    assert not area.verticalScrollBar().isVisible()
    screenshot(made, tmp_path, f"preview-fits-{size[1]}")
