"""No database work on the GUI thread: the creator's actions, the preview's reads, the jobs
table and the Accounts view read and write in the runner (or a worker), and the window
shows a loading state or a clear error meanwhile.

The guard is an SQLAlchemy event on the workspace's engine: every statement notes the
thread it runs on, and a statement on Qt's main thread fails the test with the stack
that ran it.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.gui import dialogs, preview_pane
from nexus_desktop.gui.main import open_window
from nexus_desktop.gui.operations import feeds as feed_ops
from nexus_desktop.gui.operations import jobs as job_ops
from nexus_desktop.pipeline import schedule as scheduling
from nexus_desktop.resources import resource_dir
from nexus_desktop.runtime.events import Changed
from tests.db_thread_support import (
    assert_inside_operations, assert_none, no_database_on_the_gui_thread, no_work_outside_operations,
)
from tests.fakes.accounts_env import memory_keyring  # noqa: F401,F811 (fixture)
from tests.gui_support import screenshot

RESIZING_OFFSCREEN = "This plugin does not support propagateSizeHints"
pytestmark = pytest.mark.qt_log_ignore(RESIZING_OFFSCREEN, "No RHI backend", "PulseAudioService: pa_context_connect")


def test_the_guard_sees_a_statement_on_the_gui_thread_and_not_in_a_worker(qapp, ws, add_jobs):
    (job_id,) = add_jobs(1)
    with no_database_on_the_gui_thread(ws.store) as touched:
        worker = threading.Thread(target=lambda: ws.store.jobs.detail(job_id))
        worker.start()
        worker.join()
        assert touched == []
        ws.store.jobs.detail(job_id)
    assert any(t.startswith("SELECT on the GUI thread") for t in touched)
    assert "jobs.py" in touched[-1] and "test_gui_thread_db.py" in touched[-1]  # where it ran, to fix it


def _as_a_view(source: str) -> dict:
    """Functions compiled as if they were written in a gui/ module that is not an operation:
    what a view doing its own work looks like to the guard."""
    from pathlib import Path

    import nexus_desktop.gui

    names: dict = {}
    exec(compile(source, str(Path(nexus_desktop.gui.__file__).parent / "some_view.py"), "exec"), names)
    return names


def test_the_guard_sees_work_done_outside_an_operation(qtbot, qapp, ws, add_jobs, tmp_path, memory_keyring):
    """A view's own write in the runner, and a view removing files, starting a program or asking
    the keyring on the GUI thread, are each caught; the same write through an operation is not."""
    import subprocess
    import sys

    from nexus_desktop import secrets
    from nexus_desktop.gui.app_context import AppContext
    from nexus_desktop.gui.operations import Operations
    from nexus_desktop.gui.operations.base import CollectionOp, Outcome
    from nexus_desktop.runtime.runner import Runner

    (job_id,) = add_jobs(1)
    runner = Runner(ws)
    ctx = AppContext(ws, runner, Operations(ws, runner))
    view = _as_a_view(
        "def submit_own_write(runner, store, job_id, done):\n"
        "    runner.submit(lambda: store.jobs.set_progress(job_id, 1, 'written by a view'), on_done=done)\n"
        "def remove(path):\n"
        "    path.unlink()\n"
        "def start_program(argv):\n"
        "    subprocess.run(argv, check=True)\n"
        "def ask_keyring():\n"
        "    return secrets.get_secret('x')\n")
    view.update(subprocess=subprocess, secrets=secrets)
    try:
        doomed = tmp_path / "scratch.wav"
        doomed.write_bytes(b"\0")
        with no_work_outside_operations(ws.store) as found:
            returned: list = []
            view["submit_own_write"](runner, ws.store, job_id, returned.append)
            qtbot.waitUntil(lambda: bool(returned), timeout=10_000)
            assert len(found) == 1 and found[0].startswith("UPDATE outside an operation") and "some_view.py" in found[0]
            view["remove"](doomed)
            view["start_program"]([sys.executable, "-c", "pass"])
            view["ask_keyring"]()
            assert [f.split(" ", 1)[0] for f in found[1:]] == ["os.remove", "subprocess.Popen", "secrets.get_secret"]
            assert all("GUI thread" in f and "some_view.py" in f for f in found[1:])
            found.clear()

            def op(w):
                w.store.jobs.set_progress(job_id, 2, "written by an operation")
                return Outcome(Changed(jobs=frozenset({job_id})))

            with qtbot.waitSignal(runner.changed, timeout=10_000):
                CollectionOp(ctx, op, "Writing").run_in_background()
        assert_inside_operations(found)
    finally:
        runner.shutdown()


@pytest.fixture
def window(qtbot, ws):
    made = open_window(ws)
    qtbot.addWidget(made)
    made.show()
    return made


def wait_for_row(qtbot, window, job_id: int) -> None:
    qtbot.waitUntil(lambda: window.jobs_view.model.row_of(job_id) is not None, timeout=10_000)


def test_reviewing_a_job_never_touches_the_database_on_the_gui_thread(qtbot, ws, window, rendered_job, tmp_path):
    """Nothing on the GUI thread, and no write outside an operation: the Publish tab's read,
    which drafts an older store's posts, is ``operations.posts.read_job_posts``."""
    view, preview = window.jobs_view, window.jobs_view.preview
    with no_work_outside_operations(ws.store) as touched:
        window.ctx.runner.announce(Changed(added=True))
        wait_for_row(qtbot, window, rendered_job)
        with qtbot.waitSignal(preview.shown, timeout=10_000):
            assert view.select_job(rendered_job)
        assert preview.job_id == rendered_job and preview.page == preview_pane.CONTENT
        assert preview.approve_button.isEnabled()
        quality = preview.panels[0]
        qtbot.waitUntil(lambda: "Reading" not in quality.label.text(), timeout=10_000)

        with qtbot.waitSignal(window.ctx.ops.undoable, timeout=10_000):
            preview.approve()
        qtbot.waitUntil(lambda: view.model.job_at(view.model.row_of(rendered_job)).status is JobStatus.APPROVED,
                        timeout=10_000)
        qtbot.waitUntil(lambda: not preview.approve_button.isEnabled(), timeout=10_000)  # the preview re-read it

        with qtbot.waitSignal(window.ctx.ops.told, timeout=10_000) as told:
            job_ops.back_to_review(window.ctx, [rendered_job])
        assert told.args[0] == "1 job back to review"
        qtbot.waitUntil(lambda: preview.approve_button.isEnabled(), timeout=10_000)

        with qtbot.waitSignal(window.ctx.ops.told, timeout=10_000) as told:
            job_ops.reject(window.ctx, [rendered_job], "not for this week")
        assert told.args[0] == "1 job rejected"
        qtbot.waitUntil(lambda: preview.banner.text() == "Rejected: not for this week", timeout=10_000)
        with qtbot.waitSignal(window.ctx.ops.told, timeout=10_000) as told:
            job_ops.reopen(window.ctx, [rendered_job])
        assert told.args[0] == "1 job reopened"
        qtbot.waitUntil(lambda: view.model.job_at(view.model.row_of(rendered_job)).status is JobStatus.AWAITING_REVIEW,
                        timeout=10_000)
        qtbot.waitUntil(lambda: not view.model.reading, timeout=10_000)
    assert_none(touched)
    screenshot(window, tmp_path, "reviewed_off_the_gui_thread")


