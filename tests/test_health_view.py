"""Health and Accounts as operations: the clean-up asks, offers Undo, then deletes in the runner;
both views re-read from the one ``changed`` signal; at 800 px, light and dark, disabled buttons
look disabled and nothing is cut off."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtWidgets import QApplication

from nexus_desktop.gui import theme
from nexus_desktop.gui.app_context import AppContext
from nexus_desktop.gui.health_view import HealthView
from nexus_desktop.gui.main import open_window
from nexus_desktop.gui.operations import Operations
from nexus_desktop.runtime.events import Changed
from nexus_desktop.runtime.runner import Runner
from tests.accounts_support import toasts_of
from tests.db_thread_support import assert_inside_operations, no_work_outside_operations
from tests.fakes.accounts_env import memory_keyring, oauth_fake  # noqa: F401 (fixtures)
from tests.fakes.metrics_env import metrics_world, published_job_with_scratch  # noqa: F401 (fixtures)
from tests.gui_support import screenshot

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints", "No RHI backend",
                                       "PulseAudioService: pa_context_connect")


def two_days_on() -> datetime:
    return datetime.now(timezone.utc) + timedelta(days=2)  # the published job is two days old


def test_the_clean_up_asks_offers_undo_then_deletes_in_the_runner(qtbot, metrics_world, tmp_path):
    world = metrics_world
    folder = published_job_with_scratch(world)
    runner = Runner(world.ws)
    ctx = AppContext(world.ws, runner, Operations(world.ws, runner))
    toasts, told = toasts_of(ctx), []
    ctx.ops.told.connect(told.append)
    asked: list[str] = []
    try:
        view = HealthView(ctx, confirm=lambda parent, title, text, action: asked.append(text) or True, clock=two_days_on)
        qtbot.addWidget(view)
        view.resize(1000, 800)
        view.show()
        qtbot.waitUntil(lambda: view.report is not None, timeout=10_000)
        assert "39 KB of intermediate files in 1 published job older than 1 day can go" in view.disk.text()
        assert view.clean_button.isEnabled()
        with no_work_outside_operations(world.ws.store) as found:
            view.clean_button.click()
            assert "final videos" in asked[0] and toasts.texts == ["Cleaning up 39 KB of intermediate files"]
            assert not view.clean_button.isEnabled() and (folder / "narration.wav").exists()  # nothing gone yet
            toasts.undo()
            assert told == ["Clean-up undone; no file was deleted"] and view.clean_button.isEnabled()
            assert (folder / "narration.wav").exists()

            view.clean_button.click()
            with qtbot.waitSignal(view.cleaned, timeout=10_000) as freed:
                toasts.passes()  # the toast's time runs out
            assert freed.args == [1, 40_000] and told[-1] == "Cleaned up 1 file; 39 KB freed"
            # the report is read again from the change set, not by the clean-up itself
            qtbot.waitUntil(lambda: "Nothing to clean up" in view.disk.text(), timeout=10_000)
        assert_inside_operations(found)
        assert not (folder / "narration.wav").exists() and (folder / "video.mp4").exists()
        assert not view.clean_button.isEnabled()
        screenshot(view, tmp_path, "health_cleaned")
    finally:
        runner.shutdown()


def test_health_reads_again_when_an_account_changes_and_says_when_it_cannot_read(qtbot, metrics_world, monkeypatch):
    world = metrics_world
    runner = Runner(world.ws)
    ctx = AppContext(world.ws, runner, Operations(world.ws, runner))
    try:
        view = HealthView(ctx)
        qtbot.addWidget(view)
        view.show()
        qtbot.waitUntil(lambda: view.report is not None, timeout=10_000)
        assert view.accounts.rows[0][0][1].startswith("No account connected")
        world.connect("linkedin")  # connected elsewhere (the Accounts view, the CLI): only the change set says so
        with qtbot.waitSignal(view.refreshed, timeout=10_000):
            runner.announce(Changed(accounts=True))
        assert view.accounts.rows[0][0][:2] == ["LinkedIn", "Mara Lindqvist"]

        from nexus_desktop.pipeline import health

        def locked(ws, *, now=None):
            raise OSError("database is locked")

        monkeypatch.setattr(health, "report", locked)
        with qtbot.waitSignal(view.refreshed, timeout=10_000):
            runner.announce(Changed(jobs=frozenset({1})))
        assert view.alerts.text() == "⚠ Could not read the app's health: database is locked" and view.alerts.isVisible()
        view.hide()
        with qtbot.assertNotEmitted(view.refreshed, wait=1000):  # a hidden view reads when shown, not before
            runner.announce(Changed(accounts=True))
    finally:
        runner.shutdown()


def _contrast(widget) -> int:
    """How far the button's text stands out from its face: the lightness range inside its border."""
    image = widget.grab().toImage()
    inside = [image.pixelColor(x, y).lightness() for x in range(4, image.width() - 4) for y in range(4, image.height() - 4)]
    return max(inside) - min(inside)


@pytest.mark.parametrize("choice", ["light", "dark"])
def test_health_and_accounts_are_usable_at_800_px_in_both_themes(qtbot, metrics_world, tmp_path, choice):
    world = metrics_world
    published_job_with_scratch(world)
    world.ws.settings.harvest.auto_run, world.ws.settings.harvest.check_every_minutes = False, 0
    app = QApplication.instance()
    window = open_window(world.ws)
    qtbot.addWidget(window)
    window.show()
    previous = theme.current().name
    theme.apply(app, choice)
    try:
        window.resize(800, 640)
        qtbot.waitUntil(lambda: window.width() == 800)
        health = window.show_view("Health")
        qtbot.waitUntil(lambda: health.report is not None and "Nothing to clean up" in health.disk.text(), timeout=10_000)
        assert not health.clean_button.isEnabled()  # the job is younger than the clean-up age
        assert health.width() <= 800 and window.minimumSizeHint().width() <= 800
        scroll = health.layout().itemAt(2).widget()
        assert not scroll.horizontalScrollBar().isVisible()  # nothing wider than the window
        screenshot(window, tmp_path, f"health-800-{choice}")

        accounts = window.show_view("Accounts")
        qtbot.waitUntil(lambda: accounts.model.rowCount() == 2 and not accounts.busy, timeout=10_000)
        assert accounts.width() <= 800
        disabled = accounts.refresh_button
        assert not disabled.isEnabled()  # no account chosen
        connect = next(b for b in accounts.findChildren(type(disabled)) if b.text() == "Connect account…")
        assert connect.isEnabled()
        assert _contrast(disabled) < _contrast(connect) - 40  # it looks disabled: greyed text
        options = accounts.options_button  # in the row of buttons, after Disconnect…
        assert options.y() == accounts.disconnect_button.y() and options.x() > accounts.disconnect_button.x()
        assert options.geometry().right() <= accounts.width()
        screenshot(window, tmp_path, f"accounts-800-{choice}")
    finally:
        theme.apply(app, previous)
