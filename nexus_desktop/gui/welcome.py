"""The first-run welcome: what works with no account, how to connect one, and the
bundled sample feeds in one click.

Shown once, over the main window, while ``settings.ui.welcome_done`` is false;
whichever way it is closed, it is not shown again. Adding the samples is the
same operation as adding any feed (``operations.feeds.add_feeds``): it runs in the
runner's pool and the Feeds and Jobs views refresh from its change set.
"""

from __future__ import annotations

import html
import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from ..resources import sample_feeds
from .app_context import AppContext
from .operations import feeds as feed_ops
from .operations import settings as settings_ops

log = logging.getLogger(__name__)

TITLE = "Welcome to Nexus Desktop"


def show_if_first_run(ctx: AppContext, parent: QWidget) -> WelcomeDialog | None:
    """Open the welcome over ``parent`` (without blocking) unless it was seen before."""
    if ctx.ws.settings.ui.welcome_done:
        return None
    dialog = WelcomeDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


class WelcomeDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(TITLE)
        self.setObjectName("WelcomeDialog")
        self.setMinimumWidth(560)
        heading = QLabel(TITLE, objectName="WelcomeTitle")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)
        self.body = QLabel(self._body_html(), objectName="WelcomeBody")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QDialogButtonBox()
        self.add_samples_button = QPushButton("Add the sample feeds")
        self.add_samples_button.setDefault(True)
        self.skip_button = QPushButton("Start with my own feeds")
        buttons.addButton(self.add_samples_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.skip_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.add_samples_button.clicked.connect(self._on_add_samples_clicked)
        self.skip_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(14)
        layout.addWidget(heading)
        layout.addWidget(self.body)
        layout.addWidget(buttons)

    def _body_html(self) -> str:
        paths = self.ctx.ws.paths
        names = ", ".join(p.name.split(".")[0].replace("-", " ").title() for p in sample_feeds())
        data = html.escape(str(paths.data))
        return (
            "<p>Nexus Desktop turns the articles of the feeds you follow into narrated videos and posts. "
            "You preview and approve each one before anything is published.</p>"
            "<p><b>Everything works offline, with no account.</b> Scripts are written by a summarizer on this "
            "computer, the Piper voice narrates them, title cards are drawn locally and ffmpeg renders the videos. "
            f"Finished videos go to the export folder, ready to upload by hand. Your data stays in {data}.</p>"
            "<p><b>Connecting accounts is optional.</b> Connect YouTube, Instagram, X or LinkedIn under "
            "<i>Accounts</i> to publish from the app; switch on a language model, ElevenLabs voices or a "
            "sync bucket in <i>Settings</i>. Keys and tokens are kept in your system's keyring, never in a file.</p>"
            f"<p>To see it work right away, add the sample feeds ({html.escape(names)}): "
            "they ship with the app, so no network is needed.</p>"
        )

    def _on_add_samples_clicked(self) -> None:
        feed_ops.add_feeds(self.ctx, [str(path) for path in sample_feeds()])
        self.accept()

    def done(self, result: int) -> None:
        """Every way of closing (either button, Esc, the title bar) ends the first run."""
        self._remember_seen()
        super().done(result)

    def _remember_seen(self) -> None:
        settings = self.ctx.ws.settings
        if settings.ui.welcome_done:
            return
        settings.ui.welcome_done = True
        settings_ops.remember(self.ctx, settings, failure=_not_remembered)  # written in the store lane


def _not_remembered(exc: BaseException) -> None:
    log.warning("could not remember that the welcome was seen (%s); it will show again next time", exc)
