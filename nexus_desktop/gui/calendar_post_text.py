"""One post's text, time and thumbnail in the Publish tab (``calendar_post_editor``): the
title, text and hashtags with a counter by the platform's rules, an exact date and time to
the minute, the thumbnail it goes out with. What the creator changed and has not saved
(typed text, a picked time) survives re-reads: ``take_newer`` and ``take_unsaved``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from PySide6.QtCore import QDateTime, QSize, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from ..domain import content
from ..store.post_records import MOVABLE, PostView
from . import theme
from .script_editor import x_length

# How long each platform lets a title and a text be.
LIMITS: dict[str, tuple[int | None, int]] = {
    "youtube": (content.YOUTUBE_TITLE_MAX, content.YOUTUBE_DESCRIPTION_MAX),
    "x": (None, content.X_POST_MAX),
    "instagram": (None, content.INSTAGRAM_CAPTION_MAX),
    "linkedin": (None, content.LINKEDIN_POST_MAX),
    "tiktok": (None, 2200),
    "facebook": (None, 63206),
    "threads": (None, 500),
    "bluesky": (None, 300),
    "mastodon": (None, 500),  # the instance's own limit is checked before publishing
}
MEASURE: dict[str, Callable[[str], int]] = {"x": x_length}  # X counts a link as 23 characters


class PostTextEditor(QWidget):
    """One post's title, text and hashtags, with the platform's limits."""

    edited = Signal()
    time_chosen = Signal(int, datetime)  # post id, the moment (UTC)

    def __init__(self, post: PostView, parent: QWidget | None = None, *, thumbnails: dict[str, str] | None = None,
                 zone=timezone.utc) -> None:
        super().__init__(parent)
        self.post, self.zone = post, zone
        self.title_limit, self.body_limit = LIMITS.get(post.style, (None, 5000))
        self.measure = MEASURE.get(post.style, len)
        self.title = QLineEdit(str(post.text.get("title") or ""))
        self.body = QPlainTextEdit(str(post.text.get("body") or ""))
        self.hashtags = QLineEdit(" ".join(str(t) for t in post.text.get("hashtags") or ()))
        self.counter = QLabel(objectName="Muted")
        self.when = QDateTimeEdit(calendarPopup=True, displayFormat="ddd d MMM yyyy  HH:mm")
        self.when.setTimeZone(_qt_zone(zone))
        self._show_time(post.scheduled_at or datetime.now(timezone.utc))
        self.set_time_button = QPushButton("Set time" if post.scheduled_at is None else "Move")
        self.set_time_button.clicked.connect(self._on_set_time)
        when_row = QHBoxLayout()
        when_row.addWidget(self.when, 1)
        when_row.addWidget(self.set_time_button)
        self.thumbnail = QComboBox()
        self.thumbnail.setIconSize(QSize(48, 48))
        for name, path in (thumbnails or {}).items():
            self.thumbnail.addItem(QIcon(QPixmap(path)), name.replace("x", ":"), name)
        chosen = self.thumbnail.findData(post.text.get("thumbnail"))
        if chosen >= 0:
            self.thumbnail.setCurrentIndex(chosen)
        self.thumbnail.currentIndexChanged.connect(self._on_edited)
        form = QFormLayout(self)
        form.addRow("Title", self.title)
        form.addRow("Text", self.body)
        form.addRow("Hashtags", self.hashtags)
        form.addRow("", self.counter)
        form.addRow("Goes out", when_row)
        if self.thumbnail.count():
            form.addRow("Thumbnail", self.thumbnail)
        editable = post.status in MOVABLE
        self.when.setEnabled(editable)
        self.set_time_button.setEnabled(editable)
        self.thumbnail.setEnabled(editable)
        for field in (self.title, self.hashtags):
            field.setReadOnly(not editable)
            field.textChanged.connect(self._on_edited)
        self.body.setReadOnly(not editable)
        self.body.textChanged.connect(self._on_edited)
        self._update_counter()

    def problems(self) -> list[str]:
        found = []
        if self.title_limit and len(self.title.text()) > self.title_limit:
            found.append(f"the title is {len(self.title.text())} characters; at most {self.title_limit}")
        used = self.measure(self.body.toPlainText())
        if used > self.body_limit:
            found.append(f"the text is {used} characters; at most {self.body_limit}")
        return found

    def text(self) -> dict[str, Any]:
        tags = [t for t in self.hashtags.text().replace(",", " ").split() if t]
        text = {**self.post.text, "title": self.title.text().strip(), "body": self.body.toPlainText(), "hashtags": tags}
        if self.thumbnail.count() and self.thumbnail.currentData() != self.post.text.get("thumbnail", self.thumbnail.itemData(0)):
            text["thumbnail"] = self.thumbnail.currentData()
        return text

    @property
    def changed(self) -> bool:
        return self.text() != {**self.post.text, "hashtags": list(self.post.text.get("hashtags") or [])}

    def saving(self) -> None:
        """The text as typed is being saved: it no longer counts as an unsaved change."""
        self.post = replace(self.post, text=self.text())

    @property
    def time_pending(self) -> bool:
        """The creator picked a date or time and has not pressed Set time (or Move) yet."""
        return self.chosen_time() != self._stored_time

    def _show_time(self, moment: datetime) -> None:
        self.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(moment.timestamp())).toTimeZone(_qt_zone(self.zone)))
        self._stored_time = self.chosen_time()  # what the picker showed from the store: not an edit

    def take_newer(self, post: PostView) -> None:
        """The post as the store has it now (moved, published, its text restored…), keeping
        what the creator changed here and has not saved: typed text still counts as unsaved
        against the text the post had when it was shown, and a date picked but not set
        stays picked. What the creator has not touched follows the store."""
        if self.changed:
            self.post = replace(post, text=self.post.text)
        else:
            self.post = post
            self._show_text(post.text)
        if post.scheduled_at is not None:
            if self.time_pending:
                self._stored_time = post.scheduled_at.replace(second=0, microsecond=0)
            else:
                self._show_time(post.scheduled_at)
        self.set_time_button.setText("Set time" if post.scheduled_at is None else "Move")
        editable = post.status in MOVABLE
        for widget in (self.when, self.set_time_button, self.thumbnail):
            widget.setEnabled(editable)
        for field in (self.title, self.hashtags, self.body):
            field.setReadOnly(not editable)

    def take_unsaved(self, older: PostTextEditor) -> None:
        """The typing and picked time of the editor this one replaces (the panel was rebuilt
        around a change from elsewhere), still unsaved."""
        if older.changed:
            self.post = replace(self.post, text=older.post.text)
            self._show_text(older.text())
        if older.time_pending:
            self.when.setDateTime(older.when.dateTime())

    def _show_text(self, text: dict[str, Any]) -> None:
        for field, value in ((self.title, str(text.get("title") or "")),
                             (self.hashtags, " ".join(str(t) for t in text.get("hashtags") or ()))):
            if field.text() != value:
                field.setText(value)
        if self.body.toPlainText() != (body := str(text.get("body") or "")):
            self.body.setPlainText(body)
        chosen = self.thumbnail.findData(text.get("thumbnail", self.thumbnail.itemData(0)))
        if chosen >= 0 and chosen != self.thumbnail.currentIndex():
            self.thumbnail.setCurrentIndex(chosen)

    def chosen_time(self) -> datetime:
        return datetime.fromtimestamp(self.when.dateTime().toSecsSinceEpoch(), timezone.utc).replace(second=0)

    def _on_set_time(self) -> None:
        self.time_chosen.emit(self.post.id, self.chosen_time())

    def _on_edited(self) -> None:
        self._update_counter()
        self.edited.emit()

    def _update_counter(self) -> None:
        problems = self.problems()
        length = self.measure(self.body.toPlainText())
        self.counter.setText("; ".join(problems) if problems else f"{length} / {self.body_limit} characters")
        self.counter.setStyleSheet(f"color: {theme.current().danger};" if problems else "")


def _qt_zone(zone):
    """A QTimeZone for a zoneinfo zone (UTC for anything without a name)."""
    from PySide6.QtCore import QByteArray, QTimeZone

    key = getattr(zone, "key", None)
    return QTimeZone(QByteArray(key.encode())) if key else QTimeZone.utc()
