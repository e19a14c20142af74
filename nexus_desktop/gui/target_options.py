"""Posting options of one target: TikTok's privacy and interactions, the Facebook Page, Threads text only.

Opened from the Accounts view ("Posting options…" on a connected account) and from
the job's Publish tab (the "…" beside a target, while choosing where the job goes). The
choices are the target settings the adapters and their pre-flight enforce
(``pipeline/target_choices.py``); the dialog offers only what can be saved:

- TikTok: the privacy levels TikTok's ``creator_info`` offers this account, read
  off the GUI thread when the dialog opens (Save waits for it). An app that has not
  passed TikTok's audit can only post privately, so "Only me" is chosen and the
  dialog says why. Comments, duets or stitches the account has turned off in TikTok
  stay off, with a word saying so. When TikTok cannot be asked (offline, reconnect
  needed) the dialog says so; the levels are checked again before each post.
- Facebook: one of the Pages the sign-in may post to.
- Threads: text only (the words and the video's link) or the video.

A refused choice is explained in the dialog and nothing is saved.

Signals:
    saved(int): the target's choices were saved (its id).
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import NexusError
from ..pipeline import target_choices as choices_
from ..pipeline.target_choices import PRIVACY_NAMES, UNAUDITED_NOTE, FacebookChoices, ThreadsChoices, TikTokChoices
from ..providers.platforms.tiktok import PRIVATE, CreatorInfo
from ..runtime.lanes import NETWORK, READ
from ..store.targets import TargetView, platform_name
from .app_context import AppContext
from .formatting import count
from .operations import targets as target_ops
from .operations.base import Outcome

INTERACTIONS = (("allow_comment", "comment_disabled", "Allow comments", "comments"),
                ("allow_duet", "duet_disabled", "Allow duets", "duets"),
                ("allow_stitch", "stitch_disabled", "Allow stitches", "stitches"))


def _readable(exc: BaseException) -> str:
    hint = getattr(exc, "hint", None)
    return f"{exc} — {hint}" if hint else str(exc)


class TargetOptionsDialog(QDialog):
    saved = Signal(int)

    def __init__(self, ctx: AppContext, target: TargetView, parent: QWidget | None = None) -> None:
        super().__init__(parent, windowTitle=f"Posting options — {target.name}")
        self.ctx, self.target = ctx, target
        self.current = choices_.choices_of(target)
        self.offer: CreatorInfo | None = None
        self.pages: list[choices_.Page] = []
        self.form = QFormLayout()
        self.below = QVBoxLayout()  # wrapped notes and check boxes: a form row would clip a wrapped label
        self.status = QLabel(objectName="Muted", wordWrap=True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"How posts go to {platform_name(target.platform)} · {target.name}", objectName="ViewTitle"))
        layout.addLayout(self.form)
        layout.addLayout(self.below)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        {"tiktok": self._build_tiktok, "facebook": self._build_facebook, "threads": self._build_threads}[target.platform]()
        self.setMinimumWidth(460)

    # -- TikTok ------------------------------------------------------------------------------------------

    def _build_tiktok(self) -> None:
        current: TikTokChoices = self.current
        self.audited = QCheckBox("My TikTok app has passed TikTok's audit", checked=current.audited)
        self.audited.setToolTip("TikTok reviews apps that post for creators; until then it keeps their posts private")
        self.privacy = QComboBox()
        self.privacy_note = QLabel(UNAUDITED_NOTE, objectName="Muted", wordWrap=True)
        self.interactions: dict[str, QCheckBox] = {}
        self.form.addRow(self.audited)
        self.form.addRow("Who can watch", self.privacy)
        self.below.addWidget(self.privacy_note)
        for field, _flag, text, _noun in INTERACTIONS:
            box = QCheckBox(text, checked=getattr(current, field))
            self.interactions[field] = box
            self.below.addWidget(box)
        self.audited.toggled.connect(self._on_audited_toggled)
        self._fill_privacy((current.privacy_level, PRIVATE))
        self._on_audited_toggled(current.audited)
        self._busy("Asking TikTok what this account may choose…")
        target, ws = self.target, self.ctx.ws
        self.ctx.runner.submit(lambda: choices_.tiktok_offer(ws, target), lane=NETWORK, description="Asking TikTok for its options",
                               on_done=self._on_offer, on_failed=self._on_offer_failed)

    def _fill_privacy(self, levels: tuple[str, ...], keep: str | None = None) -> None:
        keep = keep or self.privacy.currentData() or self.current.privacy_level
        self.privacy.clear()
        for level in dict.fromkeys(levels):
            self.privacy.addItem(PRIVACY_NAMES.get(level, level), level)
        index = self.privacy.findData(keep)
        self.privacy.setCurrentIndex(index if index >= 0 else self.privacy.findData(PRIVATE))

    def _on_audited_toggled(self, audited: bool) -> None:
        if not audited:
            self.privacy.setCurrentIndex(max(0, self.privacy.findData(PRIVATE)))
        self.privacy.setEnabled(audited)
        self.privacy_note.setVisible(not audited)
        self.adjustSize()

    def _on_offer(self, offer: CreatorInfo) -> None:
        self.offer = offer
        wanted = self.current.privacy_level
        self._fill_privacy(offer.privacy_levels, keep=wanted)
        notes = []
        if self.current.audited and wanted not in offer.privacy_levels:
            notes.append(f"TikTok no longer offers '{PRIVACY_NAMES.get(wanted, wanted)}' to this account: choose another.")
        for field, flag, _text, noun in INTERACTIONS:
            box = self.interactions[field]
            if getattr(offer, flag):
                box.setChecked(False)
                box.setEnabled(False)
                box.setToolTip(f"This TikTok account has {noun} turned off in TikTok's own settings")
                notes.append(f"{noun.capitalize()} are off in this account's TikTok settings.")
        self._on_audited_toggled(self.audited.isChecked())
        who = f"@{offer.username}" if offer.username else "this account"
        self._ready(f"TikTok offers {who}: " + ", ".join(PRIVACY_NAMES.get(p, p) for p in offer.privacy_levels) + ". "
                    + " ".join(notes))

    def _on_offer_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, (NexusError, OSError)):
            raise exc  # a bug: on the main thread, so the crash dialog shows it
        self._ready(f"Could not ask TikTok what this account may choose: {_readable(exc)}. "
                    "You can still save; the privacy level is checked again before each post.", problem=True)

    # -- Facebook ----------------------------------------------------------------------------------------

    def _build_facebook(self) -> None:
        self.page = QComboBox()
        self.form.addRow("Post to the Page", self.page)
        self._busy("Reading the Pages this sign-in may post to…")
        target, ws = self.target, self.ctx.ws
        self.ctx.runner.submit(lambda: choices_.facebook_pages(ws, target), lane=READ, description="Reading Facebook Pages",
                               on_done=self._on_pages, on_failed=self._failed)

    def _on_pages(self, pages: list[choices_.Page]) -> None:
        self.pages = pages
        for page in pages:
            self.page.addItem(page.name, page.id)
        current: FacebookChoices = self.current
        index = self.page.findData(current.page_id)
        self.page.setCurrentIndex(max(0, index))
        if not pages:
            self._ready("This Facebook sign-in may not post to any Page. Connect again with a Page you can create "
                        "content on.", problem=True)
            self.save_button.setEnabled(False)
        elif current.page_id and index < 0:
            self._ready("The Page chosen before is not among this sign-in's Pages any more: choose one.", problem=True)
        else:
            self._ready(f"{count(len(pages), 'Page')} this sign-in may post to.")

    # -- Threads -----------------------------------------------------------------------------------------

    def _build_threads(self) -> None:
        current: ThreadsChoices = self.current
        self.text_only = QCheckBox("Text only: post the words and the video's link, not the video", checked=current.text_only)
        self.text_only.setToolTip("Threads fetches a video from a public address; text only needs no storage bucket")
        self.form.addRow(self.text_only)
        self._ready("With the video, Threads fetches it from your storage bucket's public link.")

    # -- saving ------------------------------------------------------------------------------------------

    def chosen(self) -> choices_.Choices:
        if self.target.platform == "tiktok":
            return TikTokChoices(self.audited.isChecked(), str(self.privacy.currentData() or PRIVATE),
                                 **{f: box.isChecked() for f, box in self.interactions.items()})
        if self.target.platform == "facebook":
            return FacebookChoices(str(self.page.currentData() or ""))
        return ThreadsChoices(self.text_only.isChecked())

    def save(self) -> None:
        chosen = self.chosen()
        refused = choices_.problems(chosen, offer=self.offer, pages=self.pages if self.target.platform == "facebook" else None)
        if refused:
            self._ready("Not saved: " + "; ".join(refused) + ".", problem=True)
            return
        self._busy("Saving…")
        target_ops.save_choices(self.ctx, self.target.id, chosen, offer=self.offer, success=self._on_saved,
                                failure=self._failed)

    def _on_saved(self, outcome: Outcome[TargetView]) -> None:
        self.saved.emit(outcome.value.id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, (NexusError, LookupError)):
            raise exc
        self._ready(f"Not saved: {_readable(exc)}", problem=True)

    def _busy(self, text: str) -> None:
        self.status.setText(text)
        self.status.setObjectName("Muted")
        self.save_button.setEnabled(False)

    def _ready(self, text: str, *, problem: bool = False) -> None:
        self.status.setText(text)
        self.status.setObjectName("FieldError" if problem else "Muted")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.save_button.setEnabled(True)
        self.adjustSize()


def add_options_button(view: Any, ctx: AppContext) -> QPushButton:
    """A "Posting options…" button beside the Accounts view's buttons, for the selected account's target."""
    button = QPushButton("Posting options…")
    button.setToolTip("TikTok privacy and interactions, the Facebook Page, Threads text only")
    button.setEnabled(False)

    def selected_platform() -> str | None:
        rows = view.table.selectionModel().selectedRows()
        if not rows:
            return None
        source = view.table.model().mapToSource(rows[0])
        return view.model.rows[source.row()].platform

    def on_selection() -> None:
        platform = selected_platform()
        button.setEnabled(platform in choices_.PLATFORMS)
        button.setToolTip("TikTok privacy and interactions, the Facebook Page, Threads text only" if platform in choices_.PLATFORMS
                          else "Only TikTok, Facebook and Threads accounts have posting options besides their times")

    def open_dialog() -> None:
        account_id = view.selected_account_id()
        if account_id is None:
            return
        def show(target: TargetView | None) -> None:
            if not shiboken6.isValid(view):  # the Accounts view was closed while its target was read
                return
            if target is None:
                ctx.ops.told.emit("This account has no target to post to; connect it again")
                return
            dialog = TargetOptionsDialog(ctx, target, view)
            view.options_dialog = dialog  # kept while open, and for tests
            dialog.open()

        target_ops.account_target(ctx, account_id, show)

    view.table.selectionModel().selectionChanged.connect(lambda *_: on_selection())
    view.model.modelReset.connect(on_selection)
    button.clicked.connect(open_dialog)
    _beside_disconnect(view, button)
    view.options_button = button
    return button


def _beside_disconnect(view: QWidget, button: QPushButton) -> None:
    """Into the Accounts view's row of buttons, after Disconnect (at the top if there is no such row)."""
    top = view.layout()
    for i in range(top.count()):
        row = top.itemAt(i).layout()
        if not isinstance(row, QHBoxLayout):
            continue
        for j in range(row.count()):
            widget = row.itemAt(j).widget()
            if isinstance(widget, QPushButton) and widget is getattr(view, "disconnect_button", None):
                row.insertWidget(j + 1, button)
                return
    top.insertWidget(0, button)
