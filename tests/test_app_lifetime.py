"""Publishing without the window: the scheduler belongs to the app, one per data folder; closing
with posts scheduled keeps the app in the tray, quitting with posts due soon asks, a second
launch brings the first window forward."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import shiboken6

from nexus_desktop.gui import dialogs
from nexus_desktop.gui.main import open_window
from nexus_desktop.gui.single_instance import InstanceServer, ask_first_to_show
from nexus_desktop.gui.tray import Tray
from nexus_desktop.pipeline import schedule as scheduling
from nexus_desktop.runtime.ownership import DAEMON, SchedulerLock
from tests.gui_support import screenshot

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
ROOT = Path(__file__).resolve().parent.parent


def scheduled_post(ws, job_id: int, in_hours: float) -> int:  # noqa: F811
    report = scheduling.approve_jobs(ws, [job_id])
    post_id = report.posts[0]
    ws.store.posts.schedule(post_id, scheduling.utcnow() + timedelta(hours=in_hours))
    return post_id


@pytest.fixture
def window(qtbot, ws, monkeypatch):  # noqa: F811
    """A window these tests quit themselves (quitting deletes it)."""
    made = open_window(ws)
    made.show()
    yield made
    if shiboken6.isValid(made):
        monkeypatch.setattr(dialogs, "confirm", lambda *args: True)
        made.lifetime.quit()


def test_the_app_owns_the_scheduler_and_lets_go_of_it_on_quit(qtbot, ws):  # noqa: F811
    window = open_window(ws)
    scheduler = window.ctx.scheduler
    assert scheduler is not None and scheduler.running
    assert window.views["Calendar"].scheduler is scheduler
    other = SchedulerLock(ws.paths.data, DAEMON)
    assert not other.acquire()  # one scheduler per data folder
    assert other.holder().role == "window"
    window.close()
    qtbot.waitUntil(lambda: not scheduler.running, timeout=10_000)
    assert other.acquire()  # free again once the window quit
    other.release()


def test_a_running_daemon_publishes_and_the_window_says_so(qtbot, ws, tmp_path):  # noqa: F811
    daemon = SchedulerLock(ws.paths.data, DAEMON)
    assert daemon.acquire()
    try:
        window = open_window(ws)
        qtbot.addWidget(window)
        window.show()
        assert window.ctx.scheduler is None and window.ctx.autopilot is None
        assert window.views["Calendar"].scheduler is None
        assert window.ctx.publisher.role == "daemon"
        assert window.status.publisher.text().startswith("Publishing: nexus daemon (process ")
        calendar = window.show_view("Calendar")
        assert calendar.publisher_note.isVisible()
        assert "this window does not publish itself" in calendar.publisher_note.text()
        screenshot(window, tmp_path, "calendar-daemon-publishes")
    finally:
        daemon.release()


def test_the_daemon_refuses_a_data_folder_the_window_publishes_for(qtbot, window, ws):  # noqa: F811
    done = subprocess.run([sys.executable, "-m", "nexus_desktop.cli", "--data-dir", str(ws.paths.data), "daemon"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "another Nexus Desktop window (process" in done.stderr and "already publishes" in done.stderr


def test_quitting_with_a_post_due_soon_asks_first(qtbot, window, ws, rendered_job, monkeypatch):  # noqa: F811
    scheduled_post(ws, rendered_job, in_hours=2)
    window.lifetime.refresh()
    qtbot.waitUntil(lambda: len(window.lifetime.scheduled) == 1)
    asked = []
    monkeypatch.setattr(dialogs, "confirm", lambda *args: asked.append(args) or False)
    window.quit_action.trigger()
    assert window.isVisible() and asked  # changed their mind: still running
    assert "1 post is due in the next 6 hours" in asked[0][2]
    monkeypatch.setattr(dialogs, "confirm", lambda *args: asked.append(args) or True)
    window.quit_action.trigger()
    qtbot.waitUntil(lambda: not window.ctx.scheduler.running, timeout=10_000)


def test_a_post_next_week_quits_without_a_question(qtbot, window, ws, rendered_job, monkeypatch):  # noqa: F811
    scheduled_post(ws, rendered_job, in_hours=24 * 7)
    window.lifetime.refresh()
    qtbot.waitUntil(lambda: len(window.lifetime.scheduled) == 1)
    monkeypatch.setattr(dialogs, "confirm", lambda *args: pytest.fail("asked without a post due soon"))
    window.quit_action.trigger()
    qtbot.waitUntil(lambda: not window.ctx.scheduler.running, timeout=10_000)


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints", "This plugin does not support raise")
def test_closing_with_posts_scheduled_keeps_the_app_in_the_tray(qtbot, window, ws, rendered_job, monkeypatch):  # noqa: F811
    monkeypatch.setattr(Tray, "available", property(lambda self: True))
    told = []
    monkeypatch.setattr(window.tray, "notify", lambda title, text, **_: told.append((title, text)))
    scheduled_post(ws, rendered_job, in_hours=30)
    window.lifetime.refresh()
    qtbot.waitUntil(lambda: len(window.lifetime.scheduled) == 1)
    window.close()
    assert not window.isVisible() and window.ctx.scheduler.running  # still publishing, from the tray
    assert told and told[0][0] == "Nexus Desktop keeps running" and "1 post will go out on time" in told[0][1]
    window.bring_forward()
    assert window.isVisible()
    window.close()
    assert len(told) == 1  # said once
    monkeypatch.setattr(dialogs, "confirm", lambda *args: True)
    window.lifetime.quit()
    qtbot.waitUntil(lambda: not window.ctx.scheduler.running, timeout=10_000)


def test_a_second_launch_brings_the_first_window_forward(qtbot, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    first, second = InstanceServer(data), InstanceServer(data)
    try:
        assert first.claim()
        assert not second.claim()  # two launches at once: exactly one gets through
        with qtbot.waitSignal(first.activated, timeout=5_000):
            assert ask_first_to_show(data)
    finally:
        first.release()
        second.release()
    assert not ask_first_to_show(data)  # nobody listens once the first quit


def test_the_background_service_switch_writes_and_removes_the_systemd_unit(qtbot, window, ws, tmp_path, monkeypatch):  # noqa: F811
    from nexus_desktop.runtime import service

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    calls = []  # systemd itself cannot run in a test; what would have been asked of it is recorded
    monkeypatch.setattr(service, "_systemctl", lambda *args: calls.append(args) or subprocess.CompletedProcess(args, 0, "", ""))
    told = []
    window.ctx.ops.told.connect(told.append)
    dialog = window.open_settings()
    qtbot.addWidget(dialog)
    dialog.editors[("ui", "background_service")].set_value(True)
    screenshot(dialog, tmp_path, "settings-general-background")
    with qtbot.waitSignal(dialog.settings_saved):
        dialog.save()
    unit = tmp_path / "config" / "systemd" / "user" / "nexus-desktop-daemon.service"
    qtbot.waitUntil(unit.exists)
    text = unit.read_text(encoding="utf-8")
    assert f"-m nexus_desktop.cli --data-dir {ws.paths.data} daemon" in text and "Restart=on-failure" in text
    qtbot.waitUntil(lambda: ("enable", "--now", "nexus-desktop-daemon.service") in calls)
    qtbot.waitUntil(lambda: any("runs in the background" in t for t in told))
    settings = ws.settings.model_copy(deep=True)
    settings.ui.background_service = False
    window.apply_settings(settings)
    qtbot.waitUntil(lambda: not unit.exists())
    assert ("disable", "--now", "nexus-desktop-daemon.service") in calls
