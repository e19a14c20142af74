"""A local publishing target for fault injection, on 127.0.0.1.

``POST /uploads`` takes a video (headers ``X-Post-Id`` and ``X-Attempt-Id``) and
``GET /uploads/<post id>`` says whether that post's upload exists. The server
counts uploads per post id, which is what exactly-once is judged by, and fails on
purpose, at random or by a script per post:

- ``500`` / ``429``: answers an error (429 with ``Retry-After``) and keeps nothing;
- ``reset_before``: resets the connection before reading the upload;
- ``reset_after``: keeps the upload, then resets the connection (the network
  dropped after the platform got it: the client cannot know);
- ``timeout_before`` / ``timeout_after``: answers too late for the client, without
  or with keeping the upload;
- ``hang_after``: keeps the upload, then starts an answer it never finishes, until
  released (a test kills the uploading process meanwhile).

A request that breaks the contract (missing headers, a body shorter than its
Content-Length) is recorded in ``violations`` and answered 400.

``FlakyPublisher`` is the adapter for it, as a platform adapter would be written.
"""

from __future__ import annotations

import json
import random
import socket
import ssl
import struct
import threading
from collections import Counter
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from nexus_desktop.providers.platforms import registry
from nexus_desktop.providers.platforms.base import (
    PostPackage,
    ProgressCallback,
    PublishError,
    PublishResult,
    SaveState,
    TransientPublishError,
)

# Built once: making an SSL context costs ~80 ms, and the target speaks plain HTTP anyway.
_TLS = ssl.create_default_context()
ACTIONS = ("ok", "500", "429", "reset_before", "reset_after", "timeout_before", "timeout_after", "hang_after")
PLATFORM = "flaky"


class FaultPlan:
    """Chooses what the server does with each request."""

    def __init__(self, *, seed: int | None = None, upload_faults: dict[str, float] | None = None,
                 lookup_500: float = 0.0, scripts: dict[int, Iterable[str]] | None = None) -> None:
        self.rng = random.Random(seed)
        self.upload_faults = dict(upload_faults or {})
        self.lookup_500 = lookup_500
        self.scripts = {k: list(v) for k, v in (scripts or {}).items()}
        self.hang_on_commit: int | None = None  # the n-th kept upload hangs
        self.lock = threading.Lock()

    def upload_action(self, post_id: int) -> str:
        with self.lock:
            if self.scripts.get(post_id):
                return self.scripts[post_id].pop(0)
            roll = self.rng.random()
            for action, rate in self.upload_faults.items():
                if roll < rate:
                    return action
                roll -= rate
            return "ok"

    def lookup_fails(self) -> bool:
        with self.lock:
            return self.rng.random() < self.lookup_500


