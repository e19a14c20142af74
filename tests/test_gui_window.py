"""The main window as the creator uses it: feeds, jobs, batch actions, settings, errors, layout.

Screenshots of each view go to ``<tmp>/screenshots/`` for a reviewer to look at.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.stages import Stage
from nexus_desktop.gui import dialogs
from nexus_desktop.gui.jobs_model import STATUS
from nexus_desktop.gui.main import open_window
from nexus_desktop.gui.operations import jobs as job_ops
from nexus_desktop.gui.status_bar import activity_text
from nexus_desktop.runtime.events import Changed, QueueState, Running
from tests.conftest import SAMPLES
from tests.gui_support import screenshot, select_job, wait_for_reads

# The offscreen platform cannot resize a window to its size hints and says so
# whenever a layout's limits change; on a real desktop Qt does it silently.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def window(qtbot, ws):  # noqa: F811
    made = open_window(ws)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    return made  # qtbot closes it, which stops its runner and closes the store


def drop(window, mime: QMimeData) -> QDropEvent:
    point = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, event)
    return event


def announce_new_jobs(window) -> None:
    """What a harvest says after storing new jobs."""
    window.ctx.runner.announce(Changed(added=True))


def status_text(window, job_id: int) -> str | None:
    model = window.jobs_view.model
    row = model.row_of(job_id)  # None until the table has read the job
    return None if row is None else model.index(row, STATUS).data()


# -- feeds ------------------------------------------------------------------------------------------


def test_dropping_an_opml_file_on_the_window_adds_its_feeds(qtbot, window, tmp_path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(SAMPLES / "feeds.opml"))])
    event = drop(window, mime)
    assert event.isAccepted()
    model = window.feeds_view.model
    qtbot.waitUntil(lambda: model.rowCount() == 3, timeout=10_000)
    names = sorted(model.source_at(r).display_name for r in range(3))
    assert names == ["City Science Notes", "Kitchen Lab", "Tech Digest Weekly"]
    assert window.current_view() is window.feeds_view
    screenshot(window, tmp_path, "feeds")


def test_a_feed_is_added_by_typing_switched_off_and_removed_after_asking(qtbot, window, monkeypatch):
    feeds = window.show_view("Feeds")
    feeds.address.setText(str(SAMPLES / "tech-digest.rss.xml"))
    feeds.add_from_field()
    qtbot.waitUntil(lambda: feeds.model.rowCount() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: feeds.model.source_at(0).item_count > 0, timeout=10_000)  # harvested at once
    jobs_before = window.ctx.ws.store.jobs.count()
    assert jobs_before > 0
    feeds.model.setData(feeds.model.index(0, 0), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    qtbot.waitUntil(lambda: feeds.model.source_at(0).active is False, timeout=5_000)
    assert feeds.model.index(0, 1).data() == "Switched off"
    asked = []
    monkeypatch.setattr(dialogs, "confirm", lambda *args: asked.append(args) or True)
    feeds.table.selectRow(0)
    feeds.remove_selected()
    qtbot.waitUntil(lambda: feeds.model.rowCount() == 0, timeout=5_000)
    assert asked and "stay" in asked[0][2]
    assert window.ctx.ws.store.jobs.count() == jobs_before


# -- jobs -------------------------------------------------------------------------------------------------


def test_approving_a_job_moves_it_to_approved(qtbot, window, rendered_job):  # noqa: F811
    view = window.jobs_view
    announce_new_jobs(window)
    select_job(qtbot, window, rendered_job)
    view.table.setFocus()
    assert view.approve_action.isEnabled()
    qtbot.keyClick(view.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.ctx.ws.store.jobs.get(rendered_job).status is JobStatus.APPROVED, timeout=5_000)
    qtbot.waitUntil(lambda: status_text(window, rendered_job) == "Approved", timeout=5_000)
    assert not view.approve_action.isEnabled()
    drafts = window.ctx.ws.store.posts.for_job(rendered_job)
    assert drafts and {p.status_text for p in drafts} == {"Draft"}  # a post per default target, for the calendar


def test_rejecting_records_the_reason(qtbot, window, rendered_job, monkeypatch):  # noqa: F811
    monkeypatch.setattr(dialogs, "ask_reason", lambda *args: "The thumbnail hides the headline")
    view = window.jobs_view
    announce_new_jobs(window)
    select_job(qtbot, window, rendered_job)
    view.reject_action.trigger()
    qtbot.waitUntil(lambda: status_text(window, rendered_job) == "Rejected: The thumbnail hides the headline",
                    timeout=5_000)


@pytest.mark.expect_log("narrate failed")
def test_a_failed_jobs_row_and_preview_show_its_reason(qtbot, window, add_jobs, fake_stages, tmp_path):  # noqa: F811
    ids = add_jobs(3, ["Solid-state batteries reach a second pilot line", "A quieter city bus", "Bread at altitude"])
    fake_stages.fail_at[ids[1]] = Stage.NARRATE
    view = window.jobs_view
    with qtbot.waitSignal(window.ctx.runner.job_failed, timeout=10_000):
        job_ops.run(window.ctx, ids)
    expected = "Failed: feed returned 404 — check the feed address"
    qtbot.waitUntil(lambda: view.model.row_of(ids[1]) is not None and status_text(window, ids[1]) == expected,
                    timeout=5_000)
    select_job(qtbot, window, ids[1])
    assert view.preview.banner.isVisible()
    assert view.preview.banner.text() == "Failed at narrate: feed returned 404 — check the feed address"
    assert view.retry_action.isEnabled() and not view.approve_action.isEnabled()
    qtbot.waitUntil(lambda: window.ctx.runner.state().idle, timeout=10_000)
    screenshot(window, tmp_path, "jobs")


def test_batch_actions_apply_to_every_selected_job(qtbot, window, add_jobs, fake_stages, monkeypatch):  # noqa: F811
    ids = add_jobs(4)
    announce_new_jobs(window)
    view = window.jobs_view
    qtbot.waitUntil(lambda: view.model.rowCount() == 4)
    view.table.selectAll()
    assert view.selection_label.text() == "4 jobs selected"
    with qtbot.waitSignals([window.ctx.runner.job_finished] * 4, timeout=10_000):
        view.run_action.trigger()
    qtbot.waitUntil(lambda: all(status_text(window, i) == "Awaiting review" for i in ids), timeout=5_000)
    view.table.selectAll()
    monkeypatch.setattr(dialogs, "confirm", lambda *args: True)
    view.delete_selected()
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=5_000)
    window.toast.settle()  # the deletion waits for the Undo time to pass
    qtbot.waitUntil(lambda: window.ctx.ws.store.jobs.count() == 0, timeout=5_000)


def test_cancel_from_the_window_stops_a_running_job(qtbot, window, add_jobs, fake_stages):  # noqa: F811
    fake_stages.seconds = 60
    (job_id,) = add_jobs(1)
    announce_new_jobs(window)
    view = window.jobs_view
    job_ops.run(window.ctx, [job_id])
    qtbot.waitUntil(lambda: status_text(window, job_id) == "Running", timeout=5_000)
    qtbot.waitUntil(lambda: "Writing the script for" in window.status.activity.text(), timeout=5_000)
    select_job(qtbot, window, job_id)
    with qtbot.waitSignal(window.ctx.runner.job_finished, timeout=2_000):
        view.cancel_action.trigger()
    qtbot.waitUntil(lambda: status_text(window, job_id) == "Cancelled", timeout=5_000)


def test_search_and_filters_narrow_the_table(qtbot, window, add_jobs):  # noqa: F811
    add_jobs(3, ["Solid-state batteries", "A quieter city bus", "Bread at altitude"])
    add_jobs(2, ["Night trains return", "Battery recycling"], source="City Science Notes")
    announce_new_jobs(window)
    view = window.jobs_view
    qtbot.waitUntil(lambda: view.model.rowCount() == 5)
    view.search.setText("batter")
    assert view.proxy.rowCount() == 2  # at once, over the loaded rows
    qtbot.waitUntil(lambda: view.model.where.search == "batter", timeout=2_000)  # then from the database
    wait_for_reads(qtbot, window)
    assert view.model.rowCount() == 2
    view.search.clear()
    view.refresh_sources()
    qtbot.waitUntil(lambda: view.source_filter.count() == 3, timeout=5_000)
    view.source_filter.setCurrentIndex(view.source_filter.findData("City Science Notes"))
    wait_for_reads(qtbot, window)
    assert view.model.rowCount() == 2
    view.source_filter.setCurrentIndex(0)
    view.status_filter.setCurrentIndex(view.status_filter.findText("Failed"))
    wait_for_reads(qtbot, window)
    assert view.model.rowCount() == 0


# -- the window ------------------------------------------------------------------------------------------------


def test_shortcuts_for_the_common_actions(window):
    shortcuts = {a.text(): a.shortcut().toString() for a in window.actions()}
    assert shortcuts["Add feed"] == "Ctrl+N" and shortcuts["Check feeds"] == "F5" and shortcuts["Run"] == "Ctrl+R"
    assert shortcuts["Settings"] == "Ctrl+," and shortcuts["Search"] == "Ctrl+F"
    jobs = window.jobs_view
    assert jobs.approve_action.shortcut().toString() == "Ctrl+Return"
    assert jobs.delete_action.shortcut().toString() == "Del"


def test_the_log_panel_shows_what_happens(qtbot, window, tmp_path, caplog):
    caplog.set_level(logging.INFO)  # as setup_logging does in the app
    window.log_action.trigger()
    logging.getLogger("nexus_desktop.test").info("job 12: render started")
    logging.getLogger("nexus_desktop.test").warning("feed https://example.org/feed returned 404")
    qtbot.waitUntil(lambda: "Warning: feed https://example.org/feed returned 404" in window.log_panel.text(), timeout=2_000)
    assert "job 12: render started" in window.log_panel.text()
    screenshot(window, tmp_path, "log-panel")


def test_the_window_remembers_its_geometry(qtbot, ws):  # noqa: F811
    first = open_window(ws)  # closed (and deleted) below, so not handed to qtbot
    first.show()
    first.resize(first.width(), 700)  # the offscreen screen is 800 x 800 and clips wider windows
    first.show_view("Feeds")
    first.close()
    from nexus_desktop.store import Store

    ws.store = Store.for_settings(ws.settings, ws.paths)  # the first window closed it
    second = open_window(ws)
    qtbot.addWidget(second)
    assert second.height() == 700
    assert second.current_view() is second.feeds_view
    assert (ws.paths.config / "window.ini").exists()


def test_settings_are_validated_then_saved(qtbot, window, tmp_path):
    dialog = window.open_settings()
    qtbot.addWidget(dialog)
    dialog.editors[("store", "database_url")].set_value("mysql://someone@host/db")
    dialog.editors[("render", "concurrent_renders")].set_value(2)
    dialog.editors[("branding", "primary_color")].set_value("#FF0066")
    dialog.save()
    assert dialog.isVisible()
    error = dialog.errors[("store", "database_url")]
    assert error.isVisible() and "postgresql" in error.text()
    assert not window.ctx.ws.paths.settings_file.exists()
    screenshot(dialog, tmp_path, "settings-refused")
    dialog.editors[("store", "database_url")].set_value("")
    dialog.pages.setCurrentRow(4)
    screenshot(dialog, tmp_path, "settings-branding")
    with qtbot.waitSignal(dialog.settings_saved):
        dialog.save()
    assert window.ctx.ws.settings.render.concurrent_renders == 2
    assert window.ctx.ws.settings.branding.primary_color == "#FF0066"
    assert '"concurrent_renders": 2' in window.ctx.ws.paths.settings_file.read_text()


def test_the_dark_theme(qtbot, window, rendered_job, tmp_path):  # noqa: F811
    settings = window.ctx.ws.settings.model_copy(deep=True)
    settings.ui.theme = "dark"
    window.apply_settings(settings)
    try:
        announce_new_jobs(window)
        select_job(qtbot, window, rendered_job)
        shot = QImage(str(screenshot(window, tmp_path, "jobs-dark")))
        corner = shot.pixelColor(shot.width() - 4, shot.height() // 2)
        assert window.palette().color(QPalette.ColorRole.Window).lightness() < 80, "the window is not dark"
        assert corner.lightness() < 100, "the screenshot is not dark"
    finally:
        light = settings.model_copy(deep=True)
        light.ui.theme = "light"
        window.apply_settings(light)


@pytest.mark.expect_log("uncaught error")
def test_an_uncaught_error_shows_a_dialog_with_the_log_path(qtbot, ws, monkeypatch, tmp_path):  # noqa: F811
    from nexus_desktop.gui.crash_dialog import CrashDialog, CrashReporter

    shown = []

    def fake_exec(dialog):
        shown.append(dialog)
        screenshot(dialog, tmp_path, "crash-dialog")
        return 0

    monkeypatch.setattr(CrashDialog, "exec", fake_exec)
    reporter = CrashReporter(ws.paths.log_file)
    try:
        raise ValueError("the render settings name a font that is not there")
    except ValueError as exc:
        reporter._excepthook(type(exc), exc, exc.__traceback__)
    (dialog,) = shown
    labels = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "ValueError: the render settings name a font that is not there" in labels
    assert str(ws.paths.log_file) in labels
    assert "Traceback" in dialog.details.toPlainText()


def test_the_status_line_says_what_runs_waits_and_whether_the_queue_is_paused():
    rendering = Running(7, "Crème brûlée without a torch", Stage.RENDER)
    assert activity_text(QueueState((), 0, False), {}) == "Ready"
    assert activity_text(QueueState((rendering,), 8, False), {7: 23}) == (
        "Rendering «Crème brûlée without a torch» 23% · 8 waiting")
    # Paused mid-render: the stage under way still finishes, which the line now says.
    assert activity_text(QueueState((rendering,), 8, True), {7: 23}) == (
        "Queue paused, finishing the running stage · Rendering «Crème brûlée without a torch» 23% · 8 waiting")
    assert activity_text(QueueState((), 8, True), {}) == "Queue paused · 8 waiting"
