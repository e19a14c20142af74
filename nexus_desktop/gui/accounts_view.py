"""The Accounts view: connect platform accounts, see their health, refresh, disconnect.

Connecting runs the browser sign-in on a worker thread (the window never waits);
its result comes back as a signal. Several accounts per platform are fine.

Nothing here touches the database, the network or the keyring on the GUI thread:
reading the list, refreshing a token, disconnecting and probing the keyring run
in the background (the runner's lanes in the window, a worker thread when the
view stands alone), with "Refreshing…" meanwhile and a red message when it fails.

Signals:
    account_connected(int): an account was connected or reconnected (its id).
    connect_failed(str): connecting failed; the reason a person reads.
    accounts_changed(): the list changed (connect, refresh, disconnect).
    settled(): background work the view started came back and is on screen.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .. import secrets
from ..domain.errors import Cancelled, NexusError
from ..providers.platforms import network_connect, oauth
from ..providers.platforms.errors import NAMES
from ..runtime.lanes import NETWORK, READ, STORE
from ..settings import PublishSettings
from .view_threads import ConnectRelay, Worker
from ..store.accounts import AccountRepo, AccountView
from .connect_dialog import PLATFORMS, ConnectDialog
from .operations.base import reason

__all__ = ["AccountsView", "ConnectDialog", "PLATFORMS", "for_window"]

if TYPE_CHECKING:
    from .app_context import AppContext

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


Submit = Callable[..., None]  # submit(fn, on_done=..., on_failed=..., description=..., lane=READ | STORE | NETWORK)


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
    address_needed = Signal(str)  # from the connect worker: ask the creator for the address the browser landed on

    settled = Signal()

    def __init__(self, accounts: AccountRepo, settings: PublishSettings, parent: QWidget | None = None, *,
                 current_settings: Callable[[], PublishSettings] | None = None, submit: Submit | None = None) -> None:
        super().__init__(parent)
        self.accounts = accounts
        self._settings = current_settings or (lambda: settings)
        self._submit = submit or Worker(self).submit
        self.busy = 0  # background tasks under way
        self.model = AccountsModel(self)
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.store_status = QLabel()
        self.store_status.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        connect_button = QPushButton("Connect account…")
        refresh_button = QPushButton("Refresh token")
        disconnect_button = QPushButton("Disconnect")
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
        layout.addWidget(self.store_status)
        layout.addLayout(buttons)
        layout.addWidget(self.paste_row)
        layout.addWidget(self.table)
        layout.addWidget(self.message)
        self._relay = ConnectRelay(self)
        self._relay.connected.connect(self.account_connected)
        self._relay.failed.connect(self.connect_failed)
        self._relay.address_needed.connect(self.address_needed)
        self.account_connected.connect(self._on_account_connected)
        self.connect_failed.connect(self._on_connect_failed)
        self.address_needed.connect(self._on_address_needed)
        self._cancel = threading.Event()
        self._answers: queue.Queue[str | None] = queue.Queue()
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
        return self._settings()

    def _update_store_status(self) -> None:
        """Probe the keyring in the background (a desktop keyring answers over D-Bus)."""
        self.store_status.setText("Checking the secret store…")
        self._background(lambda: secrets.status().message, self.store_status.setText,
                         lambda exc: self.store_status.setText(f"Could not check the secret store: {exc}"),
                         "Checking the secret store")

    # -- background work ------------------------------------------------------------------------

    def _background(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
                    on_failed: Callable[[BaseException], None], description: str, *, lane: str = READ) -> None:
        self.busy += 1
        self._update_buttons()

        def settle(callback: Callable[[Any], None]) -> Callable[[Any], None]:
            def run(value: Any) -> None:
                self.busy -= 1
                try:
                    callback(value)
                finally:
                    self._update_buttons()
                    if not self.busy:
                        self.settled.emit()
            return run

        self._submit(fn, on_done=settle(on_done), on_failed=settle(on_failed), description=description, lane=lane)

    def _update_buttons(self) -> None:
        self.refresh_button.setEnabled(not self.busy)
        self.disconnect_button.setEnabled(not self.busy)

    def say(self, text: str, *, error: bool = False) -> None:
        """The line under the table: what happened, in red when it failed."""
        self.message.setText(text)
        if self.message.objectName() != ("FailureBanner" if error else ""):
            self.message.setObjectName("FailureBanner" if error else "")
            self.message.style().unpolish(self.message)
            self.message.style().polish(self.message)

    def reload(self, then: Callable[[], None] | None = None) -> None:
        """Read the accounts again, in the background; the table keeps its rows meanwhile."""
        accounts = self.accounts

        def done(rows: list[AccountView]) -> None:
            self.model.set_rows(rows)
            if then is not None:
                then()

        self._background(accounts.list, done, lambda exc: self.say(f"Could not read the accounts: {reason(exc)}", error=True),
                         "Reading the accounts")

    def selected_account_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(Qt.ItemDataRole.UserRole) if rows else None

    # -- connect -----------------------------------------------------------------------------

    def _on_connect_clicked(self) -> None:
        dialog = ConnectDialog(self.settings, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.start_connect(**dialog.values())

    def start_connect(self, platform: str, client: oauth.ClientApp, *, open_url=None, **options: Any) -> threading.Thread | None:
        """Run the browser sign-in on a worker thread; the result arrives as a signal."""
        if not client.client_id.strip():  # refused before any listener or browser opens
            self._on_connect_failed(f"the {NAMES[platform]} client id is empty — paste the client id of your app first")
            return None
        self.message.setText(f"Waiting for {NAMES[platform]} in your browser…")
        self._cancel = threading.Event()
        self._answers = queue.Queue()
        self.cancel_connect_button.setVisible(True)
        cancel, answers, relay = self._cancel, self._answers, self._relay
        accounts, settings = self.accounts, self.settings

        def ask_address(redirect_uri: str) -> str | None:
            """On the worker thread: show the paste row and wait for the creator (None when cancelled)."""
            relay.tell("address_needed", redirect_uri)
            while not cancel.is_set():
                try:
                    return answers.get(timeout=0.1)
                except queue.Empty:
                    continue
            return None

        kwargs = {"cancel": cancel, "ask_address": ask_address, **options}
        if open_url is not None:
            kwargs["open_url"] = open_url

        def work() -> None:  # holds no widget: see view_threads.ConnectRelay
            try:
                connect = network_connect.connect if platform in network_connect.FORMS else oauth.connect
                view = connect(platform, client, accounts=accounts, settings=settings, **kwargs)
            except Cancelled:
                relay.tell("failed", "connecting was cancelled; nothing was saved")
            except NexusError as exc:
                relay.tell("failed", str(exc))
            except Exception as exc:  # a bug: still tell the creator instead of waiting forever
                relay.tell("failed", f"connecting failed unexpectedly: {type(exc).__name__}: {exc}")
            else:
                relay.tell("connected", view.id)

        worker = threading.Thread(target=work, name=f"connect-{platform}", daemon=True)
        worker.start()
        return worker

    def _on_address_needed(self, redirect_uri: str) -> None:
        self.paste_edit.clear()
        self.paste_edit.setPlaceholderText(f"{redirect_uri}?code=…")
        self.paste_row.setVisible(True)
        self.paste_edit.setFocus()
        self.message.setText("After allowing access, copy the address from your browser's address bar and paste it here.")

    def _on_paste_ok(self) -> None:
        self.paste_row.setVisible(False)
        self._answers.put(self.paste_edit.text())

    def cancel_connect(self) -> None:
        """Stop connecting at whatever step it is: waiting for the browser or for the pasted address."""
        self._cancel.set()
        self._answers.put(None)
        self.paste_row.setVisible(False)
        self.cancel_connect_button.setVisible(False)

    def _on_account_connected(self, account_id: int) -> None:
        self.paste_row.setVisible(False)
        self.cancel_connect_button.setVisible(False)

        def done(rows: list[AccountView]) -> None:
            self.model.set_rows(rows)
            view = next((r for r in rows if r.id == account_id), None)
            self.say(f"Connected {NAMES.get(view.platform, view.platform)} account {view.name}." if view else "")
            self.accounts_changed.emit()

        self._background(self.accounts.list, done, lambda exc: self.say(f"Could not read the accounts: {reason(exc)}", error=True),
                         "Reading the accounts")

    def _on_connect_failed(self, reason: str) -> None:
        self.paste_row.setVisible(False)
        self.cancel_connect_button.setVisible(False)
        self.say(f"Could not connect: {reason}", error=True)
        self._update_store_status()

    # -- refresh, disconnect -----------------------------------------------------------------

    def refresh_account(self, account_id: int) -> None:
        """Ask the platform for a new token, in the background (it waits on the network)."""
        accounts, settings = self.accounts, self.settings

        def work() -> list[AccountView]:
            oauth.AccountTokens(account_id, accounts, settings).refresh()
            return accounts.list()

        self.say("Refreshing the token…")
        self._background(work, lambda rows: self._after_change(rows, "Token refreshed."),
                         lambda exc: self._after_failure("Could not refresh", exc), "Refreshing a token", lane=NETWORK)

    def _after_change(self, rows: list[AccountView], text: str) -> None:
        self.model.set_rows(rows)
        self.say(text)
        self.accounts_changed.emit()

    def _after_failure(self, what: str, exc: BaseException) -> None:
        why = str(exc) if isinstance(exc, (NexusError, OSError)) else f"unexpected {type(exc).__name__}: {reason(exc)}"
        self.say(f"{what}: {why}", error=True)
        self.reload(then=self.accounts_changed.emit)  # the health column says what the platform answered

    def _on_refresh_clicked(self) -> None:
        account_id = self.selected_account_id()
        if account_id is not None:
            self.refresh_account(account_id)

    def disconnect_account(self, account_id: int) -> None:
        accounts = self.accounts

        def work() -> list[AccountView]:
            oauth.disconnect(account_id, accounts)
            return accounts.list()

        self.say("Disconnecting…")
        self._background(work, lambda rows: self._after_change(rows, "Disconnected; its tokens were removed from the keyring."),
                         lambda exc: self._after_failure("Could not disconnect", exc), "Disconnecting an account",
                         lane=STORE)

    def _on_disconnect_clicked(self) -> None:
        account_id = self.selected_account_id()
        if account_id is None:
            return
        answer = QMessageBox.question(self, "Disconnect", "Disconnect this account and remove its tokens?")
        if answer == QMessageBox.StandardButton.Yes:
            self.disconnect_account(account_id)


def for_window(ctx: AppContext) -> AccountsView:
    """The main window's Accounts view: the workspace's accounts, and its publish settings
    read at each action, so base URLs or API versions saved in Settings apply at once."""
    def submit(fn, *, on_done, on_failed, description: str = "", lane: str = READ) -> None:
        ctx.runner.submit(fn, lane=lane, description=description, on_done=on_done, on_failed=on_failed,
                          keep_on_quit=lane == STORE)

    view = AccountsView(ctx.ws.store.accounts, ctx.ws.settings.publish, current_settings=lambda: ctx.ws.settings.publish,
                        submit=submit)
    from .vault_dialog import add_vault_button

    add_vault_button(view, ctx.ws.paths.data, on_opened=view._update_store_status)
    from .target_options import add_options_button

    add_options_button(view, ctx)  # TikTok privacy, the Facebook Page, Threads text only
    return view