def test_adding_and_checking_feeds_never_touches_the_database_on_the_gui_thread(qtbot, ws, window):
    feed = resource_dir() / "samples" / "tech-digest.rss.xml"
    with no_work_outside_operations(ws.store) as touched:
        with qtbot.waitSignal(window.ctx.ops.feeds_added, timeout=20_000):
            feed_ops.add_feeds(window.ctx, [str(feed)])
        qtbot.waitUntil(lambda: window.jobs_view.model.rowCount() > 0, timeout=30_000)  # checked: the articles are jobs
        qtbot.waitUntil(lambda: window.feeds_view.model.rowCount() == 1, timeout=10_000)
        qtbot.waitUntil(lambda: not window.jobs_view.model.reading, timeout=10_000)
    assert_inside_operations(touched)


def test_the_preview_shows_loading_then_the_job_and_a_clear_error_when_the_read_fails(
        qtbot, ws, window, rendered_job, tmp_path, monkeypatch):
    view, preview = window.jobs_view, window.jobs_view.preview
    window.ctx.runner.announce(Changed(added=True))
    wait_for_row(qtbot, window, rendered_job)
    release = threading.Event()
    real_detail = ws.store.jobs.detail

    def slow_detail(job_id):  # a database busy with a long write elsewhere
        assert release.wait(10)
        return real_detail(job_id)

    monkeypatch.setattr(ws.store.jobs, "detail", slow_detail)
    with no_database_on_the_gui_thread(ws.store) as touched:
        view.select_job(rendered_job)
        qtbot.waitUntil(lambda: preview.page == preview_pane.LOADING, timeout=5000)
        assert not preview.approve_button.isEnabled()  # nothing acts on a job not shown yet
        screenshot(preview, tmp_path, "preview_loading")
        with qtbot.waitSignal(preview.shown, timeout=10_000):
            release.set()
        assert preview.page == preview_pane.CONTENT and preview.job_id == rendered_job

        def broken_detail(job_id):
            raise OperationalError("SELECT jobs", {}, Exception("database disk image is malformed"))

        monkeypatch.setattr(ws.store.jobs, "detail", broken_detail)
        window.ctx.runner.announce(Changed(jobs=frozenset({rendered_job})))
        qtbot.waitUntil(lambda: preview.page == preview_pane.FAILED, timeout=10_000)
    assert_none(touched)
    assert "Could not read this job" in preview.failure.text() and "malformed" in preview.failure.text()
    assert preview.job_id is None and preview.try_again.isVisible()
    screenshot(preview, tmp_path, "preview_read_failed")

    monkeypatch.setattr(ws.store.jobs, "detail", real_detail)
    with qtbot.waitSignal(preview.shown, timeout=10_000):
        preview.try_again.click()
    assert preview.page == preview_pane.CONTENT and preview.job_id == rendered_job


