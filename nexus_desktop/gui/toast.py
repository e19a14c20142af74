"""A toast at the bottom of the window: what was just done, with Undo, for a few seconds.

One at a time: a new toast settles the one before (its ``on_expire`` runs, e.g. a
delete that was waiting for its Undo window to pass). ``settle()`` does the same
at quit, so nothing the creator did is lost.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

SHOW_MS = 8000


class Toast(QFrame):
    def __init__(self, host: QWidget) -> None:
        super().__init__(host, objectName="Toast")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.host = host
        self.text = QLabel(objectName="ToastText", wordWrap=True)
        self.undo_button = QPushButton("Undo", objectName="ToastUndo")
        self.undo_button.clicked.connect(self._on_undo)
        close = QToolButton(text="✕", toolTip="Dismiss")
        close.clicked.connect(self.settle)
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 8, 8, 8)
        row.addWidget(self.text, 1)
        row.addWidget(self.undo_button)
        row.addWidget(close)
        self._undo: Callable[[], None] | None = None
        self._expire: Callable[[], None] | None = None
        self._timer = QTimer(self, singleShot=True, interval=SHOW_MS)
        self._timer.timeout.connect(self.settle)
        host.installEventFilter(self)
        self.hide()

    def show_message(self, text: str, *, undo: Callable[[], None] | None = None,
                     on_expire: Callable[[], None] | None = None, ms: int = SHOW_MS) -> None:
        self.settle()
        self._undo, self._expire = undo, on_expire
        self.text.setText(text)
        self.undo_button.setVisible(undo is not None)
        self._place()
        self.show()
        self.raise_()
        self._timer.start(ms)

    def settle(self) -> None:
        """End the toast as if its time ran out: what waited for it now happens."""
        self._timer.stop()
        expire, self._undo, self._expire = self._expire, None, None
        self.hide()
        if expire is not None:
            expire()

    @property
    def can_undo(self) -> bool:
        return self._timer.isActive() and self._undo is not None

    def _on_undo(self) -> None:
        self._timer.stop()
        undo, self._undo, self._expire = self._undo, None, None
        self.hide()
        if undo is not None:
            undo()

    def _place(self) -> None:
        width = min(560, self.host.width() - 40)
        self.setFixedWidth(max(200, width))
        self.adjustSize()
        self.move((self.host.width() - self.width()) // 2, self.host.height() - self.height() - 48)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.host and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
