"""The Workers view: with no farm it says, in the table's place, that every stage runs here and
how to add machines; with a broker that does not answer it says so in a sentence."""

from __future__ import annotations

import socket

import pytest

from nexus_desktop.gui.app_context import AppContext
from nexus_desktop.gui.operations import Operations
from nexus_desktop.gui.workers_panel import WorkersPanel
from nexus_desktop.runtime.runner import Runner
from tests.fakes.accounts_env import memory_keyring  # noqa: F401 (fixture)
from tests.gui_support import screenshot

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def context(ws):
    runner = Runner(ws)
    yield AppContext(ws, runner, Operations(ws, runner))
    runner.shutdown()


def test_with_no_farm_the_view_says_every_stage_runs_here(qtbot, context, tmp_path):
    view = WorkersPanel(context)
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    assert view.empty.isVisible() and "runs on this computer" in view.empty.text() and "nexus worker" in view.empty.text()
    assert not view.table.isVisible() and not view.refresh_button.isEnabled()
    screenshot(view, tmp_path, "workers-alone")


def test_a_broker_that_does_not_answer_is_a_sentence_not_an_empty_table(qtbot, context, tmp_path, memory_keyring):  # noqa: F811
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    context.ws.settings.farm.broker_url = f"amqp://guest@127.0.0.1:{port}//"
    view = WorkersPanel(context)
    qtbot.addWidget(view)
    view.show()
    assert view.table.isVisible() and not view.empty.isVisible() and view.refresh_button.isEnabled()
    qtbot.waitUntil(lambda: view.status.text().startswith("The farm cannot be asked:"), timeout=20_000)
    assert "127.0.0.1" in view.status.text() and view.table.rowCount() == 0
    screenshot(view, tmp_path, "workers-unreachable")
