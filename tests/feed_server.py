"""A small threaded HTTP server on 127.0.0.1 that serves feeds the way real servers do:
ETag / Last-Modified with 304s, gzip when asked, redirects, slow answers."""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    encoded: bool = False  # the body is sent as is (already compressed, its Content-Encoding in headers)
    trickle: float = 0.0  # seconds between bytes: a server that never stops and never finishes


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.not_modified = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                route = server.routes.get(self.path)
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                if route is None:
                    self._send(404, b"not found", "text/plain")
                    return
                if route.delay:
                    time.sleep(route.delay)
                if (route.etag and self.headers.get("If-None-Match") == route.etag) or (
                    route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified
                ):
                    server.not_modified += 1
                    self._send(304, b"", None, route)
                    return
                body = route.body
                extra = {}
                if route.trickle:
                    self._trickle(route)
                    return
                if "gzip" in (self.headers.get("Accept-Encoding") or "") and route.status == 200 and not route.encoded:
                    body = gzip.compress(body)
                    extra["Content-Encoding"] = "gzip"
                self._send(route.status, body, route.content_type, route, extra)

            def _trickle(self, route) -> None:
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    for byte in route.body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(route.trickle)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send(self, status, body, content_type, route=None, extra=None) -> None:
                try:
                    self.send_response(status)
                    if content_type:
                        self.send_header("Content-Type", content_type)
                    if route is not None:
                        if route.etag:
                            self.send_header("ETag", route.etag)
                        if route.last_modified:
                            self.send_header("Last-Modified", route.last_modified)
                        for k, v in route.headers.items():
                            self.send_header(k, v)
                    for k, v in (extra or {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self) -> "FeedServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# Two stories as a real blog would serve them, for the daemon and autopilot tests.
STORIES = {
    1: ("Solid-state batteries reach a second pilot line",
        "A second pilot line for solid-state battery cells opened this week, doubling the number of cells the maker "
        "can put through testing. Engineers say early cells kept 91 percent of their capacity after 800 cycles."),
    2: ("Open-source maintainers try four-day release trains",
        "Several projects now ship a release every four days. Maintainers say smaller releases are easier to review "
        "and roll back, and contributors see their fixes land sooner."),
}


def rss(*numbers: int) -> bytes:
    items = "".join(
        f"<item><title>{STORIES[n][0]}</title><link>https://techdigest.example.org/{n}</link>"
        f"<guid isPermaLink='false'>story-{n}</guid><description>{STORIES[n][1]}</description></item>"
        for n in numbers
    )
    return (f"<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>Tech Digest Weekly</title>"
            f"<link>https://techdigest.example.org/</link>{items}</channel></rss>").encode()
