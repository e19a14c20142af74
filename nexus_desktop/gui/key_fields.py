"""A key for an upgrade service (RunwayML, Pexels), typed in Settings and kept in the keyring.

The key never shows: the field says whether one is kept, a new one typed replaces it when
Settings is saved, and Remove (after a confirmation) forgets it on save. Nothing is written
until the dialog's Save, like every other setting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QMessageBox, QPushButton, QWidget

from .. import secrets
from ..domain.errors import NexusError

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
        try:
            self._kept = bool(secrets.get_secret(spec.secret))
        except NexusError as exc:  # no keyring: the field says so instead of failing the dialog
            log.info("the %s cannot be read: %s", spec.label, exc)
            self._kept = False
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

    def _show_state(self) -> None:
        if self._remove:
            self.line.setPlaceholderText("will be removed when you save")
        elif self._kept:
            self.line.setPlaceholderText("a key is kept in the keyring; type a new one to replace it")
        else:
            self.line.setPlaceholderText("none: the offline shots are used")
        self.remove.setEnabled(self._kept and not self._remove)

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

    def apply(self) -> str:
        """Store or forget the key as asked; returns what changed, for the dialog to say."""
        typed = self.line.text().strip()
        if typed:
            secrets.set_secret(self.spec.secret, typed)
            self._kept, self._remove = True, False
            self.line.clear()
            self._show_state()
            return f"{self.spec.label} saved in the keyring"
        if self._remove:
            secrets.delete_secret(self.spec.secret)
            self._kept = self._remove = False
            self._show_state()
            return f"{self.spec.label} removed"
        return ""
