"""The Accounts view: connect platform accounts, see their health, refresh, disconnect.

Connecting runs the browser sign-in on a worker thread (the window never waits);
its result comes back as a signal. Several accounts per platform are fine.

Signals:
    account_connected(int): an account was connected or reconnected (its id).
    connect_failed(str): connecting failed; the reason a person reads.
    accounts_changed(): the list changed (connect, refresh, disconnect).
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
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .. import secrets
from ..domain.errors import Cancelled, NexusError
from ..providers.platforms import network_connect, oauth, registry
from ..providers.platforms.errors import NAMES
from ..settings import PublishSettings
from ..store.accounts import AccountRepo, AccountView

if TYPE_CHECKING:
    from .app_context import AppContext

COLUMNS = ("Platform", "Account", "Health", "Token expires")
# The networks with a sign-in the app runs: OAuth from the description, or network_connect's own.
PLATFORMS = tuple(d.name for d in registry.descriptions() if d.oauth is not None or d.name in network_connect.FORMS)


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
    def __init__(self, accounts: AccountRepo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.accounts = accounts
        self.rows: list[AccountView] = []
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self.rows = self.accounts.list()
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


class ConnectDialog(QDialog):
    """Platform, the creator's own app credentials, and a short guide for getting them."""

    def __init__(self, settings: PublishSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect an account")
        self.settings = settings
        self.platform = QComboBox()
        for platform in PLATFORMS:
            self.platform.addItem(NAMES[platform], platform)
        self.guide = QLabel()
        self.guide.setWordWrap(True)
        self.guide.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # to copy the redirect
        self.guide.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.guide_area = QScrollArea()
        self.guide_area.setWidgetResizable(True)
        self.guide_area.setWidget(self.guide)
        self.guide_area.setMinimumHeight(220)
        self.setMinimumWidth(640)
        self.client_id = QLineEdit()
        self.client_secret = QLineEdit()
        self.client_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.config_id = QLineEdit()
        self.config_id.setPlaceholderText("Facebook Login for Business → Configurations → Configuration ID")
        self.as_page = QCheckBox("Also post as a company page (asks for w_organization_social)")
        self.authorize_url = QLineEdit()
        self.token_url = QLineEdit()
        self.port = QLineEdit(str(oauth.DEFAULT_PORT))
        form = QFormLayout()
        self.form = form
        form.addRow("Platform", self.platform)
        form.addRow(self.guide_area)
        form.addRow("Client id", self.client_id)
        form.addRow("Client secret", self.client_secret)
        form.addRow("Configuration ID", self.config_id)
        form.addRow(self.as_page)
        form.addRow("Sign-in page (advanced)", self.authorize_url)
        form.addRow("Token endpoint (advanced)", self.token_url)
        form.addRow("Redirect port", self.port)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.open_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.open_button.setText("Open the browser")
        self.client_id.textChanged.connect(self._update_open_button)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.platform.currentIndexChanged.connect(self._on_platform_changed)
        self._on_platform_changed()

    def _on_platform_changed(self) -> None:
        platform = self.platform.currentData()
        own = network_connect.FORMS.get(platform)
        if own is not None:  # a network with its own sign-in (providers/platforms/network_connect.py)
            self.guide.setText(registry.description(platform).guide)
            self.authorize_url.setText(own.address_default)
            self.token_url.clear()
            labels = {self.client_id: own.client_id, self.client_secret: own.client_secret, self.authorize_url: own.address}
            for field, label in labels.items():
                self.form.setRowVisible(field, bool(label))
                if label and self.form.labelForField(field) is not None:
                    self.form.labelForField(field).setText(label)
            for field in (self.token_url, self.config_id, self.as_page):
                self.form.setRowVisible(field, False)
            self.form.setRowVisible(self.port, own.loopback)
            self.open_button.setText("Open the browser" if own.browser else "Connect")
            self._update_open_button()
            return
        prov = oauth.provider(platform, self.settings)
        self.guide.setText(prov.guide)
        self.authorize_url.setText(prov.authorize_url)
        self.token_url.setText(prov.token_url)
        for field, label in ((self.client_id, "Client id"), (self.client_secret, "Client secret"),
                             (self.authorize_url, "Sign-in page (advanced)")):
            self.form.setRowVisible(field, True)
            self.form.labelForField(field).setText(label)
        self.form.setRowVisible(self.token_url, True)
        self.form.setRowVisible(self.config_id, prov.scope_param == "config_id")
        self.form.setRowVisible(self.as_page, prov.platform == "linkedin")
        self.form.setRowVisible(self.port, prov.redirect == "loopback")
        self.open_button.setText("Open the browser")
        self._update_open_button()

    def _update_open_button(self) -> None:
        """An empty client id is refused here, before any browser opens."""
        self.open_button.setEnabled(bool(self.client_id.text().strip()))

    def values(self) -> dict[str, Any]:
        platform = self.platform.currentData()
        extra = ("w_organization_social",) if platform == "linkedin" and self.as_page.isChecked() else ()
        return {
            "platform": platform,
            "client": oauth.ClientApp(self.client_id.text().strip(), self.client_secret.text().strip() or None,
                                      config_id=self.config_id.text().strip(), extra_scopes=extra),
            "authorize_endpoint": self.authorize_url.text().strip() or None,
            "token_endpoint": self.token_url.text().strip() or None,
            "port": int(self.port.text() or 0),
        }


class AccountsView(QWidget):
    account_connected = Signal(int)
    connect_failed = Signal(str)
    accounts_changed = Signal()
    address_needed = Signal(str)  # from the connect worker: ask the creator for the address the browser landed on

    def __init__(self, accounts: AccountRepo, settings: PublishSettings, parent: QWidget | None = None, *,
                 current_settings: Callable[[], PublishSettings] | None = None) -> None:
        super().__init__(parent)
        self.accounts = accounts
        self._settings = current_settings or (lambda: settings)
        self.model = AccountsModel(accounts, self)
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
        self.account_connected.connect(self._on_account_connected)
        self.connect_failed.connect(self._on_connect_failed)
        self.address_needed.connect(self._on_address_needed)
        self._cancel = threading.Event()
        self._answers: queue.Queue[str | None] = queue.Queue()
        self._update_store_status()

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
        self.store_status.setText(secrets.status().message)

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
        kwargs = {"cancel": self._cancel, "ask_address": self._ask_address, **options}
        if open_url is not None:
            kwargs["open_url"] = open_url

        def work() -> None:
            try:
                connect = network_connect.connect if platform in network_connect.FORMS else oauth.connect
                view = connect(platform, client, accounts=self.accounts, settings=self.settings, **kwargs)
            except Cancelled:
                self.connect_failed.emit("connecting was cancelled; nothing was saved")
            except NexusError as exc:
                self.connect_failed.emit(str(exc))
            except Exception as exc:  # a bug: still tell the creator instead of waiting forever
                self.connect_failed.emit(f"connecting failed unexpectedly: {type(exc).__name__}: {exc}")
            else:
                self.account_connected.emit(view.id)

        worker = threading.Thread(target=work, name=f"connect-{platform}", daemon=True)
        worker.start()
        return worker

    def _ask_address(self, redirect_uri: str) -> str | None:
        """On the worker thread: show the paste row and wait for the creator (None when cancelled)."""
        self.address_needed.emit(redirect_uri)
        while not self._cancel.is_set():
            try:
                return self._answers.get(timeout=0.1)
            except queue.Empty:
                continue
        return None

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
        view = self.accounts.get(account_id)
        self.message.setText(f"Connected {NAMES.get(view.platform, view.platform)} account {view.name}." if view else "")
        self.model.reload()
        self.accounts_changed.emit()

    def _on_connect_failed(self, reason: str) -> None:
        self.paste_row.setVisible(False)
        self.cancel_connect_button.setVisible(False)
        self.message.setText(f"Could not connect: {reason}")
        self._update_store_status()

    # -- refresh, disconnect -----------------------------------------------------------------

    def refresh_account(self, account_id: int) -> None:
        try:
            oauth.AccountTokens(account_id, self.accounts, self.settings).refresh()
            self.message.setText("Token refreshed.")
        except NexusError as exc:
            self.message.setText(f"Could not refresh: {exc}")
        self.model.reload()
        self.accounts_changed.emit()

    def _on_refresh_clicked(self) -> None:
        account_id = self.selected_account_id()
        if account_id is not None:
            self.refresh_account(account_id)

    def disconnect_account(self, account_id: int) -> None:
        try:
            oauth.disconnect(account_id, self.accounts)
            self.message.setText("Disconnected; its tokens were removed from the keyring.")
        except NexusError as exc:
            self.message.setText(f"Could not disconnect: {exc}")
        self.model.reload()
        self.accounts_changed.emit()

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
    view = AccountsView(ctx.ws.store.accounts, ctx.ws.settings.publish, current_settings=lambda: ctx.ws.settings.publish)
    from .vault_dialog import add_vault_button

    add_vault_button(view, ctx.ws.paths.data, on_opened=view._update_store_status)
    from .target_options import add_options_button

    add_options_button(view, ctx)  # TikTok privacy, the Facebook Page, Threads text only
    return view
