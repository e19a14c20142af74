"""The preview's Shots tab: each shot's picture, kind and time; removing one (Delete, Undo
in the toast), giving one another kind or photo, and re-rendering only that job with
progress, the preview then playing the new video. Real visualize and render."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.gui.main import open_window
from nexus_desktop.gui.shot_list import ShotListPanel
from nexus_desktop.runtime.events import Changed
from tests.gui_support import screenshot
from tests.shots_support import make_job, make_videos, number_of, photo_jpeg, plan_of, quick_render, video_of

# The offscreen platform cannot size, raise or give the keyboard to a window (a popup menu) and says so.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise|grabbing the keyboard)",
                                       "No RHI backend", "PulseAudioService: pa_context_connect")


@pytest.fixture
def photo_job(ws, httpserver):
    quick_render(ws)
    httpserver.expect_request("/one.jpg").respond_with_data(photo_jpeg((200, 60, 40)), content_type="image/jpeg")
    httpserver.expect_request("/two.jpg").respond_with_data(photo_jpeg((30, 90, 200)), content_type="image/jpeg")
    job_id = make_job(ws, images=(httpserver.url_for("/one.jpg"), httpserver.url_for("/two.jpg")))
    make_videos(ws, job_id)
    return job_id


@pytest.fixture
def shots_tab(qtbot, ws, photo_job):
    window = open_window(ws)
    qtbot.addWidget(window)
    window.resize(1100, 900)
    window.show()
    window.ctx.runner.announce(Changed(added=True))
    qtbot.waitUntil(lambda: window.jobs_view.select_job(photo_job), timeout=5_000)
    preview = window.jobs_view.preview
    panel = next(p for p in preview.panels if isinstance(p, ShotListPanel))
    preview.editor.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=10_000)
    return window, preview, panel


def select(panel: ShotListPanel, number: int) -> None:
    panel.view.setCurrentIndex(panel.model.index(number - 1))


def test_the_tab_shows_each_shot_with_its_picture_kind_and_time(shots_tab, ws, photo_job, tmp_path):
    window, preview, panel = shots_tab
    rows = panel.model.loaded.shots.rows
    assert panel.model.rowCount() == len(plan_of(ws, photo_job).shots)
    first = panel.model.index(0).data()
    assert first.startswith("1 · Kinetic text") and "0.0–" in first
    assert "photo" in [r.shot.kind for r in rows]
    tile = panel.model.index(1).data(Qt.ItemDataRole.DecorationRole)
    assert not tile.isNull() and tile.toImage().pixelColor(48, 48).alpha() == 255, "a still, not an empty box"
    assert "shots," in panel.summary.text()
    screenshot(panel, tmp_path, "shot-list")
    screenshot(window, tmp_path, "shot-list-window")


def test_delete_removes_the_selected_shot_and_undo_puts_it_back(qtbot, shots_tab, ws, photo_job):
    window, preview, panel = shots_tab
    number = number_of(panel.model.loaded.shots, "quote")
    select(panel, number)
    panel.view.setFocus()
    QTest.keyClick(panel.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: panel.model.loaded.shots.rows[number - 1].pending == "quote → removed", timeout=5_000)
    assert panel.model.index(number - 1).data().endswith("→ removed")
    assert "1 change wait" in panel.summary.text()
    qtbot.waitUntil(lambda: window.toast.can_undo)
    assert window.toast.text.text() == f"Shot {number} (quote) removed; re-render to see it"
    window.toast.undo_button.click()
    qtbot.waitUntil(lambda: panel.model.loaded.shots.pending == 0, timeout=5_000)
    assert ws.store.jobs.results(photo_job)["steering"] == {"overrides": []}


def test_the_kind_menu_offers_only_what_the_sentence_can_make(qtbot, shots_tab, tmp_path):
    window, preview, panel = shots_tab
    number = number_of(panel.model.loaded.shots, "quote")
    select(panel, number)
    menu = panel.kind_button.menu()
    panel._fill_kinds(menu)
    actions = {a.data(): a for a in menu.actions()}
    assert not actions["stat"].isEnabled() and "no number" in actions["stat"].toolTip()
    assert actions["stat"].text() == "Stat — its sentence has no number to show"
    assert actions["quote"].isChecked() and actions["title"].isEnabled() and actions["title"].text() == "Kinetic text"
    with qtbot.waitExposed(menu):  # as the button opens it: filled again, the same choices
        menu.popup(panel.kind_button.mapToGlobal(panel.kind_button.rect().bottomLeft()))
    screenshot(menu, tmp_path, "kind-menu")
    menu.close()
    actions = {a.data(): a for a in menu.actions()}
    assert not actions["stat"].isEnabled()
    actions["title"].trigger()
    qtbot.waitUntil(lambda: panel.model.loaded.shots.rows[number - 1].pending == "quote → kinetic text",
                    timeout=5_000)


def test_rerender_makes_only_this_jobs_videos_again_with_progress_and_the_preview_reloads(qtbot, shots_tab, ws,
                                                                                         photo_job, tmp_path):
    window, preview, panel = shots_tab
    other = make_job(ws)  # waits at visualize: the re-render must not make its videos
    shots = panel.model.loaded.shots
    quote, photo = number_of(shots, "quote"), number_of(shots, "photo")
    before = video_of(ws, photo_job).stat().st_mtime_ns
    select(panel, quote)
    panel.remove_selected()
    qtbot.waitUntil(lambda: panel.model.loaded.shots.pending == 1, timeout=5_000)
    select(panel, photo)
    shown = panel.model.loaded.shots.rows[photo - 1].shot.photo
    panel.change(photo, photo=str(2 - shown))  # the other photo
    qtbot.waitUntil(lambda: panel.model.loaded.shots.pending == 2, timeout=5_000)
    screenshot(panel, tmp_path, "shot-list-pending")

    seen: list[int] = []
    window.ctx.runner.job_progressed.connect(lambda update: seen.append(update.percent))
    panel.render_button.click()
    qtbot.waitUntil(lambda: panel.progress.isVisible(), timeout=5_000)
    assert not panel.remove_button.isEnabled(), "no changes while it is being made"
    qtbot.waitUntil(lambda: ws.store.jobs.get(photo_job).status is JobStatus.AWAITING_REVIEW
                    and not panel.progress.isVisible(), timeout=60_000)
    assert seen, "progress was shown while it ran"
    qtbot.waitUntil(lambda: panel.render_button.isEnabled(), timeout=5_000)  # the list read after the job was done
    assert panel.model.loaded.shots.pending == 0 and "being made" not in panel.summary.text()
    assert panel.status.text() == "Re-rendered: the preview shows the new video"
    plan = plan_of(ws, photo_job)
    assert "quote" not in [s.kind for s in plan.shots] and len(plan.removed) == 1
    assert plan.shots[photo - 1].photo == 1 - shown
    assert video_of(ws, photo_job).stat().st_mtime_ns != before
    assert ws.store.jobs.results(other).get("visualize") is None
    qtbot.waitUntil(lambda: preview.detail.results["render"] == ws.store.jobs.results(photo_job)["render"],
                    timeout=5_000)
    assert panel.model.index(quote - 1).data().startswith(f"{quote} · Removed")
    select(panel, quote)
    panel.view.scrollTo(panel.model.index(quote - 1))
    assert panel.restore_button.isEnabled() and not panel.remove_button.isEnabled()
    screenshot(panel, tmp_path, "shot-list-after")


def test_a_job_being_made_cannot_be_changed(qtbot, shots_tab, ws, photo_job):
    window, preview, panel = shots_tab
    ws.store.jobs.edit_entry(photo_job, "steering", lambda entry: entry, frozenset(
        {s for s in ws.store.jobs.get(photo_job).done if s.value in ("visualize", "render")}))
    ws.store.jobs.claim(photo_job, worker="elsewhere:1")
    window.ctx.runner.announce(Changed(jobs=frozenset({photo_job})))
    qtbot.waitUntil(lambda: "being made" in panel.summary.text(), timeout=5_000)
    select(panel, 2)
    assert not panel.remove_button.isEnabled() and not panel.render_button.isEnabled()
    QTest.keyClick(panel.view, Qt.Key.Key_Delete)
    assert "Changing a shot" not in window.ctx.runner.state().tasks, "Delete does nothing while it is being made"
