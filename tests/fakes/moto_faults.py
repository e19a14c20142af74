"""moto's S3 server with faults on demand: the error a real server sends only
when it is overloaded or failing (503 SlowDown, 500 InternalError, ...), for the
n-th request of one S3 operation. Everything else is moto's S3 as is."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from tests.pg_cluster import free_port


def operation(environ) -> str:
    """The S3 operation of a request, from its method and query (path-style)."""
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    method = environ["REQUEST_METHOD"]
    if method == "PUT" and "partNumber" in query:
        return "UploadPart"
    if method == "POST" and "uploadId" in query:
        return "CompleteMultipartUpload"
    if method == "POST" and "uploads" in query:
        return "CreateMultipartUpload"
    if method == "PUT":
        return "PutObject"
    return method


@dataclass
class Fault:
    operation: str
    status: int
    code: str
    after: int = 0  # let this many requests of the operation through first
    times: int | None = None  # None: every one after that
    seen: int = 0
    sent: int = 0


class FaultyMotoServer(ThreadedMotoServer):
    def __init__(self) -> None:
        super().__init__("127.0.0.1", free_port(), verbose=False)
        self.faults: list[Fault] = []

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def fail(self, operation: str, status: int, code: str, *, after: int = 0, times: int | None = None) -> Fault:
        fault = Fault(operation, status, code, after, times)
        self.faults.append(fault)
        return fault

    def _server_entry(self) -> None:
        self._server = make_server(self._ip_address, self._port, self._faulty(DomainDispatcherApplication(create_backend_app)),
                                   True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()

    def _faulty(self, app):
        def wsgi(environ, start_response):
            op = operation(environ)
            for fault in self.faults:
                if fault.operation != op:
                    continue
                fault.seen += 1
                if fault.seen > fault.after and (fault.times is None or fault.sent < fault.times):
                    fault.sent += 1
                    length = int(environ.get("CONTENT_LENGTH") or 0)
                    if length:
                        environ["wsgi.input"].read(length)
                    body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{fault.code}</Code>'
                            f"<Message>injected by the test</Message></Error>").encode()
                    start_response(f"{fault.status} Injected", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
                    return [body]
            return app(environ, start_response)

        return wsgi
