"""The app's log handlers never outlive what they write to: the console one writes to the
stderr of the moment, and the log panel's leaves the root logger with its panel."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from nexus_desktop.bootstrap import setup_logging
from nexus_desktop.gui.log_panel import LogPanel, QtLogHandler
from nexus_desktop.paths import AppPaths

log = logging.getLogger("nexus_desktop.test")


@pytest.mark.expect_log("the first", "the second")
def test_warnings_go_to_the_stderr_of_the_moment_even_after_the_old_one_closed(tmp_path, monkeypatch):
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    paths = AppPaths.resolve(tmp_path / "data")
    setup_logging(paths)
    log.warning("the first")
    assert first.getvalue() == "WARNING: the first\n"
    first.close()  # as pytest closes a test's captured stderr
    second = io.StringIO()
    monkeypatch.setattr(sys, "stderr", second)
    log.warning("the second")
    assert second.getvalue() == "WARNING: the second\n"
    assert "WARNING nexus_desktop.test: the second" in paths.log_file.read_text()


def test_the_log_panels_handler_leaves_with_its_panel(qtbot, tmp_path):
    from shiboken6 import delete

    panel = LogPanel(tmp_path / "nexus.log")
    handler = QtLogHandler()
    panel.attach(handler)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)  # as the app sets it (the level comes back after the test)
    log.info("shown while the panel is there")
    qtbot.waitUntil(lambda: "shown while the panel is there" in panel.text())
    delete(panel)
    assert handler not in logging.getLogger().handlers
    log.info("after the panel went")  # nothing to write to, and nothing fails
