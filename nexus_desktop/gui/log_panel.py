"""The log panel: what the app is doing, in words, as it happens.

``QtLogHandler`` is a logging handler that may be called from any thread; it
hands each line to the main thread through a queued signal. The panel
collects lines and adds them to the view at most ten times a second.

Signals (of ``QtLogHandler.emitter``):
    logged(int, str): a record's level and its formatted line.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from ..log_redaction import RedactSecrets
from . import theme

MAX_LINES = 5000
LEVELS = (("Everything", logging.INFO), ("Warnings and errors", logging.WARNING), ("Errors", logging.ERROR))


class _Emitter(QObject):
    logged = Signal(int, str)


class QtLogHandler(logging.Handler):
    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.emitter = _Emitter()
        self.setFormatter(logging.Formatter("%(asctime)s  %(message)s", datefmt="%H:%M:%S"))
        self.addFilter(RedactSecrets())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            if record.levelno >= logging.WARNING:
                line = line.replace("  ", f"  {record.levelname.capitalize()}: ", 1)
            self.emitter.logged.emit(record.levelno, line)
        except RuntimeError:  # the window is gone while a worker still logs
            pass
        except Exception:
            self.handleError(record)


class LogPanel(QWidget):
    def __init__(self, log_file: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log_file = log_file
        self._pending: list[tuple[int, str]] = []
        self._threshold = logging.INFO
        self.view = QPlainTextEdit(objectName="LogView", readOnly=True)
        self.view.setMaximumBlockCount(MAX_LINES)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.level = QComboBox()
        for label, level in LEVELS:
            self.level.addItem(label, level)
        self.level.currentIndexChanged.connect(self._on_level_changed)
        open_file = QPushButton("Open log file")
        open_file.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_file))))
        clear = QPushButton("Clear")
        clear.clicked.connect(self.view.clear)
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 4)
        bar.addWidget(QLabel("Show"))
        bar.addWidget(self.level)
        bar.addStretch()
        bar.addWidget(QLabel(str(log_file), objectName="Muted", textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse))
        bar.addWidget(open_file)
        bar.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.view)
        self._flush_timer = QTimer(self, singleShot=True, interval=100)
        self._flush_timer.timeout.connect(self._flush)

    def attach(self, handler: QtLogHandler) -> None:
        """Show what ``handler`` logs. When the panel goes, so does the handler: it leaves the
        root logger and is closed, instead of outliving its window and workspace."""
        handler.emitter.logged.connect(self._on_logged)
        self.destroyed.connect(lambda *_: _detach(handler))

    @Slot(int, str)
    def _on_logged(self, level: int, line: str) -> None:
        if level < self._threshold:
            return
        self._pending.append((level, line))
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    @Slot(int)
    def _on_level_changed(self, _: int) -> None:
        self._threshold = self.level.currentData()

    def _flush(self) -> None:
        pending, self._pending = self._pending[-MAX_LINES:], []
        t = theme.current()
        colours = {logging.WARNING: t.warning, logging.ERROR: t.danger, logging.CRITICAL: t.danger}
        for level, line in pending:
            text = html.escape(line)
            colour = colours.get(min(level, logging.CRITICAL) // 10 * 10)
            self.view.appendHtml(f'<span style="color:{colour}">{text}</span>' if colour else text)

    def text(self) -> str:
        return self.view.toPlainText()


def _detach(handler: logging.Handler) -> None:
    logging.getLogger().removeHandler(handler)
    handler.close()
