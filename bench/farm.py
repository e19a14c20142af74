"""The render farm: throughput with one worker process against two, and the time
from sending a stage to a worker starting it.

    .venv/bin/python bench/farm.py [--jobs 20] [--render-seconds 1.0] [--latency-runs 10]

Starts a real RabbitMQ (as the tests do, tests/rabbitmq_server.py) and real
`nexus worker` processes (Celery, prefork, one stage at a time each) on a shared
SQLite store. The stages are the tests' quick fakes (tests/fakes/worker_main.py)
with a render that keeps one core busy for --render-seconds of CPU time, so the
figures are the farm's own costs and what a second process gains on this
machine's cores, not ffmpeg's. Prints jobs per minute for 1 and 2 workers, their
ratio, and the median and worst time from `send_task` to the stage starting on an
idle worker.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nexus_desktop.domain.jobs import JobStatus  # noqa: E402
from nexus_desktop.farm.dispatch import enqueue, open_app  # noqa: E402
from nexus_desktop.farm.status import list_workers  # noqa: E402
from nexus_desktop.paths import AppPaths  # noqa: E402
from nexus_desktop.pipeline.flow import Workspace  # noqa: E402
from nexus_desktop.settings import Settings  # noqa: E402
from nexus_desktop.settings import save as save_settings  # noqa: E402
from nexus_desktop.store import Store  # noqa: E402
from tests.fakes.sync_world import add_jobs  # noqa: E402
from tests.rabbitmq_server import RabbitServer  # noqa: E402


def stage_starts(log: Path) -> dict[tuple[int, str], float]:
    starts = {}
    for line in log.read_text().splitlines() if log.exists() else []:
        event, job, stage, _who, _pid, at = line.split()
        if event == "start":
            starts.setdefault((int(job), stage), float(at))
    return starts


class Run:
    """A fresh store and N workers sharing one data folder (one machine)."""

    def __init__(self, root: Path, broker_url: str, workers: int, render_seconds: float) -> None:
        self.root = root
        self.data = root / "data"
        self.log = root / "stages.log"
        settings = Settings()
        settings.store.database_url = f"sqlite+pysqlite:///{root / 'farm.sqlite3'}"
        settings.farm.broker_url = broker_url
        settings.farm.resend_after_seconds = 600
        save_settings(settings, AppPaths.resolve(self.data).settings_file)
        paths = AppPaths.resolve(root / "desk")
        self.ws = Workspace(store=Store.for_settings(settings, paths), settings=settings, paths=paths)
        self.app = open_app(self.ws)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "NEXUS_TEST_STAGE_LOG": str(self.log), "NEXUS_TEST_CPU": "1",
               "NEXUS_TEST_RENDER_SECONDS": str(render_seconds)}
        self.processes = []
        for n in range(workers):
            out = open(root / f"worker-{n}.out", "wb")
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "tests.fakes.worker_main", "--data-dir", str(self.data), "worker",
                 "--name", f"bench-{n}", "--sweep", "60"],
                cwd=ROOT, env={**env, "NEXUS_TEST_WORKER": f"bench-{n}"}, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True))
        deadline = time.monotonic() + 120
        while len(list_workers(self.app, timeout=1.0)) < workers:
            if time.monotonic() > deadline:
                sys.exit(f"farm: the workers did not answer; see {root}/worker-*.out")
        time.sleep(1.0)  # let their pools settle before timing

    def batch(self, jobs: int) -> float:
        """Seconds from sending ``jobs`` jobs to all of them waiting for review."""
        job_ids = add_jobs(self.ws.store, jobs)
        began = time.monotonic()
        enqueue(self.app, self.ws)
        while not all(j.status is JobStatus.AWAITING_REVIEW for j in self.ws.store.jobs.get_many(job_ids)):
            time.sleep(0.05)
        return time.monotonic() - began

    def latency(self) -> float:
        """Seconds from sending one job's first stage to an idle worker starting it."""
        (job_id,) = add_jobs(self.ws.store, 1)
        sent = time.time()
        enqueue(self.app, self.ws, [job_id])
        while (job_id, "analyze") not in stage_starts(self.log):
            time.sleep(0.002)
        started = stage_starts(self.log)[(job_id, "analyze")]
        while self.ws.store.jobs.get(job_id).status is not JobStatus.AWAITING_REVIEW:
            time.sleep(0.05)
        return started - sent

    def close(self) -> None:
        for process in self.processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.ws.store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--render-seconds", type=float, default=1.0, help="CPU seconds each fake render spins")
    parser.add_argument("--latency-runs", type=int, default=10)
    args = parser.parse_args(argv)
    broker = RabbitServer()
    if not broker.available:
        sys.exit("farm: rabbitmq-server is not installed (packaging/apt-packages.txt)")
    broker.start()
    try:
        seconds = {}
        latencies: list[float] = []
        for workers in (1, 2):
            with tempfile.TemporaryDirectory(prefix=f"nexus-farm-{workers}-") as root:
                run = Run(Path(root), broker.url, workers, args.render_seconds)
                try:
                    if workers == 1:
                        latencies = [run.latency() for _ in range(args.latency_runs)]
                    load = os.getloadavg()[0]
                    seconds[workers] = run.batch(args.jobs)
                finally:
                    run.close()
            rate = args.jobs / seconds[workers] * 60
            print(f"{workers} worker process(es): {args.jobs} jobs in {seconds[workers]:.1f} s = {rate:.1f} jobs/min "
                  f"(load average {load:.1f} on {os.cpu_count()} cores)", flush=True)
        print(f"Throughput, two workers against one: {seconds[1] / seconds[2]:.2f}x")
        print(f"Send to start on an idle worker: median {statistics.median(latencies) * 1000:.0f} ms, "
              f"worst {max(latencies) * 1000:.0f} ms of {len(latencies)}")
    finally:
        broker.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
