"""The servers the tests start go when their test process goes, even by SIGKILL, and what a
killed run left behind is cleaned at the next start without touching another live run's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.process_support import claim, clean_leftovers
from tests.rabbitmq_server import server_binary

ROOT = Path(__file__).resolve().parent.parent

START_BROKER = """
import time
from tests.rabbitmq_server import RabbitServer
server = RabbitServer()
server.start()
print(server.process.pid, server.epmd.pid, server.root, flush=True)
time.sleep(600)
"""


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.skipif(server_binary() is None, reason="rabbitmq-server is not installed")
def test_a_test_process_killed_hard_takes_its_broker_and_epmd_along(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    with subprocess.Popen([sys.executable, "-c", START_BROKER], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                          text=True) as tests:
        try:
            broker, epmd, root = tests.stdout.readline().split()
            assert running(int(broker)) and running(int(epmd))
            tests.send_signal(signal.SIGKILL)
            tests.wait(10)
            assert wait_until(lambda: not running(int(broker)) and not running(int(epmd))), "the broker outlived its tests"
        finally:
            tests.kill()
    assert Path(root).is_dir()  # nothing ran its clean-up: the next run's start does
    assert clean_leftovers(tmp_path) == [Path(root)] and not Path(root).exists()


def test_a_dead_runs_servers_are_stopped_and_a_live_runs_left_alone(tmp_path):
    dead, live = tmp_path / "nexus-rmq-dead", tmp_path / "nexus-pg-live"
    for root in (dead, live):
        root.mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "import os; print(open('/proc/self/stat').read())"],
                            stdout=subprocess.PIPE, text=True)
    stat = gone.communicate()[0]
    (dead / "owner").write_text(f"{gone.pid} {stat.rsplit(')', 1)[1].split()[19]}\n")  # an owner that has exited
    claim(live)  # this test process: alive
    servers = {root: subprocess.Popen(["sleep", "300"], env={**os.environ, "SERVER_ROOT": str(root)})
               for root in (dead, live)}
    try:
        assert clean_leftovers(tmp_path) == [dead]
        assert servers[dead].wait(10) == -signal.SIGKILL and not dead.exists()
        assert servers[live].poll() is None and live.is_dir()
    finally:
        for server in servers.values():
            server.kill()
            server.wait()
