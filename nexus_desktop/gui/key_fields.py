"""A key for an upgrade service (RunwayML, Pexels), typed in Settings and kept in the keyring.

The key never shows: the field says whether one is kept, a new one typed replaces it when
Settings is saved, and Remove (after a confirmation) forgets it on save. Nothing is written
until the dialog's Save, like every other setting. The field never asks the keyring itself:
the dialog reads and writes it through ``operations.settings`` (off the GUI thread).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QMessageBox, QPushButton, QWidget

from .operations.settings import KeyChange

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeySpec:
    secret: str  # its name in the keyring
    label: str
    what_for: str


UPGRADE_KEYS = (
    KeySpec("runway_api_key", "RunwayML key", "AI clips from the article's photos (images.ai_clip_shots per job)"),
    KeySpec("pexels_api_key", "Pexels key", "stock B-roll clips (images.broll_shots per video)"),
)


class KeyField(QWidget):
    def __init__(self, spec: KeySpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._remove = False
        self._kept: bool | None = None  # not read yet; False when the keyring cannot be read either
        self._checking = True
        self.line = QLineEdit(objectName=f"Key_{spec.secret}")
        self.line.setEchoMode(QLineEdit.EchoMode.Password)
        self.line.setToolTip(f"Used for {spec.what_for}. Kept in the system keyring, never in settings.json.")
        self.remove = QPushButton("Remove")
        self.remove.clicked.connect(self._on_remove)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.remove)
        self._show_state()

    def set_kept(self, kept: bool | None) -> None:
        """What the keyring holds, read off the GUI thread (None: it cannot be read)."""
        if kept is None:
            log.info("the %s cannot be read: no keyring", self.spec.label)
        self._kept, self._checking = bool(kept), False
        self._show_state()

    def _show_state(self) -> None:
        if self._checking:
            self.line.setPlaceholderText("checking the keyring…")
        elif self._remove:
            self.line.setPlaceholderText("will be removed when you save")
        elif self._kept:
            self.line.setPlaceholderText("a key is kept in the keyring; type a new one to replace it")
        else:
            self.line.setPlaceholderText("none: the offline shots are used")
        self.remove.setEnabled(bool(self._kept) and not self._remove)

    def _on_remove(self) -> None:
        answer = QMessageBox.question(self, f"Remove the {self.spec.label}?",
                                      f"Without it, no more {self.spec.what_for.split(' (')[0]}; the offline shots "
                                      "are used. Clips made already stay.")
        if answer == QMessageBox.StandardButton.Yes:
            self.mark_for_removal()

    def mark_for_removal(self) -> None:
        self._remove = True
        self.line.clear()
        self._show_state()

    def change(self) -> KeyChange | None:
        """What Save is to do with this key: store the typed one, forget it, or nothing."""
        typed = self.line.text().strip()
        if typed:
            return KeyChange(self.spec.secret, self.spec.label, typed)
        if self._remove:
            return KeyChange(self.spec.secret, self.spec.label, None)
        return None

    def saved(self, change: KeyChange) -> None:
        """The change was written: show the field as it now is."""
        self._kept, self._remove = change.value is not None, False
        self.line.clear()
        self._show_state()
