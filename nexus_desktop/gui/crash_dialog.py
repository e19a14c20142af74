"""An uncaught exception becomes a dialog that says what happened and where the log is.

``install`` replaces ``sys.excepthook`` (and ``threading.excepthook``, whose
reports are carried to the main thread): the error is logged with its
traceback, then shown. The app keeps running; the creator may quit from the
dialog.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QThread, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from . import icons

log = logging.getLogger(__name__)


class CrashDialog(QDialog):
    def __init__(self, summary: str, details: str, log_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Nexus Desktop ran into a problem")
        self.setMinimumWidth(560)
        self.quit_requested = False
        heading = QLabel("Something went wrong", objectName="ViewTitle")
        what = QLabel(f"{summary}\n\nYour jobs and settings are saved. If this keeps happening, "
                      f"the log has the details:", wordWrap=True)
        where = QLabel(f"<a href='{QUrl.fromLocalFile(str(log_file)).toString()}'>{log_file}</a>",
                       openExternalLinks=True, textInteractionFlags=Qt.TextInteractionFlag.TextBrowserInteraction)
        self.details = QPlainTextEdit(details, readOnly=True, objectName="LogView")
        self.details.setVisible(False)
        self.details.setMinimumHeight(220)
        toggle = QPushButton("Show details", checkable=True)
        toggle.toggled.connect(self.details.setVisible)
        toggle.toggled.connect(lambda on: toggle.setText("Hide details" if on else "Show details"))
        copy = QPushButton("Copy details")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(f"{summary}\n\n{details}"))
        folder = QPushButton("Open log folder")
        folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_file.parent))))
        buttons = QDialogButtonBox()
        keep = buttons.addButton("Keep working", QDialogButtonBox.ButtonRole.AcceptRole)
        keep.setProperty("primary", True)
        quit_button = buttons.addButton("Quit", QDialogButtonBox.ButtonRole.DestructiveRole)
        keep.clicked.connect(self.accept)
        quit_button.clicked.connect(self._on_quit)
        extra = QHBoxLayout()
        extra.addWidget(toggle)
        extra.addWidget(copy)
        extra.addWidget(folder)
        extra.addStretch()
        icon = QLabel()
        icon.setPixmap(icons.icon("alert", "danger").pixmap(32, 32))
        top = QHBoxLayout()
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.addWidget(heading)
        text.addWidget(what)
        text.addWidget(where)
        top.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(extra)
        layout.addWidget(self.details)
        layout.addWidget(buttons)

    def _on_quit(self) -> None:
        self.quit_requested = True
        self.reject()


def describe(exc_type: type[BaseException], exc: BaseException) -> str:
    message = str(exc).strip()
    return f"{exc_type.__name__}: {message}" if message else exc_type.__name__


class _ThreadReports(QObject):
    reported = Signal(object, object, object)


class CrashReporter(QObject):
    """Owns the hooks; shows one dialog at a time (errors during it are only logged)."""

    def __init__(self, log_file: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self._showing = False
        self._from_threads = _ThreadReports(self)
        self._from_threads.reported.connect(self._on_reported, Qt.ConnectionType.QueuedConnection)
        self._previous = (sys.excepthook, threading.excepthook)

    def install(self) -> None:
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous

    def _excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        log.critical("uncaught error", exc_info=(exc_type, exc, tb))
        app = QApplication.instance()
        if app is None or QThread.currentThread() is not app.thread():
            self._from_threads.reported.emit(exc_type, exc, tb)
            return
        self._show(exc_type, exc, tb)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        log.critical("uncaught error in thread %s", args.thread.name if args.thread else "?",
                     exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
        if args.exc_value is not None:
            self._from_threads.reported.emit(args.exc_type, args.exc_value, args.exc_traceback)

    @Slot(object, object, object)
    def _on_reported(self, exc_type, exc, tb) -> None:
        self._show(exc_type, exc, tb)

    def _show(self, exc_type, exc, tb) -> None:
        if self._showing:
            return
        self._showing = True
        try:
            details = "".join(traceback.format_exception(exc_type, exc, tb))
            dialog = CrashDialog(describe(exc_type, exc), details, self.log_file, QApplication.activeWindow())
            dialog.exec()
            if dialog.quit_requested:
                QApplication.quit()
        finally:
            self._showing = False