def test_refreshing_a_token_runs_in_the_background_and_a_failure_is_said_in_red(
        qtbot, ws, window, tmp_path, memory_keyring):
    from datetime import datetime, timedelta, timezone

    view = window.show_view("Accounts")
    qtbot.waitUntil(lambda: not view.busy, timeout=10_000)
    ws.store.accounts.upsert("x", "@nexus_test", remote_user_id="12345",
                             token_expires_at=datetime.now(timezone.utc) + timedelta(hours=1), details={"refreshable": True})
    with no_work_outside_operations(ws.store) as found:
        with qtbot.waitSignal(view.settled, timeout=10_000):
            window.ctx.runner.announce(Changed(accounts=True))  # whoever connected it: the view re-reads
        assert view.model.rowCount() == 1
        view.table.selectRow(0)
        with qtbot.waitSignal(view.settled, timeout=20_000):
            view.refresh_button.click()
            assert view.message.text() == "Refreshing the token…" and not view.refresh_button.isEnabled()
    assert_inside_operations(found)
    assert view.message.text().startswith("Could not refresh:") and view.message.objectName() == "FailureBanner"
    assert view.refresh_button.isEnabled()
    screenshot(view, tmp_path, "accounts_refresh_failed")


def test_disconnecting_asks_then_offers_undo_and_works_in_the_runner(qtbot, ws, window, tmp_path, memory_keyring,
                                                                     monkeypatch):
    from nexus_desktop.providers.platforms import oauth

    view = window.show_view("Accounts")
    account = ws.store.accounts.upsert("x", "@nexus_test", remote_user_id="12345", token_expires_at=None, details={})
    oauth.save_tokens(account.id, oauth.TokenSet("access-1", "refresh-1", None), None)
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "confirm", lambda parent, title, text, action: asked.append(text) or True)
    with no_work_outside_operations(ws.store) as found:
        with qtbot.waitSignal(view.settled, timeout=10_000):
            window.ctx.runner.announce(Changed(accounts=True))
        view.table.selectRow(0)
        view.disconnect_button.click()
        assert "remove its tokens" in asked[0] and view.model.rowCount() == 0  # gone from the list at once
        assert window.toast.can_undo and window.toast.text.text() == "Disconnecting X account @nexus_test"
        screenshot(window, tmp_path, "accounts_disconnect_undo")
        window.toast.undo_button.click()
        assert view.model.rowCount() == 1 and "stays connected" in view.message.text()
        view.table.selectRow(0)
        view.disconnect_button.click()
        with qtbot.waitSignal(view.accounts_changed, timeout=10_000):
            window.toast.settle()  # the toast's time runs out: now it goes
        qtbot.waitUntil(lambda: not view.busy, timeout=10_000)
    assert_inside_operations(found)
    assert ws.store.accounts.list() == [] and view.model.rowCount() == 0
    assert oauth.load_secret_payload(account.id) == {}  # its tokens left the keyring
    assert view.message.text() == "Disconnected X account @nexus_test; its tokens were removed from the keyring."


