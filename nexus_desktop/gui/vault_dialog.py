"""The passphrase vault for computers without a system keyring: create it or unlock it.

Opened from the Accounts view ("Secrets vault…"), the same vault as ``nexus vault``.
Once unlocked, keys and tokens of this session are read from and written to it. Creating
or unlocking is an operation (``operations.accounts.open_vault``): scrypt and the file
run in the runner while the dialog says "Unlocking…".

Signals:
    vault_opened(str): the vault's path, after it was created or unlocked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QBoxLayout, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget,
)

from .. import secrets
from ..secrets_vault import MIN_PASSPHRASE, Vault
from .operations import accounts as account_ops
from .operations.base import Outcome

if TYPE_CHECKING:
    from .app_context import AppContext


class VaultDialog(QDialog):
    vault_opened = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path = secrets.vault_path(ctx.ws.paths.data)
        self.creating = not Vault.exists(self.path)  # one stat
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
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Create" if self.creating else "Unlock")
        buttons.accepted.connect(self._on_accepted)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _on_accepted(self) -> None:
        text = self.passphrase.text()
        if self.creating and text != self.again.text():
            self._failed("the two passphrases differ — type the same one twice")
            return
        self.ok_button.setEnabled(False)
        self.problem.setText("Creating the vault…" if self.creating else "Unlocking…")
        self.problem.setObjectName("Muted")
        self._repolish()
        self.problem.show()
        account_ops.open_vault(self.ctx, text, create=self.creating, success=self._opened, failure=self._failed)

    def _opened(self, outcome: Outcome[str]) -> None:
        self.vault_opened.emit(outcome.value)
        self.accept()

    def _failed(self, exc: BaseException | str) -> None:
        self.ok_button.setEnabled(True)
        self.problem.setText(str(exc))
        self.problem.setObjectName("FieldError")
        self._repolish()
        self.problem.show()

    def _repolish(self) -> None:
        self.problem.style().unpolish(self.problem)
        self.problem.style().polish(self.problem)


def add_vault_button(view: QWidget, ctx: AppContext, on_opened) -> QPushButton:
    """A "Secrets vault…" button under the view's secret store status (else under its first row)."""
    button = QPushButton("Secrets vault…")
    button.setToolTip("Keep keys and tokens in a passphrase-protected file when the system keyring does not work")

    def open_dialog() -> None:
        dialog = VaultDialog(ctx, view)
        dialog.vault_opened.connect(lambda _path: on_opened())
        dialog.open()

    button.clicked.connect(open_dialog)
    row = QHBoxLayout()
    row.addWidget(button)
    row.addStretch(1)
    layout = view.layout()
    if isinstance(layout, QBoxLayout):  # under the secret store's status, when the view has one
        status = getattr(view, "store_status", None)
        at = layout.indexOf(status) if status is not None else -1
        layout.insertLayout(at + 1 if at >= 0 else 1, row)
    return button
