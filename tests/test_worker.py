"""The shared workspace: workers on two machines, one database, one bucket."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.stages import PRODUCTION, Stage
from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline import flow
from nexus_desktop.pipeline.worker import run_worker
from nexus_desktop.providers.storage.s3 import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from nexus_desktop.settings import save as save_settings
from nexus_desktop.store import Store
from tests.fakes.keyring_file import FileKeyring
from tests.fakes.sync_world import add_jobs, keys, make_workspace, s3, sync_settings  # noqa: F401
from tests.fakes.worker_main import content, fake_stage
from tests.s3_server import ADMIN

ROOT = Path(__file__).resolve().parent.parent
LEASE = 3.0


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def stage_log(path: Path) -> list[tuple[str, int, str, str, float]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        event, job, stage, who, _pid, at = line.split()
        rows.append((event, int(job), stage, who, float(at)))
    return rows


def in_review(store: Store, job_ids: list[int]) -> bool:
    return all(j.status is JobStatus.AWAITING_REVIEW for j in store.jobs.get_many(job_ids))


@pytest.mark.postgres
def test_two_workers_share_the_work_and_the_survivor_takes_over_a_killed_render(pg_url, s3, tmp_path):
    store = Store.open(pg_url)
    job_ids = add_jobs(store, 4)
    keyring_file = tmp_path / "keyring.json"
    FileKeyring(keyring_file).set_password("nexus-desktop", ACCESS_KEY_ID, ADMIN[0])
    FileKeyring(keyring_file).set_password("nexus-desktop", SECRET_ACCESS_KEY, ADMIN[1])
    settings = sync_settings(s3.endpoint, database_url=pg_url)
    log = tmp_path / "stages.log"
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.fakes.keyring_file.FileKeyring", "NEXUS_TEST_KEYRING": str(keyring_file),
           "NEXUS_TEST_STAGE_LOG": str(log), "NEXUS_TEST_RENDER_SECONDS": "2"}

    def start(name: str) -> subprocess.Popen:
        data = tmp_path / name  # each machine has its own data folder
        save_settings(settings, AppPaths.resolve(data).settings_file)
        with open(tmp_path / f"{name}.out", "wb") as out:
            return subprocess.Popen(
                [sys.executable, "-m", "tests.fakes.worker_main", "--data-dir", str(data), "worker", "--name", name,
                 "--lease", str(LEASE), "--poll", "0.2"],
                cwd=ROOT, env={**env, "NEXUS_TEST_WORKER": name}, stdout=out, stderr=subprocess.STDOUT,
            )

    a, b = start("machine-a"), start("machine-b")
    try:
        def a_renders():
            return [r for r in stage_log(log) if r[0] == "start" and r[2] == "render" and r[3] == "machine-a"]

        wait_for(a_renders, 60, "machine-a to start a render")
        victim = a_renders()[0][1]
        a.kill()  # SIGKILL: no clean-up, its claim stays until it expires
        a.wait()
        killed_at = time.time()
        wait_for(lambda: in_review(store, job_ids), 60, "every job to be rendered")
    finally:
        for worker in (a, b):
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        b.wait(timeout=30)
        a.wait(timeout=30)
    output = (tmp_path / "machine-b.out").read_text()
    assert b.returncode == 0, output

    rows = stage_log(log)
    ends = Counter((job, stage) for event, job, stage, _, _ in rows if event == "end")
    assert ends == Counter({(job, s.value): 1 for job in job_ids for s in PRODUCTION})  # each stage finished once
    victim_runs = [(event, who, at) for event, job, stage, who, at in rows if job == victim and stage == "render"]
    assert [(e, w) for e, w, _ in victim_runs] == [("start", "machine-a"), ("start", "machine-b"), ("end", "machine-b")]
    assert victim_runs[1][2] >= killed_at + LEASE - LEASE / 4 - 0.5  # taken over once the claim expired, not before
    assert {w for _, _, _, w, _ in rows} == {"machine-a", "machine-b"}  # both did work
    assert all(job.claimed_by is None for job in store.jobs.get_many(job_ids))
    assert store.jobs.results(victim)["render"]["by"] == "machine-b"
    assets = [a for j in job_ids for a in store.assets.for_job(j)]
    assert len(assets) == 16 and {a.sync_status for a in assets} == {"synced"}
    # Machine b rendered the victim with the files machine a made before, fetched from the bucket:
    visualize_by = store.jobs.results(victim)["visualize"]["by"]
    made_there = tmp_path / visualize_by / "jobs" / f"{victim:06d}" / "visualize.txt"
    assert (tmp_path / "machine-b" / "jobs" / f"{victim:06d}" / "visualize.txt").read_bytes() == made_there.read_bytes()
    store.close()


def test_a_worker_in_the_app_runs_every_stage_uploads_and_stops_when_asked(tmp_path, s3, keys, monkeypatch):
    monkeypatch.setattr(flow, "stage_function", fake_stage)
    monkeypatch.setenv("NEXUS_TEST_STAGE_LOG", str(tmp_path / "stages.log"))
    monkeypatch.setenv("NEXUS_TEST_RENDER_SECONDS", "0.05")
    store = Store.open(f"sqlite+pysqlite:///{tmp_path / 'nexus.sqlite3'}")
    ws = make_workspace(store, tmp_path / "data", sync_settings(s3.endpoint))
    job_ids = add_jobs(store, 2)
    stop = threading.Event()
    seen = []

    def on_stage(view):
        seen.append((view.id, view.stage))
        if in_review(store, job_ids):
            stop.set()

    worker = threading.Thread(target=lambda: seen.append(run_worker(ws, stop, poll_seconds=0.05, lease_seconds=30, on_stage=on_stage)))
    worker.start()
    worker.join(timeout=60)

    assert not worker.is_alive() and seen[-1] == 8
    assert ws.lease == 30 and flow.LEASE_SECONDS == 120.0  # per workspace, not process-wide
    for job_id in job_ids:
        assert {a.sync_status for a in store.assets.for_job(job_id)} == {"synced"}
        assert (ws.paths.job_dir(job_id) / "render.txt").read_bytes() == content(job_id, Stage.RENDER)
    store.close()
