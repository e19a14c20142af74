"""The dialog that starts connecting an account: the platform, the creator's own app
credentials, and a short guide for getting them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QScrollArea, QVBoxLayout, QWidget

from ..providers.platforms import network_connect, oauth, registry
from ..providers.platforms.errors import NAMES
from ..settings import PublishSettings

# The networks with a sign-in the app runs: OAuth from the description, or network_connect's own.
PLATFORMS = tuple(d.name for d in registry.descriptions() if d.oauth is not None or d.name in network_connect.FORMS)


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
