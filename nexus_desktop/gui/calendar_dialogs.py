"""The calendar's dialogs: publish now a post whose time has passed; what to do with posts
missed while the app was closed or the computer slept; each target's posting times.

They open without blocking (``open()``), so the scheduler and the window keep going
while the creator decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import UserFixableError
from ..pipeline.schedule import WEEKDAY_NAMES, PostingRules, format_local, rules_for
from ..store.post_records import PostView
from ..store.targets import TargetView, platform_name

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


class _RulesRow:
    """One target's posting times as editable fields."""

    def __init__(self, grid: QGridLayout, row: int, target: TargetView) -> None:
        self.target = target
        rules = rules_for(target)
        grid.addWidget(QLabel(target.name), row, 0)
        self.days = [QCheckBox(name) for name in WEEKDAY_NAMES]
        for day, box in enumerate(self.days):
            box.setChecked(day in rules.weekdays)
            grid.addWidget(box, row, 1 + day)
        self.times = QLineEdit(", ".join(t.strftime("%H:%M") for t in rules.times), placeholderText="09:00, 17:00")
        self.max_per_day = QSpinBox(minimum=1, maximum=48, value=rules.max_per_day, suffix=" a day")
        self.apart = QDoubleSpinBox(minimum=0, maximum=72, value=rules.min_hours_apart, suffix=" h apart", decimals=1)
        for column, widget in enumerate((self.times, self.max_per_day, self.apart), start=8):
            grid.addWidget(widget, row, column)

    def rules(self) -> PostingRules:
        data = {"weekdays": [d for d, box in enumerate(self.days) if box.isChecked()],
                "times": [t.strip() for t in self.times.text().split(",") if t.strip()],
                "max_per_day": self.max_per_day.value(), "min_hours_apart": self.apart.value()}
        try:
            return PostingRules.from_config(data, PostingRules())
        except UserFixableError as exc:
            raise UserFixableError(f"{self.target.name}: {exc.message}", hint="fix its posting times") from exc


class PostingRulesDialog(QDialog):
    """Each target's posting days, local times, posts a day and hours apart. Accepted only
    when every row is valid; ``changed()`` then gives the rules that differ."""

    def __init__(self, targets: Sequence[TargetView], zone_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="PostingRulesDialog")
        self.setWindowTitle("Posting times")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        grid = QGridLayout()
        self.rows = [_RulesRow(grid, row, target) for row, target in enumerate(targets)]
        self.error = QLabel(objectName="Muted", wordWrap=True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(QLabel(f"When each target posts, in {zone_text}. \"Suggest a time\" and "
                                "\"Schedule all approved\" fill these slots.", wordWrap=True))
        column.addLayout(grid)
        column.addWidget(self.error)
        column.addWidget(buttons)

    def changed(self) -> dict[int, PostingRules]:
        return {row.target.id: rules for row in self.rows if (rules := row.rules()) != rules_for(row.target)}

    def _on_save(self) -> None:
        try:
            self.changed()
        except UserFixableError as exc:
            self.error.setText(str(exc))
            return
        self.accept()
