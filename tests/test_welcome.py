"""The first-run welcome: shown once, the sample feeds in one click, offline defaults and accounts explained."""

from __future__ import annotations

import argparse
import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from nexus_desktop.gui.app_context import AppContext
from nexus_desktop.gui.operations import Operations
from nexus_desktop.gui import welcome
from nexus_desktop.gui.welcome import WelcomeDialog, show_if_first_run
from nexus_desktop.resources import sample_feeds
from nexus_desktop.runtime.runner import Runner
from tests.gui_support import screenshot

# The offscreen platform cannot resize a window to its size hints and says so; a desktop does it silently.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def ctx(ws):  # noqa: F811
    runner = Runner(ws)
    yield AppContext(ws, runner, Operations(ws, runner))
    assert runner.shutdown(timeout=10)


@pytest.fixture
def window(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.resize(900, 600)
    parent.show()
    return parent


def saved_settings(ctx) -> dict:
    return json.loads(ctx.ws.paths.settings_file.read_text(encoding="utf-8"))


def test_the_welcome_opens_on_the_first_run_without_blocking(qtbot, ctx, window, tmp_path):
    dialog = show_if_first_run(ctx, window)
    assert isinstance(dialog, WelcomeDialog)
    qtbot.waitExposed(dialog)
    assert dialog.isVisible() and dialog.parent() is window
    assert dialog.add_samples_button.isDefault()
    screenshot(dialog, tmp_path, "welcome")
    dialog.close()


def test_it_explains_the_offline_defaults_and_how_to_connect_accounts(qtbot, ctx, window):
    dialog = WelcomeDialog(ctx, window)
    qtbot.addWidget(dialog)
    text = dialog.body.text()
    for words in ("offline", "no account", "Piper", "ffmpeg", "export folder", str(ctx.ws.paths.data)):
        assert words in text
    for words in ("YouTube", "Instagram", "LinkedIn", "Accounts", "Settings", "keyring"):
        assert words in text
    assert "Tech Digest" in text and "Kitchen Lab" in text and "City Science" in text


def test_one_click_adds_every_sample_feed_and_harvests_them(qtbot, ctx, window):
    dialog = show_if_first_run(ctx, window)
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(ctx.ops.told, timeout=20_000, check_params_cb=lambda text: text.startswith("Checked")):
        qtbot.mouseClick(dialog.add_samples_button, Qt.MouseButton.LeftButton)
        assert not dialog.isVisible()
    sources = ctx.ws.store.sources.list()
    assert sorted(s.url for s in sources) == sorted(str(p.resolve()) for p in sample_feeds())
    assert ctx.ws.store.jobs.count() > 0
    qtbot.waitUntil(lambda: ctx.ws.paths.settings_file.exists(), timeout=10_000)  # written in the store lane
    assert saved_settings(ctx)["ui"]["welcome_done"] is True


@pytest.mark.parametrize("how", ["skip button", "escape key"])
def test_closing_it_any_other_way_adds_nothing_and_it_is_not_shown_again(qtbot, ctx, window, how):
    dialog = show_if_first_run(ctx, window)
    qtbot.waitExposed(dialog)
    if how == "skip button":
        qtbot.mouseClick(dialog.skip_button, Qt.MouseButton.LeftButton)
    else:
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert ctx.ws.store.sources.list() == []
    assert ctx.ws.settings.ui.welcome_done is True
    qtbot.waitUntil(lambda: ctx.ws.paths.settings_file.exists(), timeout=10_000)  # written in the store lane
    assert saved_settings(ctx)["ui"]["welcome_done"] is True
    assert show_if_first_run(ctx, window) is None


def test_a_settings_file_that_cannot_be_written_is_logged_and_the_welcome_still_closes(
    qtbot, ctx, window, caplog, monkeypatch
):
    from nexus_desktop.gui.operations import settings as settings_ops

    def refuse(settings, path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(settings_ops, "save_file", refuse)
    dialog = WelcomeDialog(ctx, window)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.reject()
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: "will show again next time" in caplog.text, timeout=10_000)



def test_starting_the_app_the_first_time_shows_the_welcome_over_the_window(qtbot, tmp_path, monkeypatch,
                                                                           restore_logging):
    from nexus_desktop.gui import main as gui_main
    from nexus_desktop.gui.main_window import MainWindow

    welcomes = []

    def exec_once(app=None) -> int:  # instead of the event loop: look, then close as the creator would
        tops = QApplication.topLevelWidgets()
        windows = [w for w in tops if isinstance(w, MainWindow) and w.isVisible()]
        found = [w for w in tops if isinstance(w, WelcomeDialog) and w.isVisible() and w.parent() in windows]
        welcomes.append(len(found))
        for widget in found + windows:
            widget.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", exec_once)
    args = argparse.Namespace(data_dir=str(tmp_path / "data"), verbose=False)
    assert gui_main.run_gui(args) == 0
    assert gui_main.run_gui(args) == 0
    assert welcomes == [1, 0]  # the first start only: closing it is remembered
