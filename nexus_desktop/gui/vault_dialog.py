"""The passphrase vault for computers without a system keyring: create it or unlock it.

Opened from the Accounts view ("Secrets vault…"), the same vault as ``nexus vault``.
Once unlocked, keys and tokens of this session are read from and written to it.

Signals:
    vault_opened(str): the vault's path, after it was created or unlocked.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QBoxLayout, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget,
)

from .. import secrets
from ..secrets_vault import MIN_PASSPHRASE, Vault, VaultError


class VaultDialog(QDialog):
    vault_opened = Signal(str)

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = secrets.vault_path(data_dir)
        self.creating = not Vault.exists(self.path)
        self.setWindowTitle("Create the secrets vault" if self.creating else "Unlock the secrets vault")
        self.setMinimumWidth(460)
        intro = ("Keys and tokens will be kept in an encrypted file in the data folder, locked with a passphrase "
                 f"of at least {MIN_PASSPHRASE} characters. It cannot be recovered if you forget it."
                 if self.creating else f"Type the passphrase of {self.path}.")
        self.passphrase = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.again = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.problem = QLabel(objectName="FieldError", wordWrap=True)
        self.problem.hide()
        form = QFormLayout(self)
        form.addRow(QLabel(intro, wordWrap=True))
        form.addRow("Passphrase", self.passphrase)
        if self.creating:
            form.addRow("Again", self.again)
        form.addRow(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create" if self.creating else "Unlock")
        buttons.accepted.connect(self._on_accepted)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _on_accepted(self) -> None:
        text = self.passphrase.text()
        try:
            if self.creating and text != self.again.text():
                raise VaultError("the two passphrases differ", hint="type the same one twice")
            vault = Vault.create(self.path, text) if self.creating else Vault.unlock(self.path, text)
        except VaultError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            return
        secrets.use_vault(vault)
        self.vault_opened.emit(str(self.path))
        self.accept()


def add_vault_button(view: QWidget, data_dir: Path, on_opened) -> QPushButton:
    """A "Secrets vault…" button under the view's first row (the secret store's status)."""
    button = QPushButton("Secrets vault…")
    button.setToolTip("Keep keys and tokens in a passphrase-protected file when the system keyring does not work")

    def open_dialog() -> None:
        dialog = VaultDialog(data_dir, view)
        dialog.vault_opened.connect(lambda _path: on_opened())
        dialog.open()

    button.clicked.connect(open_dialog)
    row = QHBoxLayout()
    row.addWidget(button)
    row.addStretch(1)
    layout = view.layout()
    if isinstance(layout, QBoxLayout):
        layout.insertLayout(1, row)
    return button
