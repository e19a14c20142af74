"""What the farm tests share: the RabbitMQ broker, worker processes (``nexus worker``
with quick fake stages, tests/fakes/worker_main.py), the stage log they write,
and the CLI run the same way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.paths import AppPaths
from nexus_desktop.providers.storage.s3_client import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from nexus_desktop.settings import Settings
from nexus_desktop.settings import save as save_settings
from tests.fakes.keyring_file import FileKeyring
from tests.process_support import die_with_this_process
from tests.rabbitmq_server import shared_broker
from tests.s3_server import ADMIN

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def broker():
    try:
        server = shared_broker()
    except FileNotFoundError:
        if os.environ.get("CI"):
            pytest.fail("rabbitmq-server is missing in CI; the README's test command installs it")
        pytest.skip("rabbitmq-server is not installed")
    return server


@pytest.fixture
def empty_queues(broker):
    """Tasks a test left behind do not reach the next test's workers."""
    from nexus_desktop.farm.app import make_app

    app = make_app(broker.url)
    with app.connection_for_write() as conn:
        app.control.purge(connection=conn)
    return broker


def wait_for(condition, timeout: float, what: str, *, check=lambda: None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        check()
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


def in_review(store, job_ids: list[int]) -> bool:
    return all(j.status is JobStatus.AWAITING_REVIEW for j in store.jobs.get_many(job_ids))


@dataclass
class Farm:
    """Machines sharing one database, bucket and broker; each has its own data folder."""

    root: Path
    settings: Settings
    render_seconds: float = 0.5
    keyring_file: Path = field(init=False)
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.keyring_file = self.root / "keyring.json"
        FileKeyring(self.keyring_file).set_password("nexus-desktop", ACCESS_KEY_ID, ADMIN[0])
        FileKeyring(self.keyring_file).set_password("nexus-desktop", SECRET_ACCESS_KEY, ADMIN[1])

    @property
    def log(self) -> Path:
        return self.root / "stages.log"

    def env(self, name: str, **extra: str) -> dict[str, str]:
        return {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.fakes.keyring_file.FileKeyring",
                "NEXUS_TEST_KEYRING": str(self.keyring_file), "NEXUS_TEST_STAGE_LOG": str(self.log),
                "NEXUS_TEST_RENDER_SECONDS": str(self.render_seconds), "NEXUS_TEST_WORKER": name, **extra}

    def data(self, name: str, settings: Settings | None = None) -> Path:
        folder = self.root / name
        save_settings(settings or self.settings, AppPaths.resolve(folder).settings_file)
        return folder

    def cli(self, name: str, *args: str, settings: Settings | None = None, timeout: float = 60, **extra: str):
        """``nexus ARGS`` on machine ``name`` (fake stages if it runs any here)."""
        return subprocess.run([sys.executable, "-m", "tests.fakes.worker_main", "--data-dir", str(self.data(name, settings)), *args],
                              cwd=ROOT, env=self.env(name, **extra), capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def start(self, name: str, *args: str, settings: Settings | None = None, **extra: str) -> subprocess.Popen:
        """``nexus worker`` on machine ``name``, in its own process group (a machine of its own);
        it dies with the test process, even one killed with SIGKILL (its pool follows the worker)."""
        with open(self.root / f"{name}.out", "ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "tests.fakes.worker_main", "--data-dir", str(self.data(name, settings)), "worker",
                 "--name", name, "--sweep", "0.5", *args],
                **die_with_this_process(cwd=ROOT, env=self.env(name, **extra), stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True),
            )
        self.workers[name] = process
        return process

    def send(self, store) -> list:
        """What ``nexus run`` does with a broker set, in this process: each queued job's next stage to the farm."""
        from nexus_desktop.farm.dispatch import enqueue, open_app
        from tests.fakes.sync_world import make_workspace

        ws = make_workspace(store, self.root / "desk", self.settings)
        return enqueue(open_app(ws), ws)

    def output(self, name: str) -> str:
        return (self.root / f"{name}.out").read_text(errors="replace")

    def kill(self, name: str) -> None:
        """SIGKILL to the whole machine: the worker and its pool processes, no clean-up."""
        process = self.workers[name]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def kill_all(self) -> None:
        for name, process in self.workers.items():
            if process.poll() is None:
                self.kill(name)

    def stop_all(self) -> None:
        for process in self.workers.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.workers.items():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def alive(self) -> None:
        for name, process in self.workers.items():
            if process.poll() is not None and process.returncode not in (-9, 0):
                raise AssertionError(f"worker {name} exited with {process.returncode}:\n{self.output(name)[-3000:]}")
