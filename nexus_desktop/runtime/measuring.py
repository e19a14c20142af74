"""The window's measuring clock: reads published posts' figures when they fall due.

Only the process that owns the data folder measures (the window when it runs the
scheduler, else ``nexus daemon``), so a reading is never taken twice. The work runs
in the runner's NETWORK lane; a fired timer only asks whether anything is due.

Signals:
    measured(list): the outcomes of a measuring run that read something.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from ..pipeline.flow import Workspace
from ..pipeline.measure import measure_due, metrics
from ..pipeline.schedule import utcnow
from .lanes import NETWORK
from .runner import Runner

log = logging.getLogger(__name__)
CHECK_MS = 5 * 60 * 1000


class Measurer(QObject):
    measured = Signal(list)

    def __init__(self, ws: Workspace, runner: Runner, parent: QObject | None = None, *, clock=utcnow) -> None:
        super().__init__(parent)
        self.ws, self.runner, self.clock = ws, runner, clock
        self._busy = False
        self._timer = QTimer(self, interval=CHECK_MS)
        self._timer.timeout.connect(self._on_tick)

    def start(self) -> None:
        self._timer.start()
        QTimer.singleShot(0, self._on_tick)

    def _on_tick(self) -> None:
        if self._busy or not self.ws.settings.measure.enabled:
            return
        self._busy = True
        ws, clock = self.ws, self.clock

        def work() -> list:
            repo, now = metrics(ws), clock()
            repo.plan_published(now)  # posts published since the last tick
            next_at = repo.next_due_at()
            return [] if next_at is None or next_at > now else measure_due(ws, clock=clock)

        self.runner.submit(work, lane=NETWORK, description="Reading figures", on_done=self._on_done, on_failed=self._on_failed)

    def _on_done(self, outcomes: list) -> None:
        self._busy = False
        if outcomes:
            self.measured.emit(outcomes)

    def _on_failed(self, error: BaseException) -> None:
        self._busy = False
        log.warning("reading figures failed: %s", error)
