"""The status bar: what is running now, how much waits, and how many jobs there are."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import QLabel, QStatusBar, QToolButton, QWidget

from ..domain.jobs import JobStatus
from ..runtime.events import Changed, JobProgress, QueueState
from ..runtime.runner import READ
from .app_context import AppContext
from .formatting import count

VERBS = {"analyze": "Writing the script for", "narrate": "Narrating", "visualize": "Drawing", "render": "Rendering"}


class StatusBar(QStatusBar):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._state = QueueState((), 0, False)
        self._percent: dict[int, int] = {}
        self.activity = QLabel("Ready")
        self.totals = QLabel("")
        self.pause_button = QToolButton(text="Pause queue", checkable=True)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.addWidget(self.activity, 1)
        if ctx.publisher is not None:
            self.publisher = QLabel(f"Publishing: {ctx.publisher.describe()}")
            self.publisher.setToolTip("nexus daemon publishes and checks feeds for this data folder, "
                                      "so this window does not start its own scheduler")
            self.addPermanentWidget(self.publisher)
        self.addPermanentWidget(self.totals)
        self.addPermanentWidget(self.pause_button)
        self.setSizeGripEnabled(False)
        runner = ctx.runner
        runner.queue_changed.connect(self._on_queue_changed)
        runner.job_progressed.connect(self._on_job_progressed)
        runner.changed.connect(self._on_changed)
        ctx.ops.told.connect(lambda text: self.showMessage(text, 6000))
        if ctx.autopilot is not None:
            ctx.autopilot.checked.connect(self._on_checked_by_itself)
            ctx.autopilot.approved.connect(
                lambda report: self.showMessage(f"Approved {count(len(report.done), 'job')} of auto-approve feeds", 6000))
        self._count_timer = QTimer(self, singleShot=True, interval=250)  # many changes, one count
        self._count_timer.timeout.connect(self.refresh_totals)

    def refresh_totals(self) -> None:
        self.ctx.runner.submit(self.ctx.ws.store.jobs.counts_by_status, lane=READ, on_done=self._on_counts)

    @Slot(QueueState)
    def _on_queue_changed(self, state: QueueState) -> None:
        self._state = state
        self._percent = {r.job_id: self._percent.get(r.job_id, 0) for r in state.running}
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(state.paused)
        self.pause_button.setText("Resume queue" if state.paused else "Pause queue")
        self.pause_button.blockSignals(False)
        self._show_activity()

    @Slot(JobProgress)
    def _on_job_progressed(self, update: JobProgress) -> None:
        if update.job_id in self._percent:
            self._percent[update.job_id] = update.percent
            self._show_activity()

    @Slot(Changed)
    def _on_changed(self, change: Changed) -> None:
        if change.touches_jobs:
            self._count_timer.start()

    def _on_checked_by_itself(self, report) -> None:
        text = f"Feeds checked: {count(report.new_jobs, 'new job')}"
        if report.failed:
            text += f"; {count(len(report.failed), 'feed')} failed (see Feeds)"
        self.showMessage(text, 8000)

    def _on_counts(self, counts: dict[str, int]) -> None:
        total = sum(counts.values())
        parts = [count(total, "job")]
        for status, label in ((JobStatus.AWAITING_REVIEW, "to review"), (JobStatus.FAILED, "failed")):
            if counts.get(status.value):
                parts.append(f"{counts[status.value]:,} {label}")
        self.totals.setText(" · ".join(parts))

    def _show_activity(self) -> None:
        self.activity.setText(activity_text(self._state, self._percent))

    def _on_pause_toggled(self, paused: bool) -> None:
        if paused:
            self.ctx.runner.pause()
        else:
            self.ctx.runner.resume()


def activity_text(state: QueueState, percent: dict[int, int]) -> str:
    parts = []
    if state.running:
        first = state.running[0]
        verb = VERBS.get(first.stage.value, first.stage.value.capitalize())
        parts.append(f"{verb} «{first.title}» {percent.get(first.job_id, 0)}%")
        if len(state.running) > 1:
            parts.append(f"{len(state.running) - 1} more running")
    if state.waiting:
        parts.append(f"{state.waiting:,} waiting")
    parts.extend(state.tasks)
    if state.paused:  # what runs already finishes its stage; nothing new starts
        parts.insert(0, "Queue paused, finishing the running stage" if state.running else "Queue paused")
    return " · ".join(parts) if parts else "Ready"
