"""Cancelling a job whose stage runs on the farm, and ``nexus daemon`` sending its
production to the farm: a real RabbitMQ, a real Celery worker process (quick fake
stages, tests/fakes/worker_main.py), the store in a shared SQLite file."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter

import pytest

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.farm.dispatch import open_app
from nexus_desktop.farm.remote import stage_runner
from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline.flow import Workspace
from nexus_desktop.runtime.runner import Runner
from nexus_desktop.settings import Settings
from nexus_desktop.store import Store
from tests.fakes.farm_world import ROOT, Farm, broker, empty_queues, in_review, stage_log, wait_for  # noqa: F401
from tests.fakes.sync_world import add_jobs

LONG_RENDER = 120.0  # seconds: only a stopped render ends before the test does


@pytest.fixture
def shared(tmp_path, empty_queues):
    """One store file for the desk and the worker (no bucket: one worker makes every file)."""
    settings = Settings()
    settings.harvest.auto_run = False
    settings.store.database_url = f"sqlite+pysqlite:///{tmp_path / 'shared.sqlite3'}"
    settings.farm.broker_url = empty_queues.url
    paths = AppPaths.resolve(tmp_path / "desk")
    ws = Workspace(store=Store.for_settings(settings, paths), settings=settings, paths=paths)
    farm = Farm(tmp_path, settings, render_seconds=LONG_RENDER)
    yield ws, farm
    farm.kill_all()
    ws.store.close()


def renders_started(farm: Farm, job_id: int) -> int:
    return sum(1 for event, job, stage, _, _ in stage_log(farm.log) if event == "start" and job == job_id and stage == "render")


def ended(farm: Farm) -> Counter:
    return Counter((job, stage) for event, job, stage, _, _ in stage_log(farm.log) if event == "end")


def test_cancelling_in_the_window_or_at_the_command_line_stops_the_render_on_the_worker(qtbot, shared):
    ws, farm = shared
    in_window, at_cli = add_jobs(ws.store, 2)
    quick_later = farm.root / "render-seconds"
    farm.start("render-box", NEXUS_TEST_RENDER_SECONDS_FILE=str(quick_later))
    runner = Runner(ws, run_stage=stage_runner(open_app(ws)))
    try:
        runner.run([in_window])
        qtbot.waitUntil(lambda: farm.alive() or renders_started(farm, in_window) == 1, timeout=90_000)

        assert runner.is_held(in_window)  # the window follows the render the worker runs
        runner.cancel([in_window])  # the creator's Cancel in the jobs table
        qtbot.waitUntil(lambda: not runner.is_held(in_window), timeout=30_000)
        qtbot.waitUntil(lambda: ws.store.jobs.get(in_window).status is JobStatus.CANCELLED, timeout=30_000)
        assert ws.store.jobs.get(in_window).claimed_by is None  # the store's claim is released
        qtbot.waitUntil(lambda: f"job {in_window}: render stopped here: the job was cancelled" in farm.output("render-box"),
                        timeout=30_000)

        # The same from the command line, for a job this window never held.
        farm.send(ws.store)
        qtbot.waitUntil(lambda: farm.alive() or renders_started(farm, at_cli) == 1, timeout=90_000)
        cancelled = farm.cli("desk", "cancel", str(at_cli))
        assert cancelled.returncode == 0, cancelled.stdout + cancelled.stderr
        assert f"job {at_cli}: Cancelled (at render); its render was stopped on render-box@" in cancelled.stdout
        qtbot.waitUntil(lambda: f"job {at_cli}: render stopped here: the job was cancelled" in farm.output("render-box"),
                        timeout=30_000)
        assert ws.store.jobs.get(at_cli).status is JobStatus.CANCELLED

        # Exactly once still: nothing was recorded for the stopped renders, and a retried job renders once more.
        assert ended(farm)[(in_window, "render")] == ended(farm)[(at_cli, "render")] == 0
        quick_later.write_text("0.2")
        retried = farm.cli("desk", "retry", str(in_window))
        assert retried.returncode == 0, retried.stderr
        runner.run([in_window])
        qtbot.waitUntil(lambda: ws.store.jobs.get(in_window).status is JobStatus.AWAITING_REVIEW, timeout=120_000)
        assert renders_started(farm, in_window) == 2 and ended(farm)[(in_window, "render")] == 1
        assert renders_started(farm, at_cli) == 1  # a cancelled job's task never comes back
    finally:
        farm.kill_all()
        runner.shutdown(timeout=5)


def test_the_daemon_without_worker_sends_production_to_the_farm_instead_of_running_it(shared):
    ws, farm = shared
    farm.render_seconds = 0.2
    settings = farm.settings.model_copy(deep=True)
    settings.harvest.auto_run = True
    settings.harvest.check_every_minutes = 0  # no feeds to check: the jobs are in the store already
    job_ids = add_jobs(ws.store, 2)
    farm.start("render-box")
    out_file = farm.root / "daemon.out"
    with open(out_file, "w") as out:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.worker_main", "--data-dir", str(farm.data("desk", settings)), "daemon"],
            cwd=ROOT, env=farm.env("desk"), stdout=out, stderr=subprocess.STDOUT, text=True,
        )
    try:
        wait_for(lambda: all(f"job {job_id} «" in out_file.read_text() for job_id in job_ids), 120,
                 "the daemon to report both jobs out of production", check=farm.alive)
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    out = out_file.read_text()
    assert daemon.returncode == 0, out
    assert "new jobs made into videos on the farm at amqp://" in out
    assert in_review(ws.store, job_ids)
    for job_id in job_ids:
        assert f"job {job_id}: analyze sent to the farm" in out
        assert "»: Awaiting review" in out.split(f"job {job_id} «", 1)[1].splitlines()[0]
    assert {who for _, _, _, who, _ in stage_log(farm.log)} == {"render-box"}  # no stage ran in the daemon
    assert all(count == 1 for count in ended(farm).values()) and len(ended(farm)) == 8
