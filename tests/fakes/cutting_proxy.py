"""A TCP proxy on 127.0.0.1 that unplugs the cable: once ``budget`` bytes went
upstream it cuts every open connection and refuses new ones until ``heal()``.
Put between boto3 and the S3 server to drop a connection in the middle of an upload."""

from __future__ import annotations

import socket
import threading


class CuttingProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.budget: int | None = None
        self.sent = 0
        self.down = False
        self.cuts = 0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="cutting-proxy").start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut_after(self, budget: int) -> None:
        with self._lock:
            self.budget, self.sent, self.down = budget, 0, False

    def heal(self) -> None:
        with self._lock:
            self.budget, self.down = None, False

    def close(self) -> None:
        self._closed = True
        self.listener.close()
        self._cut_all()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            upstream = socket.create_connection(self.upstream)
            with self._lock:
                self._open.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, counts: bool) -> None:
        try:
            while data := source.recv(65536):
                if counts and self._spend(len(data)):
                    self._cut_all()
                    return
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _spend(self, count: int) -> bool:
        with self._lock:
            if self.budget is None:
                return False
            self.sent += count
            if self.sent > self.budget:
                self.down = True
                self.cuts += 1
            return self.down

    def _cut_all(self) -> None:
        with self._lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