def test_starting_the_window_never_touches_the_database_on_the_gui_thread(qtbot, ws, add_jobs, tmp_path):
    """Interrupted jobs go back to the queue in the runner, not before the window shows."""
    ws.settings.harvest.auto_run = False  # the recovered job waits for Run: the test sees it queued
    interrupted, waiting = add_jobs(2)
    claimed = ws.store.jobs.claim(interrupted, worker="this-host:1", lease=60.0,
                                  now=scheduling.utcnow() - timedelta(hours=1))  # killed mid-stage an hour ago
    assert claimed is not None and ws.store.jobs.get(interrupted).status is JobStatus.RUNNING
    with no_work_outside_operations(ws.store) as touched:
        window = open_window(ws)
        qtbot.addWidget(window)
        window.show()
        model = window.jobs_view.model
        qtbot.waitUntil(lambda: model.row_of(interrupted) is not None and model.row_of(waiting) is not None,
                        timeout=10_000)
        qtbot.waitUntil(lambda: model.job_at(model.row_of(interrupted)).status is JobStatus.QUEUED, timeout=10_000)
        qtbot.waitUntil(lambda: window.ctx.runner.state().idle and not model.reading, timeout=10_000)
    assert_inside_operations(touched)
    assert ws.store.jobs.get(interrupted).progress_message == "Resuming after an interruption"
    screenshot(window, tmp_path, "started_off_the_gui_thread")


def test_the_calendars_actions_never_touch_the_database_on_the_gui_thread(qtbot, ws, window, rendered_job, monkeypatch):
    report = scheduling.approve_jobs(ws, [rendered_job])
    post_id = report.posts[0]
    when = (scheduling.utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    ws.store.posts.schedule(post_id, when)
    calendar = window.show_view("Calendar")
    monkeypatch.setattr(dialogs, "confirm", lambda *args: True)
    with no_work_outside_operations(ws.store) as touched:
        with qtbot.waitSignal(calendar.refreshed, timeout=10_000):
            calendar.set_mode("week")  # shaded with the good hours, which make missing export targets
        assert calendar.legend.shading
        calendar.refresh()
        qtbot.waitUntil(lambda: post_id in calendar.posts, timeout=10_000)
        calendar.actions.move(post_id, when + timedelta(days=1))
        qtbot.waitUntil(lambda: window.toast.can_undo and "moved to" in window.toast.text.text(), timeout=10_000)
        window.toast.undo_button.click()
        qtbot.waitUntil(lambda: calendar.posts[post_id].scheduled_at == when, timeout=10_000)
        calendar.actions.unschedule(post_id)
        qtbot.waitUntil(lambda: calendar.posts[post_id].scheduled_at is None, timeout=10_000)
        calendar.actions.schedule_all()
        qtbot.waitUntil(lambda: calendar.posts[post_id].scheduled_at is not None, timeout=10_000)
        calendar.actions.confirm_publish_now(calendar.posts[post_id])
        qtbot.waitUntil(lambda: calendar.posts[post_id].status is PostStatus.PUBLISHED, timeout=15_000)
        qtbot.waitUntil(lambda: window.ctx.runner.state().idle, timeout=10_000)
    assert_inside_operations(touched)


def test_settings_read_and_save_the_keyring_in_the_runner(qtbot, ws, window, tmp_path, memory_keyring):
    """A desktop keyring answers over D-Bus (and may wait for the creator to unlock it): the
    dialog shows "checking the keyring…" until the read lane has answered, and saves there too."""
    from PySide6.QtWidgets import QLineEdit

    from nexus_desktop import secrets

    secrets.set_secret("pexels_api_key", "pexels-key-1")
    with no_work_outside_operations(ws.store) as found:
        dialog = window.open_settings()
        qtbot.addWidget(dialog)
        runway = dialog.findChild(QLineEdit, "Key_runway_api_key")
        pexels = dialog.findChild(QLineEdit, "Key_pexels_api_key")
        qtbot.waitUntil(lambda: "checking" not in pexels.placeholderText(), timeout=10_000)
        assert "kept in the keyring" in pexels.placeholderText() and "none" in runway.placeholderText()
        runway.setText("runway-key-2")
        with qtbot.waitSignal(dialog.settings_saved, timeout=10_000):
            dialog.save()
            assert not dialog.save_button.isEnabled()  # saving, in the store lane
    assert_inside_operations(found)
    assert secrets.get_secret("runway_api_key") == "runway-key-2"
    assert "runway-key-2" not in ws.paths.settings_file.read_text(encoding="utf-8")
