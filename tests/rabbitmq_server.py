"""A real RabbitMQ broker for the test run: the Debian package's ``rabbitmq-server``
started as an ordinary process of the test user, its node name, ports, data and
logs in a temp folder, epmd and every listener on 127.0.0.1, no plugins (so no
management port). It starts in about 5 s; ``stop`` and ``start`` again on the
same ports stand for a broker going away and coming back.

The broker and its epmd die with the test process, even when that is killed with
SIGKILL: the Erlang VM replaces the start script (``RABBITMQ_ALLOW_INPUT`` makes the
script exec it; ``-noinput`` keeps the shell off) so the kernel's parent-death signal
reaches the VM itself. Leftovers of older runs are cleaned at the start of a run
(tests/process_support.py).
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from tests.pg_cluster import free_port
from tests.process_support import claim, die_with_this_process

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


def server_binary() -> str | None:
    return SERVER if Path(SERVER).exists() else shutil.which("rabbitmq-server")


class RabbitServer:
    def __init__(self) -> None:
        self.binary = server_binary()
        self.root = Path(tempfile.mkdtemp(prefix="nexus-rmq-"))
        claim(self.root)
        self.port, self.dist_port, self.epmd_port = free_port(), free_port(), free_port()
        self.node = f"nexus{uuid.uuid4().hex[:8]}@localhost"
        self.process: subprocess.Popen | None = None
        self.epmd: subprocess.Popen | None = None

    @property
    def available(self) -> bool:
        return self.binary is not None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def _env(self) -> dict[str, str]:
        (self.root / "enabled_plugins").write_text("[].\n")
        (self.root / "rabbitmq.conf").write_text("loopback_users = none\n")
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.root),  # the Erlang cookie goes to HOME
            "LANG": "C.UTF-8", "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(self.dist_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1", "ERL_EPMD_PORT": str(self.epmd_port),
            "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"), "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": str(self.root / "rabbitmq-env.conf"),
            "RABBITMQ_PLUGINS_EXPAND_DIR": str(self.root / "plugins-expand"),
            # Erlang distribution (rabbitmqctl's way in) on loopback too; our own epmd, not a daemon.
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false -noinput",
            # The script execs the VM instead of waiting on it as a child, so the VM dies with us.
            "RABBITMQ_ALLOW_INPUT": "true",
        }

    def start(self, timeout: float = 60.0) -> None:
        env = self._env()
        with open(self.root / "server.out", "ab") as out:
            self.epmd = subprocess.Popen([shutil.which("epmd") or "epmd", "-address", "127.0.0.1", "-port", str(self.epmd_port)],
                                         **die_with_this_process(env=env, stdout=out, stderr=subprocess.STDOUT,
                                                                 start_new_session=True))
            self.process = subprocess.Popen([self.binary], **die_with_this_process(
                env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.root,
                start_new_session=True))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"rabbitmq-server exited with {self.process.returncode}: {self.log_tail()}")
            if self._answers():
                return
            time.sleep(0.2)
        self.stop(clean=False)
        raise RuntimeError(f"RabbitMQ did not start in {timeout:.0f} s: {self.log_tail()}")

    def _answers(self) -> bool:
        """The AMQP listener accepts a connection and speaks the protocol."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"AMQP\x00\x00\x09\x01")
                return s.recv(1)[:1] == b"\x01"  # a Connection.Start method frame
        except OSError:
            return False

    def log_tail(self) -> str:
        text = ""
        for path in [self.root / "server.out", *sorted((self.root / "log").glob("*.log"))]:
            try:
                text += path.read_text(errors="replace")[-1500:]
            except OSError:
                pass
        return text

    def stop(self, *, clean: bool = False) -> None:
        """Kill the broker and its epmd (a broker that goes away); its data stays for a restart."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM if clean else signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None
        if self.epmd is not None and self.epmd.poll() is None:
            self.epmd.kill()
            self.epmd.wait(timeout=10)
        self.epmd = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


_shared: RabbitServer | None = None


def shared_broker() -> RabbitServer:
    """One broker for the whole test process."""
    global _shared
    if _shared is None:
        server = RabbitServer()
        if not server.available:
            raise FileNotFoundError("rabbitmq-server is not installed (packaging/apt-packages.txt)")
        server.start()
        atexit.register(server.close)
        _shared = server
    return _shared
