"""Threads for the Accounts view when it stands alone (no runner), and for its browser
sign-in, which waits on the creator for minutes.

The rule both keep: a worker thread never holds the last reference to a widget. A
widget's Python wrapper freed on a worker thread deletes the widget there, which
crashes the app (seen in the suite as a segmentation fault when a connect thread ended
after its view had been closed). The worker holds plain objects and a small relay
child of the view; whatever refers to the view is released on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

from ..runtime.lanes import READ

log = logging.getLogger(__name__)


class Job:
    """One task of ``Worker``: what to run and what to call back, held so that the worker
    thread never drops the last reference to a widget (a bound method of a view). The GUI
    thread empties it when the result arrives, whether or not its view is still there."""

    __slots__ = ("fn", "callbacks", "outcome", "worker")

    def __init__(self, worker: Worker, fn: Callable[[], Any], on_done: Callable[[Any], None],
                 on_failed: Callable[[BaseException], None]) -> None:
        self.worker: Worker | None = worker
        self.fn: Callable[[], Any] | None = fn
        self.callbacks: tuple | None = (on_done, on_failed)
        self.outcome: tuple[Any, BaseException | None] = (None, None)

    def run(self) -> None:  # on the worker thread
        try:
            self.outcome = (self.fn(), None)
        except Exception as exc:  # handed to the GUI thread, never lost in the worker
            self.outcome = (None, exc)


class _Delivery(QObject):
    """Lives as long as the application, on the GUI thread: a finished job always has
    somewhere to go, even after the view that asked for it was closed (its own signal
    would be gone with it, and the thread would then drop the job, view and all)."""

    returned = Signal(object)  # the Job, run

    def __init__(self) -> None:
        super().__init__(QCoreApplication.instance())
        self.returned.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @staticmethod
    def _deliver(job: Job) -> None:
        worker, (on_done, on_failed), (result, error) = job.worker, job.callbacks, job.outcome
        job.worker, job.fn, job.callbacks, job.outcome = None, None, None, (None, None)  # released here
        if not shiboken6.isValid(worker):
            log.debug("a background result for a closed view was dropped")
        elif error is None:
            on_done(result)
        else:
            on_failed(error)


_delivery: _Delivery | None = None


class Worker(QObject):
    """Background work for a view that stands alone (no runner): a thread per task, the
    result delivered on the GUI thread (see ``_Delivery``)."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        global _delivery
        if _delivery is None or not shiboken6.isValid(_delivery):
            _delivery = _Delivery()
        self._returned = _delivery.returned

    def submit(self, fn: Callable[[], Any], *, on_done: Callable[[Any], None], on_failed: Callable[[BaseException], None],
               description: str = "", lane: str = READ) -> None:
        job, returned = Job(self, fn, on_done, on_failed), self._returned

        def work() -> None:
            job.run()
            returned.emit(job)

        threading.Thread(target=work, name=description or "accounts", daemon=True).start()


class ConnectRelay(QObject):
    """What the connect worker tells the view, emitted from its thread. The worker holds
    this child of the view rather than the view itself (see ``Job``); after the view is
    gone, emitting says so with RuntimeError, which the worker ignores."""

    connected = Signal(int)
    failed = Signal(str)
    address_needed = Signal(str)

    def tell(self, signal: str, value: Any) -> None:
        try:
            getattr(self, signal).emit(value)
        except RuntimeError:  # the view was closed meanwhile: nobody to tell
            log.debug("the Accounts view closed before connecting ended")
