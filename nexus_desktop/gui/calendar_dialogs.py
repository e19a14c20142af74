"""The two questions the calendar asks: publish now a post whose time has passed, and what
to do with posts missed while the app was closed or the computer slept.

Both open without blocking (``open()``), so the scheduler and the window keep going
while the creator decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMessageBox, QPushButton, QVBoxLayout, QWidget

from ..pipeline.schedule import format_local
from ..store.posts import PostView
from ..store.targets import platform_name

MISSED_LISTED = 12


class PastTimeQuestion(QMessageBox):
    """"Mon 09:00 has passed: publish «title» now?" — Publish now, or leave it where it was."""

    def __init__(self, post: PostView, when_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.post = post
        self.setObjectName("PastTimeQuestion")
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle("That time has passed")
        self.setText(f"{when_text} has already passed.")
        self.setInformativeText(f"Publish «{post.title}» now?")
        self.publish_button = self.addButton("Publish now", QMessageBox.ButtonRole.AcceptRole)
        self.keep_button = self.addButton("Leave it", QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.keep_button)
        self.setWindowModality(Qt.WindowModality.WindowModal)

    @property
    def publish_chosen(self) -> bool:
        return self.clickedButton() is self.publish_button


class MissedPostsDialog(QDialog):
    """Lists the missed posts; accepted means "publish them now", rejected "keep them held"."""

    def __init__(self, posts: Sequence[PostView], zone: tzinfo, why: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="MissedPostsDialog")
        self.posts = list(posts)
        self.setWindowTitle("Posts missed")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        count = len(self.posts)
        heading = QLabel(f"{count} post{'s were' if count != 1 else ' was'} due {why}.", objectName="ViewTitle")
        lines = [f"• {format_local(p.scheduled_at, zone)} — {platform_name(p.style)}: {p.title}" for p in self.posts[:MISSED_LISTED]]
        if count > MISSED_LISTED:
            lines.append(f"… and {count - MISSED_LISTED} more")
        listing = QLabel("\n".join(lines), wordWrap=True)
        listing.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        note = QLabel("Held posts wait on the calendar: drag them to a new time, or publish them from there.",
                      objectName="Muted", wordWrap=True)
        buttons = QDialogButtonBox()
        self.publish_button = QPushButton("Publish now")
        self.publish_button.setProperty("primary", True)
        self.keep_button = QPushButton("Keep them held")
        buttons.addButton(self.publish_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.keep_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(heading)
        column.addWidget(listing)
        column.addWidget(note)
        column.addWidget(buttons)

    @property
    def post_ids(self) -> list[int]:
        return [p.id for p in self.posts]
