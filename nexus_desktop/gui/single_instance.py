"""One window per data folder: a second launch brings the first window forward and exits.

The first window holds ``window.lock`` in the data folder (``QLockFile``: atomic,
and stale once its process is gone) and listens on a local socket named after
the folder. A later launch that cannot take the lock connects to that socket,
says "show", and leaves. Two launches at the same moment: the lock lets exactly
one through.

Signals (InstanceServer):
    activated(): another launch asked this window to come forward.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

LOCK_FILE = "window.lock"
SHOW = b"show\n"
WAIT_MS = 1000


def server_name(data: Path) -> str:
    digest = hashlib.sha256(str(data.resolve()).encode()).hexdigest()[:16]
    return f"nexus-desktop-{digest}"


def ask_first_to_show(data: Path) -> bool:
    """Tell the window already open on this folder to come forward; False if none answered."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(data))
    if not socket.waitForConnected(WAIT_MS):
        return False
    socket.write(SHOW)
    socket.waitForBytesWritten(WAIT_MS)
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    activated = Signal()

    def __init__(self, data: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data = data
        self._lock = QLockFile(str(data / LOCK_FILE))
        self._lock.setStaleLockTime(0)
        self._server = QLocalServer(self)
        self._server.newConnection.connect(self._on_new_connection)

    def claim(self) -> bool:
        """Become the folder's window (True), or find that another one is (False)."""
        if not self._lock.tryLock(0):
            return False
        name = server_name(self.data)
        QLocalServer.removeServer(name)  # a socket file left by a window that crashed
        if not self._server.listen(name):
            log.warning("a second launch cannot reach this window: %s", self._server.errorString())
        return True

    def release(self) -> None:
        self._server.close()
        if self._lock.isLocked():
            self._lock.unlock()

    def _on_new_connection(self) -> None:
        while self._server.hasPendingConnections():
            socket = self._server.nextPendingConnection()
            socket.readyRead.connect(self._on_ready_read)
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket)

    @Slot()
    def _on_ready_read(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if SHOW.strip() in bytes(socket.readAll().data()):
            self.activated.emit()
