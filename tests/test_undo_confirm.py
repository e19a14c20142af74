"""Undo and confirm: approve, reject, delete, a move and a cancelled publication can be taken back
from the toast; a rejected job can be restored; publishing now and deleting ask first, and
deleting says what it frees and which posts go."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QSpinBox

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.gui import dialogs
from nexus_desktop.gui.main import open_window
from nexus_desktop.pipeline import schedule as scheduling
from nexus_desktop.runtime.events import Changed
from tests.gui_support import screenshot, select_job

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def window(reviewing):
    return reviewing


def status(ws, job_id):  # noqa: F811
    view = ws.store.jobs.get(job_id)
    return view.status if view else None


def test_approve_then_undo_puts_the_job_back_to_review(qtbot, window, ws, rendered_job, tmp_path):  # noqa: F811
    window.jobs_view.approve_selected()
    qtbot.waitUntil(lambda: status(ws, rendered_job) is JobStatus.APPROVED, timeout=5_000)
    qtbot.waitUntil(lambda: window.toast.can_undo)
    assert window.toast.text.text() == "1 job approved"
    assert ws.store.posts.list()
    screenshot(window, tmp_path, "toast-approved")
    window.toast.undo_button.click()
    qtbot.waitUntil(lambda: status(ws, rendered_job) is JobStatus.AWAITING_REVIEW, timeout=5_000)
    assert not window.toast.isVisible()
    assert all(p.status is not PostStatus.SCHEDULED for p in ws.store.posts.list())


def test_reject_then_undo_and_restore(qtbot, window, ws, rendered_job, monkeypatch):  # noqa: F811
    monkeypatch.setattr(dialogs, "ask_reason", lambda *args: "off topic")
    window.jobs_view.reject_selected()
    qtbot.waitUntil(lambda: status(ws, rendered_job) is JobStatus.REJECTED, timeout=5_000)
    qtbot.waitUntil(lambda: window.toast.can_undo)
    window.toast.undo_button.click()
    qtbot.waitUntil(lambda: [v.status for v in window.jobs_view.selected_views()] == [JobStatus.AWAITING_REVIEW],
                    timeout=5_000)
    # Rejected long ago (no toast any more): Restore brings it back.
    window.jobs_view.reject_selected()
    qtbot.waitUntil(lambda: status(ws, rendered_job) is JobStatus.REJECTED, timeout=5_000)
    window.toast.settle()
    qtbot.waitUntil(lambda: [v.status for v in window.jobs_view.selected_views()] == [JobStatus.REJECTED], timeout=5_000)
    assert window.jobs_view.restore_action.isEnabled()
    window.jobs_view.restore_action.trigger()
    qtbot.waitUntil(lambda: status(ws, rendered_job) is JobStatus.AWAITING_REVIEW, timeout=5_000)


def test_delete_says_what_it_frees_and_which_posts_go_then_removes_the_files(qtbot, window, ws, rendered_job, monkeypatch):  # noqa: F811
    report = scheduling.approve_jobs(ws, [rendered_job])
    ws.store.posts.schedule(report.posts[0], scheduling.utcnow() + timedelta(days=2))
    window.ctx.runner.announce(Changed(jobs=frozenset({rendered_job})))
    job_dir = ws.paths.job_dir(rendered_job)
    assert job_dir.is_dir()
    asked = []
    monkeypatch.setattr(dialogs, "confirm", lambda *args: asked.append(args) or True)
    window.jobs_view.delete_selected()
    qtbot.waitUntil(lambda: bool(asked), timeout=5_000)
    text = asked[0][2]
    assert "This frees" in text and ("KB on disk" in text or "MB on disk" in text)
    assert "These posts go too and will not be published:\n• " in text
    qtbot.waitUntil(lambda: window.jobs_view.model.rowCount() == 0)  # gone from the list at once
    assert window.toast.can_undo and window.toast.text.text().startswith("Deleted 1 job (")
    window.toast.undo_button.click()  # changed their mind: nothing was removed
    qtbot.waitUntil(lambda: window.jobs_view.model.rowCount() == 1)
    assert job_dir.is_dir() and status(ws, rendered_job) is JobStatus.APPROVED

    select_job(qtbot, window, rendered_job)
    window.jobs_view.delete_selected()
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=5_000)
    window.toast.settle()  # the Undo time passed
    qtbot.waitUntil(lambda: status(ws, rendered_job) is None and not job_dir.exists(), timeout=5_000)
    assert ws.store.posts.list() == []


def test_a_delete_waiting_for_undo_happens_at_quit(qtbot, ws, rendered_job, monkeypatch):  # noqa: F811
    window = open_window(ws)
    window.ctx.runner.announce(Changed(added=True))
    qtbot.waitUntil(lambda: window.jobs_view.model.rowCount() == 1)
    select_job(qtbot, window, rendered_job)
    monkeypatch.setattr(dialogs, "confirm", lambda *args: True)
    window.jobs_view.delete_selected()
    qtbot.waitUntil(lambda: window.toast.can_undo, timeout=5_000)
    window.close()
    from nexus_desktop.store import Store

    store = Store.for_settings(ws.settings, ws.paths)
    try:
        assert store.jobs.get(rendered_job) is None and not (ws.paths.jobs / f"{rendered_job:06d}").exists()
    finally:
        store.close()


def scheduled(ws, rendered_job, days: float):  # noqa: F811
    report = scheduling.approve_jobs(ws, [rendered_job])
    when = (scheduling.utcnow() + timedelta(days=days)).replace(second=0, microsecond=0)
    ws.store.posts.schedule(report.posts[0], when)
    return report.posts[0], when


def test_a_move_and_a_cancelled_publication_can_be_undone(qtbot, window, ws, rendered_job):  # noqa: F811
    post_id, when = scheduled(ws, rendered_job, days=2)
    calendar = window.show_view("Calendar")
    calendar.refresh()
    qtbot.waitUntil(lambda: post_id in calendar.posts, timeout=5_000)
    calendar.actions.move(post_id, when + timedelta(days=1))
    qtbot.waitUntil(lambda: ws.store.posts.get(post_id).scheduled_at == when + timedelta(days=1), timeout=5_000)
    qtbot.waitUntil(lambda: window.toast.can_undo)
    assert "moved to" in window.toast.text.text()
    window.toast.undo_button.click()
    qtbot.waitUntil(lambda: ws.store.posts.get(post_id).scheduled_at == when, timeout=5_000)

    qtbot.waitUntil(lambda: calendar.posts.get(post_id) is not None and calendar.posts[post_id].scheduled_at == when,
                    timeout=5_000)
    calendar.actions.unschedule(post_id)
    qtbot.waitUntil(lambda: ws.store.posts.get(post_id).scheduled_at is None, timeout=5_000)
    qtbot.waitUntil(lambda: window.toast.can_undo)
    assert "will not be published" in window.toast.text.text()
    window.toast.undo_button.click()
    qtbot.waitUntil(lambda: ws.store.posts.get(post_id).scheduled_at == when, timeout=5_000)
    assert ws.store.posts.get(post_id).status is PostStatus.SCHEDULED


def test_publish_now_asks_first(qtbot, window, ws, rendered_job, monkeypatch):  # noqa: F811
    post_id, _ = scheduled(ws, rendered_job, days=2)
    calendar = window.show_view("Calendar")
    calendar.refresh()
    qtbot.waitUntil(lambda: post_id in calendar.posts, timeout=5_000)
    asked = []
    monkeypatch.setattr(dialogs, "confirm", lambda *args: asked.append(args) or False)
    calendar.actions.confirm_publish_now(calendar.posts[post_id])
    assert asked and "cannot be taken back" in asked[0][2]
    qtbot.wait(200)  # nothing to wait for: the point is that no publish starts after the refusal
    assert ws.store.posts.get(post_id).status is PostStatus.SCHEDULED  # nothing went out


def red_pixels(widget) -> int:
    image = widget.grab().toImage()
    danger = QColor("#D92D20")
    found = 0
    for x in range(0, image.width(), 2):
        for y in range(0, image.height(), 2):
            c = image.pixelColor(x, y)
            if abs(c.red() - danger.red()) < 40 and abs(c.green() - danger.green()) < 40 and abs(c.blue() - danger.blue()) < 40:
                found += 1
    return found


def test_disabled_controls_look_disabled_and_spin_boxes_have_arrows(qtbot, window, tmp_path):
    reject = window.jobs_view.preview.reject_button
    assert reject.isEnabled() and red_pixels(reject) > 0
    reject.setEnabled(False)
    assert red_pixels(reject) == 0  # grey, not a red that invites a click
    box = QSpinBox(window)
    box.setRange(1, 8)
    box.resize(120, 34)
    with qtbot.waitExposed(box):
        box.show()
    assert box.grab().save(str(tmp_path / "spinbox.png"))
    image = box.grab().toImage()
    arrows = [image.pixelColor(x, y).lightness() for x in range(box.width() - 18, box.width() - 4) for y in range(4, 30)]
    assert min(arrows) < 200  # the chevrons are drawn on the light buttons
    assert box.grab().save(str(tmp_path / "spinbox.png"))
