"""Typing in a published post's figures, for posts uploaded by hand or networks the app cannot read.

The window's side of ``nexus metrics-add``: one field per measure (empty ones are
left out), and when they were read (now by default; never in the future, never
before the post went out). A field that is not a number says so beside it, the
typed text stays and nothing is saved. Saving runs in the runner's store lane
(``measure_import.type_in``, through ``operations.posts.type_figures``), so the reading counts for analytics and best times.

Signals:
    saved(int): the figures were recorded (the post's id).
"""

from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ..domain.metrics import COUNTS, MEASURES, Figures
from ..store.post_records import PostView
from ..store.targets import platform_name
from .app_context import AppContext
from .operations import posts as post_ops

LABELS = {"views": "Views", "likes": "Likes", "comments": "Comments", "shares": "Shares or reposts", "saves": "Saves",
          "impressions": "Impressions", "reach": "Reach (people)", "clicks": "Link clicks",
          "watch_minutes": "Minutes watched", "avg_view_seconds": "Average view (seconds)"}


def parse(name: str, text: str) -> int | float | None:
    """A field's number (None when empty); ValueError with a sentence when it is not one."""
    cleaned = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError("not a number") from None
    if value < 0 or value != value or value in (float("inf"), float("-inf")):
        raise ValueError("cannot be negative" if value < 0 else "not a number")
    if name in COUNTS:
        if value != int(value):
            raise ValueError("a whole number")
        return int(value)
    return value


class FiguresDialog(QDialog):
    saved = Signal(int)

    def __init__(self, ctx: AppContext, post: PostView, parent: QWidget | None = None, *, now: datetime | None = None) -> None:
        super().__init__(parent, windowTitle="Type in figures")
        self.ctx, self.post = ctx, post
        self.fields: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for name in MEASURES:
            field = QLineEdit(placeholderText="—")
            error = QLabel(objectName="FieldError")
            error.hide()
            field.textEdited.connect(lambda _t, e=error: e.hide())
            self.fields[name], self.errors[name] = field, error
            form.addRow(LABELS[name], field)
            form.addRow("", error)
        moment = (now or datetime.now(timezone.utc)).astimezone()
        self.read_at = QDateTimeEdit(QDateTime(moment.replace(second=0, microsecond=0)), calendarPopup=True)
        self.read_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.read_at.setMaximumDateTime(QDateTime(moment))
        form.addRow("Read on", self.read_at)
        self.status = QLabel(objectName="Muted", wordWrap=True)
        self.status.setText("Fill in what the platform shows; leave the rest empty.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"«{post.title}» on {platform_name(post.style)} · {post.target_name}", wordWrap=True))
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def figures(self) -> Figures | None:
        """The typed figures, or None after marking the fields that are not numbers."""
        values, bad = {}, False
        for name, field in self.fields.items():
            try:
                values[name] = parse(name, field.text())
            except ValueError as exc:
                self.errors[name].setText(f"{LABELS[name]}: {exc}")
                self.errors[name].show()
                bad = True
        return None if bad else Figures(**values)

    def when(self) -> datetime:
        return self.read_at.dateTime().toPython().astimezone(timezone.utc)

    def save(self) -> None:
        figures = self.figures()
        if figures is None:
            self._problem("Not saved: some fields are not numbers.")
            return
        if not any(v is not None for v in figures.to_json().values()):
            self._problem("Not saved: type at least one figure.")
            return
        at = self.when()
        if self.post.published_at is not None and at < self.post.published_at:
            self._problem("Not saved: figures cannot be read before the post went out.")
            return
        self.save_button.setEnabled(False)
        self.status.setText("Saving…")
        post_ops.type_figures(self.ctx, self.post, figures, at, success=self._on_saved, failure=self._on_failed)

    def _on_saved(self, _outcome) -> None:
        self.saved.emit(self.post.id)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self._problem(f"Not saved: {exc}")

    def _problem(self, text: str) -> None:
        self.status.setText(text)
        self.status.setObjectName("FieldError")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

