"""The Workers view and the window's runner on a farm: a real RabbitMQ, a real
Celery worker process (quick fake stages), the store in a shared SQLite file."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.farm.dispatch import open_app
from nexus_desktop.farm.remote import stage_runner
from nexus_desktop.gui.app_context import AppContext
from nexus_desktop.gui.operations import Operations
from nexus_desktop.gui.workers_panel import WorkersPanel
from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline import flow
from nexus_desktop.pipeline.flow import Workspace
from nexus_desktop.runtime.runner import Runner
from nexus_desktop.settings import Settings
from nexus_desktop.store import Store
from tests.fakes.accounts_env import memory_keyring  # noqa: F401 (fixture)
from tests.fakes.farm_world import Farm, broker, empty_queues, stage_log  # noqa: F401
from tests.fakes.sync_world import add_jobs

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def panel_for(ws: Workspace, runner: Runner, qtbot) -> WorkersPanel:
    panel = WorkersPanel(AppContext(ws, runner, Operations(ws, runner)))
    qtbot.addWidget(panel)
    panel.resize(900, 300)
    return panel


def test_without_a_broker_the_view_says_everything_runs_here(qtbot, ws):  # noqa: F811
    runner = Runner(ws)
    panel = panel_for(ws, runner, qtbot)
    panel.show()
    assert "Every stage runs on this computer" in panel.empty.text() and "nexus worker" in panel.empty.text()
    assert panel.empty.isVisible() and not panel.table.isVisible()  # a sentence in the table's place
    assert not panel.refresh_button.isEnabled() and panel.table.rowCount() == 0
    runner.shutdown(timeout=5)


def test_a_broker_that_does_not_answer_is_a_sentence_not_an_empty_table(qtbot, ws, memory_keyring):  # noqa: F811
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    ws.settings.farm.broker_url = f"amqp://guest@127.0.0.1:{port}//"
    runner = Runner(ws)
    panel = panel_for(ws, runner, qtbot)
    panel.show()
    try:
        assert panel.table.isVisible() and not panel.empty.isVisible() and panel.refresh_button.isEnabled()
        qtbot.waitUntil(lambda: panel.status.text().startswith("The farm cannot be asked:"), timeout=20_000)
        assert "127.0.0.1" in panel.status.text() and panel.table.rowCount() == 0
    finally:
        runner.shutdown(timeout=5)


def test_the_window_sends_stages_to_the_farm_and_the_view_shows_the_worker_running_one(qtbot, tmp_path, empty_queues):
    settings = Settings()
    settings.harvest.auto_run = False
    settings.store.database_url = f"sqlite+pysqlite:///{tmp_path / 'shared.sqlite3'}"
    settings.farm.broker_url = empty_queues.url
    farm = Farm(tmp_path, settings, render_seconds=4.0)
    paths = AppPaths.resolve(tmp_path / "desk")
    ws = Workspace(store=Store.for_settings(settings, paths), settings=settings, paths=paths)
    job_ids = add_jobs(ws.store, 1)
    farm.start("render-box")
    runner = Runner(ws, run_stage=stage_runner(open_app(ws)))
    panel = panel_for(ws, runner, qtbot)
    panel.show()
    try:
        runner.run(job_ids)
        qtbot.waitUntil(lambda: any(r[0] == "start" and r[2] == "render" for r in stage_log(farm.log)), timeout=60_000)

        def shows_the_render() -> bool:
            panel.refresh()  # as its timer does every few seconds; a no-op while a question is out
            return panel.table.rowCount() == 1 and "render" in panel.table.item(0, 1).text()

        qtbot.waitUntil(shows_the_render, timeout=30_000)
        row = [panel.table.item(0, c).text() for c in range(panel.table.columnCount())]
        assert row[0].startswith("render-box@") and row[1].startswith(f"job {job_ids[0]} render (since ")
        assert "nexus.render" in row[4] and row[5] != "—"
        assert "1 worker(s) answering" in panel.status.text() and "1 stage(s) running" in panel.status.text()
        panel.grab().save(str(Path("/tmp") / "nexus-workers-panel.png"))
        qtbot.waitUntil(lambda: ws.store.jobs.get(job_ids[0]).status is JobStatus.AWAITING_REVIEW, timeout=60_000)
        assert {who for _, _, _, who, _ in stage_log(farm.log)} == {"render-box"}  # nothing ran in this process
        assert flow.stage_function.__module__ == "nexus_desktop.pipeline.flow"

        listed = farm.cli("desk", "workers")  # the same, at the command line
        assert listed.returncode == 0, listed.stderr
        assert "LAST HEARTBEAT" in listed.stdout and "render-box@" in listed.stdout and "idle" in listed.stdout

        farm.kill("render-box")  # it stops answering: still listed, greyed, with its last heartbeat
        panel.refresh()
        qtbot.waitUntil(lambda: panel.table.item(0, 1).text() == "not answering", timeout=30_000)
        assert "No worker answered" in panel.status.text()
    finally:
        farm.kill_all()
        runner.shutdown(timeout=5)
