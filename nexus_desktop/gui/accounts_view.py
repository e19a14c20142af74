"""The Accounts view: connect platform accounts, see their health, refresh, disconnect.

Every action is an operation (``operations.accounts``): nothing here touches the database,
the network or the keyring on the GUI thread. The list is read in the runner's read lane
and read again whenever ``Runner.changed`` says accounts changed, whoever changed them;
refreshing shows "Refreshing…" meanwhile and a red message when it fails; disconnecting is
asked first, then offers Undo while the toast shows. Connecting runs the browser sign-in on
a thread of its own (``operations.accounts.SignIn``). Several accounts per platform are fine.

Signals:
    account_connected(int): an account was connected or reconnected (its id).
    connect_failed(str): connecting failed; the reason a person reads.
    accounts_changed(): the list on screen changed (read again after a change set).
    settled(): background work the view started came back and is on screen.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..providers.platforms import oauth
from ..providers.platforms.errors import NAMES
from ..runtime.events import Changed
from ..settings import PublishSettings
from ..store.accounts import AccountView
from . import dialogs
from .app_context import AppContext
from .connect_dialog import PLATFORMS, ConnectDialog
from .operations import accounts as account_ops
from .operations.base import Outcome, reason

__all__ = ["AccountsView", "ConnectDialog", "PLATFORMS", "for_window"]

COLUMNS = ("Platform", "Account", "Health", "Token expires")


def _expiry(view: AccountView) -> str:
    if view.token_expires_at is None:
        return "never"
    local = view.token_expires_at.astimezone()
    suffix = " (refreshed automatically)" if view.details.get("refreshable") else ""
    return local.strftime("%Y-%m-%d %H:%M") + suffix


def _health(view: AccountView) -> str:
    """The account's health, plus what the last post learned about the platform's API version."""
    health = view.health(datetime.now(timezone.utc))
    notice = view.details.get("api_notice")
    return f"{health} · {notice}" if notice else health


class AccountsModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[AccountView] = []

    def set_rows(self, rows: list[AccountView]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        view = self.rows[index.row()]
        if role == Qt.ItemDataRole.UserRole:
            return view.id
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return (
            NAMES.get(view.platform, view.platform),
            view.name,
            _health(view),
            _expiry(view),
        )[index.column()]


class AccountsView(QWidget):
    account_connected = Signal(int)
    connect_failed = Signal(str)
    accounts_changed = Signal()
    address_needed = Signal(str)  # from the sign-in: ask the creator for the address the browser landed on

    settled = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, confirm=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._confirm = confirm or (lambda *args: dialogs.confirm(*args))
        self.busy = 0  # background tasks under way
        self.leaving: set[int] = set()  # disconnected, waiting for the toast's Undo to pass: not shown
        self._rows: list[AccountView] = []
        self.sign_in: account_ops.SignIn | None = None
        self._just_connected: int | None = None  # said by name once the list shows it
        self.model = AccountsModel(self)
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)  # the account's name takes the room there is
        self.store_status = QLabel()
        self.store_status.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        connect_button = QPushButton("Connect account…")
        refresh_button = QPushButton("Refresh token")
        disconnect_button = QPushButton("Disconnect…")
        connect_button.clicked.connect(self._on_connect_clicked)
        refresh_button.clicked.connect(self._on_refresh_clicked)
        disconnect_button.clicked.connect(self._on_disconnect_clicked)
        self.refresh_button, self.disconnect_button = refresh_button, disconnect_button
        buttons = QHBoxLayout()
        for button in (connect_button, refresh_button, disconnect_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.cancel_connect_button = QPushButton("Cancel connecting")
        self.cancel_connect_button.setVisible(False)
        self.cancel_connect_button.clicked.connect(self.cancel_connect)
        buttons.addWidget(self.cancel_connect_button)
        self._build_paste_row()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Accounts", objectName="ViewTitle"))
        layout.addWidget(QLabel("Where posts go besides the export folder. Tokens are kept in the keyring, "
                                "never in a file.", objectName="Muted", wordWrap=True))
        layout.addWidget(self.store_status)
        layout.addLayout(buttons)
        layout.addWidget(self.paste_row)
        layout.addWidget(self.table, 1)
        # In the table's place while no account is connected (until the first read, the table).
        self.empty = QLabel("No account connected yet.\n\nFinished videos go to the export folder, ready to upload "
                            "by hand. Connect an account to publish from the app.", objectName="EmptyState",
                            wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.message)
        self.account_connected.connect(self._on_account_connected)
        self.connect_failed.connect(self._on_connect_failed)
        self.address_needed.connect(self._on_address_needed)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        ctx.runner.changed.connect(self._on_changed)
        self._update_store_status()
        self.reload()

    def _build_paste_row(self) -> None:
        """Meta and LinkedIn send the browser to the HTTPS address registered with the app; the
        creator pastes that address here so the app can finish connecting."""
        self.paste_row = QWidget()
        row = QHBoxLayout(self.paste_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.paste_label = QLabel("Paste the address your browser was sent to:")
        self.paste_edit = QLineEdit()
        self.paste_ok = QPushButton("Finish connecting")
        self.paste_cancel = QPushButton("Cancel")
        for widget in (self.paste_label, self.paste_edit, self.paste_ok, self.paste_cancel):
            row.addWidget(widget)
        self.paste_ok.clicked.connect(self._on_paste_ok)
        self.paste_edit.returnPressed.connect(self._on_paste_ok)
        self.paste_cancel.clicked.connect(self.cancel_connect)
        self.paste_row.setVisible(False)

    @property
    def settings(self) -> PublishSettings:
        """The publish settings as they are now (the window replaces them when the creator saves)."""
        return self.ctx.ws.settings.publish

    def _update_store_status(self) -> None:
        """Probe the keyring in the read lane (a desktop keyring answers over D-Bus)."""
        self.store_status.setText("Checking the secret store…")
        self._started()
        account_ops.store_status(
            self.ctx, self._settle(self.store_status.setText),
            self._settle(lambda exc: self.store_status.setText(f"Could not check the secret store: {reason(exc)}")))

    # -- background work ------------------------------------------------------------------------

    def _started(self) -> None:
        self.busy += 1
        self._update_buttons()

    def _settle(self, callback: Callable[[Any], Any]) -> Callable[[Any], None]:
        """``callback``, then one task fewer under way; ``settled`` when none is left."""
        def run(value: Any) -> None:
            if not shiboken6.isValid(self):  # the view was closed while the work ran
                return
            self.busy -= 1
            try:
                callback(value)
            finally:
                self._update_buttons()
                if not self.busy:
                    self.settled.emit()
        return run

    def _update_buttons(self, *_selection: Any) -> None:
        chosen = self.selected_account_id() is not None
        self.refresh_button.setEnabled(not self.busy and chosen)
        self.disconnect_button.setEnabled(not self.busy and chosen)

    def say(self, text: str, *, error: bool = False) -> None:
        """The line under the table: what happened, in red when it failed."""
        self.message.setText(text)
        if self.message.objectName() != ("FailureBanner" if error else ""):
            self.message.setObjectName("FailureBanner" if error else "")
            self.message.style().unpolish(self.message)
            self.message.style().polish(self.message)

    def reload(self, then: Callable[[], None] | None = None) -> None:
        """Read the accounts again, in the read lane; the table keeps its rows meanwhile."""
        def done(rows: list[AccountView]) -> None:
            self._rows = list(rows)
            self._show_rows()
            self._name_connected()
            if then is not None:
                then()

        self._started()
        account_ops.list_accounts(
            self.ctx, self._settle(done),
            self._settle(lambda exc: self.say(f"Could not read the accounts: {reason(exc)}", error=True)))

    def _show_rows(self) -> None:
        """The rows read last, minus those leaving; the chosen account stays chosen."""
        chosen = self.selected_account_id()
        self.model.set_rows([r for r in self._rows if r.id not in self.leaving])
        self.table.setVisible(self.model.rowCount() > 0)
        self.empty.setVisible(self.model.rowCount() == 0)
        proxy = self.table.model()
        for row in range(proxy.rowCount()):
            if chosen is not None and proxy.index(row, 0).data(Qt.ItemDataRole.UserRole) == chosen:
                self.table.selectRow(row)
        self._update_buttons()

    def _name_connected(self) -> None:
        """Say which account was connected, once the list shows it (the change set's read and
        the sign-in's own signal may arrive in either order)."""
        view = next((r for r in self._rows if r.id == self._just_connected), None)
        if view is not None:
            self._just_connected = None
            self.say(f"Connected {account_ops.name_of(view)}.")

    def _on_changed(self, change: Changed) -> None:
        if change.accounts:
            self.reload(then=self.accounts_changed.emit)

    def selected_account_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(Qt.ItemDataRole.UserRole) if rows else None

    # -- connect -----------------------------------------------------------------------------

    def _on_connect_clicked(self) -> None:
        dialog = ConnectDialog(self.settings, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.start_connect(**dialog.values())

    def start_connect(self, platform: str, client: oauth.ClientApp, *, open_url=None, **options: Any) -> threading.Thread | None:
        """Run the browser sign-in on its own thread; the result arrives as a signal."""
        if not client.client_id.strip():  # refused before any listener or browser opens
            self._on_connect_failed(f"the {NAMES[platform]} client id is empty — paste the client id of your app first")
            return None
        if self.sign_in is not None:  # one sign-in at a time: the one before ends quietly
            self.sign_in.address_needed.disconnect(self.address_needed)
            self.sign_in.stop()
        self.message.setText(f"Waiting for {NAMES[platform]} in your browser…")
        self.cancel_connect_button.setVisible(True)
        sign_in = self.sign_in = account_ops.SignIn(self.ctx.runner, self)
        sign_in.done.connect(self._on_sign_in_done)
        sign_in.refused.connect(self._on_sign_in_refused)
        sign_in.address_needed.connect(self.address_needed)
        return account_ops.connect(self.ctx, sign_in, platform, client, open_url=open_url, **options)

    def _on_address_needed(self, redirect_uri: str) -> None:
        self.paste_edit.clear()
        self.paste_edit.setPlaceholderText(f"{redirect_uri}?code=…")
        self.paste_row.setVisible(True)
        self.paste_edit.setFocus()
        self.message.setText("After allowing access, copy the address from your browser's address bar and paste it here.")

    def _on_paste_ok(self) -> None:
        self.paste_row.setVisible(False)
        if self.sign_in is not None:
            self.sign_in.answer(self.paste_edit.text())

    def cancel_connect(self) -> None:
        """Stop connecting at whatever step it is: waiting for the browser or for the pasted address."""
        if self.sign_in is not None:
            self.sign_in.stop()
        self.paste_row.setVisible(False)
        self.cancel_connect_button.setVisible(False)

    def _on_sign_in_done(self, sign_in: account_ops.SignIn, account_id: int) -> None:
        sign_in.deleteLater()  # it has told its last; its thread holds only the wrapper
        if sign_in is self.sign_in:  # not one replaced by a newer sign-in meanwhile
            self.sign_in = None
            self.account_connected.emit(account_id)

    def _on_sign_in_refused(self, sign_in: account_ops.SignIn, why: str) -> None:
        sign_in.deleteLater()
        if sign_in is self.sign_in:
            self.sign_in = None
            self.connect_failed.emit(why)

    def _on_account_connected(self, account_id: int) -> None:
        """The sign-in announced its change set (the list is read again from ``changed``);
        the account is named once it is on screen."""
        self.paste_row.setVisible(False)
        self.cancel_connect_button.setVisible(False)
        self._just_connected = account_id
        self._name_connected()

    def _on_connect_failed(self, why: str) -> None:
        self.paste_row.setVisible(False)
        self.cancel_connect_button.setVisible(False)
        self.say(f"Could not connect: {why}", error=True)
        self._update_store_status()

    # -- refresh, disconnect -----------------------------------------------------------------

    def refresh_account(self, account_id: int) -> None:
        """Ask the platform for a new token, in the network lane."""
        self.say("Refreshing the token…")
        self._started()
        account_ops.refresh_token(self.ctx, account_id, self._settle(self._said))

    def _said(self, outcome: Outcome[account_ops.Said]) -> None:
        self.say(outcome.value.text, error=outcome.value.failed)

    def _on_refresh_clicked(self) -> None:
        account_id = self.selected_account_id()
        if account_id is not None:
            self.refresh_account(account_id)

    def disconnect_account(self, account_id: int) -> None:
        """Take the account off the list at once; it is disconnected once the toast's Undo has passed."""
        view = next((r for r in self._rows if r.id == account_id), None)
        label = account_ops.name_of(view) if view else f"account {account_id}"
        self.leaving.add(account_id)
        self._show_rows()
        self.say(f"Disconnecting {label}…")

        def undone() -> None:
            if not shiboken6.isValid(self):
                return
            self.leaving.discard(account_id)
            self._show_rows()
            self.say(f"{label} stays connected.")

        def done(outcome: Outcome[account_ops.Said]) -> None:
            if not shiboken6.isValid(self):  # the view closed before the toast passed
                return
            self.leaving.discard(account_id)
            self._said(outcome)

        account_ops.disconnect(self.ctx, account_id, label, success=done, undone=undone)

    def _on_disconnect_clicked(self) -> None:
        account_id = self.selected_account_id()
        if account_id is None:
            return
        if self._confirm(self, "Disconnect", "Disconnect this account and remove its tokens from the keyring? "
                         "Its posts stay on the calendar but cannot be published until you connect it again.",
                         "Disconnect"):
            self.disconnect_account(account_id)


def for_window(ctx: AppContext) -> AccountsView:
    """The main window's Accounts view, with the vault and a target's posting options. Its
    publish settings are read at each action, so base URLs or API versions saved in Settings
    apply at once."""
    view = AccountsView(ctx)
    from .vault_dialog import add_vault_button

    add_vault_button(view, ctx, on_opened=view._update_store_status)
    from .target_options import add_options_button

    add_options_button(view, ctx)  # TikTok privacy, the Facebook Page, Threads text only
    return view