class FlakyTarget:
    """The server. Use as a context manager; ``url`` is its base URL."""

    def __init__(self, plan: FaultPlan | None = None, *, slow: float = 1.0, retry_after: str = "0") -> None:
        self.plan = plan or FaultPlan()
        self.slow = slow  # how long "timeout" answers take; more than the client's timeout
        self.retry_after = retry_after
        self.uploads: dict[int, dict] = {}
        self.counts: Counter[int] = Counter()
        self.requests: Counter[str] = Counter()
        self.violations: list[str] = []
        self.hung = threading.Event()
        self.release = threading.Event()  # lets a hung upload go on
        self.stopping = threading.Event()
        self._kept = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.handle_error = lambda request, address: None
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "FlakyTarget":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def keep(self, post_id: int, attempt_id: str) -> dict:
        with self._lock:
            self.counts[post_id] += 1
            self._kept += 1
            record = {"id": f"up-{post_id}-{self.counts[post_id]}", "post_id": post_id, "attempt_id": attempt_id,
                      "url": f"{self.url}/v/{post_id}"}
            self.uploads.setdefault(post_id, record)
            hang = self.plan.hang_on_commit is not None and self._kept == self.plan.hang_on_commit
        return {**record, "hang": hang}

    def _handler(self):
        target = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def finish(self) -> None:
                try:
                    super().finish()
                except OSError:
                    pass

            def _answer(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _reset(self) -> None:
                # SO_LINGER 0: close with a RST, like a dropped connection.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True

            def _hang(self) -> None:
                """Start an answer and never finish it: a header line now and then keeps the
                client's read timeout from firing, so it stays mid-request until it is killed."""
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                target.hung.set()
                while not target.release.wait(0.03):
                    try:
                        self.wfile.write(b"X-Still-Working: yes\r\n")
                        self.wfile.flush()
                    except OSError:
                        break
                self._reset()

            def _late(self) -> None:
                target.stopping.wait(target.slow)
                self.close_connection = True

            def do_GET(self) -> None:
                target.requests["lookup"] += 1
                if self.path == "/counts":
                    return self._answer(200, {str(k): v for k, v in target.counts.items()})
                if not self.path.startswith("/uploads/"):
                    return self._answer(404, {"error": "not found"})
                if target.plan.lookup_fails():
                    return self._answer(500, {"error": "lookup failed"})
                record = target.uploads.get(int(self.path.rsplit("/", 1)[-1]))
                return self._answer(200, record) if record else self._answer(404, {"error": "no such upload"})

            def do_POST(self) -> None:
                target.requests["upload"] += 1
                post_id, attempt_id = self.headers.get("X-Post-Id"), self.headers.get("X-Attempt-Id")
                length = int(self.headers.get("Content-Length") or 0)
                if self.path != "/uploads" or not (post_id and post_id.isdigit() and attempt_id) or length <= 0:
                    target.violations.append(f"{self.path} post={post_id} attempt={attempt_id} length={length}")
                    return self._answer(400, {"error": "X-Post-Id, X-Attempt-Id and a body are required"})
                action = target.plan.upload_action(int(post_id))
                if action == "reset_before":
                    return self._reset()
                if action == "timeout_before":
                    return self._late()
                body = self.rfile.read(length)
                if len(body) != length:
                    target.violations.append(f"post {post_id}: body {len(body)} of {length} bytes")
                    return self._answer(400, {"error": "short body"})
                if action == "500":
                    return self._answer(500, {"error": "internal error"})
                if action == "429":
                    return self._answer(429, {"error": "slow down"}, {"Retry-After": target.retry_after})
                record = target.keep(int(post_id), attempt_id)
                if record.pop("hang") or action == "hang_after":
                    return self._hang()
                if action == "reset_after":
                    return self._reset()
                if action == "timeout_after":
                    return self._late()
                return self._answer(200, record)

        return Handler


class FlakyPublisher:
    """An adapter for the flaky target, mapping its answers as a platform adapter does."""

    platform = PLATFORM

    def __init__(self, base_url: str, timeout: float = 0.5) -> None:
        self.base_url, self.timeout = base_url, timeout

    def _call(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            with httpx.Client(base_url=self.base_url, timeout=self.timeout, verify=_TLS) as client:
                response = client.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise TransientPublishError(f"the target did not answer in time ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise TransientPublishError(f"the connection to the target was lost ({type(exc).__name__})") from exc
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = response.headers.get("Retry-After")
            raise TransientPublishError(f"the target answered {response.status_code}",
                                        retry_after=float(retry_after) if retry_after else None)
        return response

    def preflight(self, package: PostPackage) -> list[str]:
        return [] if package.video_path.is_file() else [f"the video {package.video_path} is missing"]

    def publish(self, package: PostPackage, progress: ProgressCallback, save_state: SaveState) -> PublishResult:
        headers = {"X-Post-Id": str(package.post_id), "X-Attempt-Id": package.attempt_id}
        response = self._call("POST", "/uploads", content=package.video_path.read_bytes(), headers=headers)
        if response.status_code != 200:
            raise PublishError(f"the target refused the upload: {response.status_code} {response.text}")
        data = response.json()
        progress(100, "uploaded")
        return PublishResult(remote_id=data["id"], url=data["url"])

    def find_existing(self, package: PostPackage) -> PublishResult | None:
        response = self._call("GET", f"/uploads/{package.post_id}")
        if response.status_code == 404:
            return None
        data = response.json()
        return PublishResult(remote_id=data["id"], url=data["url"])

    def refresh_credentials(self) -> None:
        pass


def register() -> None:
    """Make the "flaky" platform known; a target's config gives ``base_url`` and ``timeout``."""
    registry.register(PLATFORM, lambda setup: FlakyPublisher(setup.options["base_url"], float(setup.options.get("timeout", 0.5))))

