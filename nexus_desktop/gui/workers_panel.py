"""The Workers view: the farm's workers, what each runs, when each last answered.

Read through Celery's inspection API (``farm.status``) in the runner's pool, never
on the window's thread, every few seconds while the view is shown. A worker that
stops answering stays listed with the time it last did. Also here: the window's
choice at start-up between the farm and this computer (``stage_runner``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..farm import config as farm_config
from ..pipeline import flow
from ..pipeline.flow import Workspace
from ..runtime.lanes import NETWORK
from .app_context import AppContext

log = logging.getLogger(__name__)

REFRESH_MS = 5000
COLUMNS = ("Worker", "Running", "Waiting", "Tasks taken", "Queues", "Last heartbeat")


def stage_runner(ws: Workspace, parent: QWidget | None = None):
    """How the window's runner runs a stage: on the farm when a broker is set and
    answers; on this computer when none is set, or when it does not answer and the
    creator chooses to (otherwise the stages wait for it)."""
    if not farm_config.enabled(ws.settings):
        return flow.run_stage
    from ..farm.dispatch import FarmUnavailable, check_broker, open_app
    from ..farm.remote import stage_runner as on_farm

    try:
        app = open_app(ws, check=False)
    except FarmUnavailable as exc:  # Celery is not installed, or the URL is not a broker's
        QMessageBox.warning(parent, "The farm cannot be used", f"{exc}.\n\nThe stages run on this computer.")
        return flow.run_stage
    try:
        check_broker(app)
    except FarmUnavailable as exc:
        box = QMessageBox(QMessageBox.Icon.Warning, "The farm is not answering",
                          f"{exc.message}.\n\nRun the stages on this computer instead, or keep them for the farm "
                          "(they are sent once the broker answers)?", parent=parent)
        here = box.addButton("Run on this computer", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Wait for the farm", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(here)
        box.exec()
        if box.clickedButton() is here:
            log.warning("the farm's broker did not answer; the creator chose to run the stages on this computer")
            return flow.run_stage
    return on_farm(app)


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%H:%M:%S") if moment else "—"


class WorkersPanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._app = None
        self._asking = False
        self._seen: dict[str, object] = {}  # name → its last WorkerStatus, kept when it stops answering
        self._answering: set[str] = set()
        title = QLabel("Workers", objectName="ViewTitle")
        self.status = QLabel(objectName="Muted", wordWrap=True)
        self.empty = QLabel(objectName="EmptyState", wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        top = QHBoxLayout()
        top.addWidget(title, 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)  # in the table's place while no farm is set
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self._show_setup()

    def _show_setup(self) -> None:
        settings = self.ctx.ws.settings
        alone = not farm_config.enabled(settings)
        self.table.setVisible(not alone)
        self.empty.setVisible(alone)
        self.status.setVisible(not alone)
        self.refresh_button.setEnabled(not alone)
        if alone:
            self.empty.setText("Every stage runs on this computer.\n\nTo share the work with other machines, set a "
                               "farm broker with `nexus farm set amqp://USER@HOST:5672//` and start `nexus worker` on "
                               "each machine that shares this database and bucket. Its workers are listed here.")
            return
        self.status.setText(f"Asking the workers at {farm_config.redacted(settings.farm.broker_url)}…")

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if farm_config.enabled(self.ctx.ws.settings):
            self.refresh()
            self.timer.start()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def refresh(self) -> None:
        if self._asking or not farm_config.enabled(self.ctx.ws.settings):
            return
        self._asking = True
        self.ctx.runner.submit(self._ask, lane=NETWORK, description="asking the farm's workers",
                               on_done=self._on_answer, on_failed=self._on_failed)

    def _ask(self):
        """In the pool: the broker's app (made once) and who answers."""
        from ..farm.dispatch import open_app
        from ..farm.status import list_workers

        if self._app is None:
            self._app = open_app(self.ctx.ws, check=False)
        return list_workers(self._app)

    def _on_answer(self, workers) -> None:
        self._asking = False
        self._answering = {w.name for w in workers}
        for worker in workers:
            self._seen[worker.name] = worker
        running = sum(len(w.running) for w in workers)
        broker = farm_config.redacted(self.ctx.ws.settings.farm.broker_url)
        if workers:
            self.status.setText(f"{len(workers)} worker(s) answering at {broker}, {running} stage(s) running.")
        else:
            self.status.setText(f"No worker answered at {broker}. Start one with `nexus worker` on a machine that shares "
                                "this database and bucket.")
        self._fill()

    def _on_failed(self, error: BaseException) -> None:
        self._asking = False
        self._answering = set()
        self.status.setText(f"The farm cannot be asked: {error}")
        self._fill()

    def _fill(self) -> None:
        rows = sorted(self._seen.values(), key=lambda w: w.name)
        self.table.setRowCount(len(rows))
        for row, worker in enumerate(rows):
            answering = worker.name in self._answering
            doing = worker.doing if answering else "not answering"
            if answering and worker.running and worker.running[0].started:
                doing += f" (since {_when(worker.running[0].started)})"
            cells = (worker.name, doing, str(worker.waiting), str(worker.done), ", ".join(worker.queues), _when(worker.heartbeat))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if not answering:
                    item.setForeground(self.palette().placeholderText())
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
