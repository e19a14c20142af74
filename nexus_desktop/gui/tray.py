"""The system-tray icon: notifications for finished and failed jobs, where a tray exists.

Without a tray (some desktops, the offscreen test platform) nothing is created,
so Qt has nothing to warn about.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from ..domain.jobs import JobStatus
from ..runtime.events import JobDone, JobFailed
from ..runtime.runner import Runner
from . import icons


class Tray(QObject):
    def __init__(self, window: QWidget, runner: Runner, quit_action: QAction, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.icon: QSystemTrayIcon | None = None
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        self.icon = QSystemTrayIcon(icons.app_icon(), self)
        self.icon.setToolTip("Nexus Desktop")
        menu = QMenu(window)
        menu.addAction("Show Nexus Desktop", self._on_show)
        menu.addSeparator()
        menu.addAction(quit_action)
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(lambda reason: self._on_show() if reason == QSystemTrayIcon.ActivationReason.Trigger else None)
        runner.job_finished.connect(self._on_job_finished)
        runner.job_failed.connect(self._on_job_failed)
        self.icon.show()

    @property
    def available(self) -> bool:
        return self.icon is not None

    def notify(self, title: str, text: str, *, warning: bool = False) -> None:
        if self.icon is None or not QSystemTrayIcon.supportsMessages():
            return
        kind = QSystemTrayIcon.MessageIcon.Warning if warning else QSystemTrayIcon.MessageIcon.Information
        self.icon.showMessage(title, text, kind, 6000)

    @Slot(JobDone)
    def _on_job_finished(self, done: JobDone) -> None:
        if done.status is JobStatus.AWAITING_REVIEW:
            self.notify("Videos ready to review", done.title)

    @Slot(JobFailed)
    def _on_job_failed(self, failed: JobFailed) -> None:
        self.notify(f"Job failed at {failed.stage.value}", f"{failed.title}\n{failed.reason}", warning=True)

    def _on_show(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()
