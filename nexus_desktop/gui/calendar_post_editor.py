"""Where one job goes and what each post says: the Publish tab of the preview pane.

Before approval the targets are ticked (the default ones to start with) and
approving makes posts only for those. After approval ticking a target adds a post
there (with the script's text for that platform), unticking drops the post if it
has not gone out. Each post's title, text and hashtags can be edited, with a
counter by the platform's rules (a text too long cannot be saved); each gets an
exact date and time, to the minute, and the thumbnail it goes out with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from PySide6.QtCore import QDateTime, QSize, Signal, Slot
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QGridLayout,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..domain import content
from ..domain.jobs import JobStatus
from ..pipeline import schedule as scheduling
from ..pipeline import target_choices
from ..runtime.events import Changed
from ..runtime.lanes import STORE
from ..store.post_records import MOVABLE, PostView
from ..store.targets import TargetView
from . import theme
from .app_context import AppContext
from .operations import posts as post_ops
from .operations.base import QueryOp, reason
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
WITH_POSTS = (JobStatus.APPROVED, JobStatus.SCHEDULED, JobStatus.PUBLISHED)
MEASURE: dict[str, Callable[[str], int]] = {"x": x_length}  # X counts a link as 23 characters


def _thumbnails(ws, job_id: int) -> dict[str, str]:
    """The job's thumbnails (format → file), for the chooser."""
    found = (ws.store.jobs.results(job_id).get("visualize") or {}).get("thumbnails") or {}
    folder = ws.paths.jobs / f"{job_id:06d}"
    return {name: str(folder / (rel.get("path") if isinstance(rel, dict) else rel)) for name, rel in found.items()}


@dataclass(frozen=True)
class _Loaded:
    job_id: int
    status: JobStatus
    targets: list[TargetView]
    posts: list[PostView]
    thumbnails: dict[str, str]
    zone: Any
    defaults: tuple[int, ...]  # the default targets, ticked before approval


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
        moment = post.scheduled_at or datetime.now(timezone.utc)
        self.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(moment.timestamp())).toTimeZone(_qt_zone(zone)))
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

    def take_newer(self, post: PostView) -> None:
        """The post as the store has it now (moved, published…), keeping what is typed here:
        the typing still counts as unsaved, against the text the post had when it was shown."""
        moved = post.scheduled_at != self.post.scheduled_at
        self.post = replace(post, text=self.post.text)
        if moved and post.scheduled_at is not None:
            self.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(post.scheduled_at.timestamp())).toTimeZone(
                _qt_zone(self.zone)))
        self.set_time_button.setText("Set time" if post.scheduled_at is None else "Move")
        editable = post.status in MOVABLE
        for widget in (self.when, self.set_time_button, self.thumbnail):
            widget.setEnabled(editable)

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


class JobPostsPanel(QWidget):
    """The Publish tab: where the job goes, and each post's text, time and thumbnail.

    It reads in the runner and acts through ``operations.posts``; it re-reads when a change
    set names its job, one of its posts or the targets (unless texts are being edited).
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.job_id: int | None = None
        self.loaded: _Loaded | None = None
        self.boxes: dict[int, QCheckBox] = {}
        self.option_buttons: dict[int, QPushButton] = {}
        self.editors: list[PostTextEditor] = []
        self.options_dialog: QDialog | None = None
        self.hint = QLabel("Tick where it goes: approving makes a post for each.", objectName="Muted", wordWrap=True)
        self.picked: dict[int, set[int]] = {}  # before approval: job id → the targets ticked
        self.targets_box = QWidget()
        self.targets_row = QGridLayout(self.targets_box)  # three to a row: nine networks never widen the window
        self.targets_row.setContentsMargins(0, 0, 0, 0)
        self.choices_note = QLabel(objectName="Muted", wordWrap=True)
        self.tabs = QTabWidget()
        self.save_button = QPushButton("Save texts")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.hint)
        column.addWidget(self.targets_box)
        column.addWidget(self.choices_note)
        column.addWidget(self.tabs, 1)
        column.addWidget(self.save_button)
        ctx.runner.changed.connect(self._on_changed)

    def show_job(self, job_id: int | None) -> None:
        self.job_id = job_id
        if job_id is None:
            self._populate(None)
            return

        def load(ws) -> _Loaded:
            job = ws.store.jobs.get(job_id)
            if job is None:
                raise LookupError(f"there is no job {job_id}")
            if job.status in WITH_POSTS:
                scheduling.ensure_posts(ws)  # a write: this read runs in the store lane
            defaults = [t.id for t in scheduling.default_targets(ws)] if job.status is JobStatus.AWAITING_REVIEW else []
            return _Loaded(job_id, job.status, scheduling.targets(ws).list(), scheduling.posts(ws).for_job(job_id),
                           _thumbnails(ws, job_id), post_ops.zone_of(ws), tuple(defaults))

        QueryOp(self.ctx, load, "Reading the job's posts").success(self._populate).failure(
            self._on_read_failed).run_in_background(lane=STORE)

    def _on_read_failed(self, exc: BaseException) -> None:
        self._populate(None)
        self.hint.setText(f"Could not read where this job goes: {reason(exc)}")

    def _populate(self, loaded: _Loaded | None) -> None:
        if loaded is not None and loaded.job_id != self.job_id:
            return
        if (loaded is not None and self.unsaved and self.loaded is not None and loaded.job_id == self.loaded.job_id
                and {p.id for p in loaded.posts} == {e.post.id for e in self.editors}):
            self._merge_posts(loaded.posts)  # a read begun before the typing: it must not undo it
            return
        self.loaded = loaded
        while self.targets_row.count():
            self.targets_row.takeAt(0).widget().deleteLater()
        self.boxes.clear()
        self.option_buttons.clear()
        self.tabs.clear()
        self.editors = []
        active = loaded is not None and loaded.status in WITH_POSTS
        choosing = loaded is not None and loaded.status is JobStatus.AWAITING_REVIEW
        self.hint.setVisible(not active)
        self.hint.setText("Tick where it goes: approving makes a post for each." if choosing
                          else "Where it goes is chosen before approval, and its posts edited after it.")
        self.save_button.setVisible(active)
        self.choices_note.setText(options_note(loaded.targets) if loaded is not None and (choosing or active) else "")
        self.choices_note.setVisible(bool(self.choices_note.text()))
        if choosing:
            self.picked.setdefault(loaded.job_id, set(loaded.defaults))
            for target in loaded.targets:
                box = self._place_box(target, target.id in self.picked.get(loaded.job_id, set()))
                box.toggled.connect(lambda on, t=target.id, j=loaded.job_id: self._on_picked(j, t, on))
            return
        if not active:
            self.save_button.setEnabled(False)
            return
        chosen = {p.target_id: p for p in loaded.posts}
        for target in loaded.targets:
            post = chosen.get(target.id)
            box = self._place_box(target, post is not None)
            box.setEnabled(post is None or post.status in MOVABLE)
            if post is not None and len(chosen) == 1:  # without a place to go, the job would get the defaults again
                box.setEnabled(False)
                box.setToolTip(LAST_TARGET)
            box.toggled.connect(self._on_targets_toggled)
        for post in loaded.posts:
            editor = PostTextEditor(post, thumbnails=loaded.thumbnails, zone=loaded.zone)
            editor.edited.connect(self._on_edited)
            editor.time_chosen.connect(self._on_time_chosen)
            self.editors.append(editor)
            self.tabs.addTab(editor, post.target_name)
        self._on_edited()

    def _place_box(self, target: TargetView, ticked: bool) -> QCheckBox:
        """The target's tick box, with an Options… button for a target that has posting options."""
        box = QCheckBox(target.name, checked=ticked)
        cell = QWidget()
        row = QHBoxLayout(cell)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(box)
        if target.platform in target_choices.PLATFORMS:
            button = QPushButton("Options…", objectName="TargetOptions")
            button.setToolTip(f"Posting options of {target.name}: " + OPTION_HINTS[target.platform])
            button.setAccessibleName(f"Posting options of {target.name}")
            button.clicked.connect(lambda _=False, t=target: self.open_options(t))
            row.addWidget(button)
            self.option_buttons[target.id] = button
        row.addStretch(1)
        self.boxes[target.id] = box
        n = len(self.boxes) - 1
        self.targets_row.addWidget(cell, n // 3, n % 3)
        return box

    def open_options(self, target: TargetView) -> QDialog:
        """The target's posting options (TikTok privacy, the Facebook Page, Threads text only)."""
        from .target_options import TargetOptionsDialog

        dialog = TargetOptionsDialog(self.ctx, target, self)
        self.options_dialog = dialog  # kept while open, and for tests
        dialog.open()
        return dialog

    def approval_targets(self, job_id: int) -> list[int] | None:
        """The targets ticked for a job before approval (None: the defaults, nothing was shown)."""
        picked = self.picked.get(job_id)
        return sorted(picked) if picked is not None else None

    def _on_picked(self, job_id: int, target_id: int, on: bool) -> None:
        (self.picked.setdefault(job_id, set()).add if on else self.picked.setdefault(job_id, set()).discard)(target_id)

    def _on_time_chosen(self, post_id: int, when: datetime) -> None:
        before = next((e.post.scheduled_at for e in self.editors if e.post.id == post_id), None)
        post_ops.reschedule(self.ctx, post_ops.Posting.of(self.ctx), post_id, when, before=before,
                            description="Setting the time")

    def _on_targets_toggled(self) -> None:
        wanted = [target_id for target_id, box in self.boxes.items() if box.isChecked()]
        post_ops.choose_targets(self.ctx, self.job_id, wanted)

    def _on_edited(self) -> None:
        problems = [p for e in self.editors for p in e.problems()]
        dirty = any(e.changed for e in self.editors)
        self.save_button.setEnabled(dirty and not problems)
        self.save_button.setToolTip("; ".join(problems))

    @property
    def unsaved(self) -> bool:
        return any(e.changed for e in self.editors)

    def save(self) -> None:
        edits = {e.post.id: e.text() for e in self.editors if e.changed}
        if edits and self.job_id is not None:
            post_ops.save_texts(self.ctx, self.job_id, edits)
            for editor in self.editors:
                editor.saving()  # what is saved now is what a re-read brings back

    @Slot(Changed)
    def _on_changed(self, change: Changed) -> None:
        job_id = self.job_id
        if job_id is None:
            return
        if job_id in change.removed:
            self.show_job(None)
            return
        mine = {p.id for p in self.loaded.posts} if self.loaded is not None else set()
        if change.touches(job_id) or change.posts & mine or change.targets:
            if self.unsaved:  # the creator's typing is not thrown away: only times and states follow
                self._refresh_posts(job_id)
                return
            self.show_job(job_id)

    def _refresh_posts(self, job_id: int) -> None:
        def read(ws) -> list[PostView]:
            return scheduling.posts(ws).for_job(job_id)

        def merge(posts: list[PostView]) -> None:
            if job_id == self.job_id:
                self._merge_posts(posts)

        QueryOp(self.ctx, read, "Reading the job's posts").success(merge).failure(
            self._on_read_failed).run_in_background()

    def _merge_posts(self, posts: list[PostView]) -> None:
        """Newer times and states into the editors shown, their typing kept."""
        newer = {p.id: p for p in posts}
        for editor in self.editors:
            if editor.post.id in newer:
                editor.take_newer(newer[editor.post.id])
        if self.loaded is not None:
            self.loaded = replace(self.loaded, posts=list(posts))


LAST_TARGET = ("An approved job goes to at least one place: tick another one first, or take the approval "
               "back to keep it off the calendar")
OPTION_HINTS = {"tiktok": "privacy and interactions", "facebook": "the Page", "threads": "text only or the video"}


def options_note(targets: list[TargetView]) -> str:
    """One line on the choices of the targets that have posting options (TikTok, Facebook, Threads)."""
    parts = []
    for target in targets:
        if target.platform not in target_choices.PLATFORMS:
            continue
        chosen = target_choices.choices_of(target)
        if isinstance(chosen, target_choices.TikTokChoices):
            allowed = [noun for field, noun in (("allow_comment", "comments"), ("allow_duet", "duets"),
                                                ("allow_stitch", "stitches")) if getattr(chosen, field)]
            text = (target_choices.PRIVACY_NAMES.get(chosen.privacy_level, chosen.privacy_level)
                    + (f", {', '.join(allowed)} on" if allowed else ", no comments, duets or stitches"))
        elif isinstance(chosen, target_choices.FacebookChoices):
            text = "to the Page chosen" if chosen.page_id else "no Page chosen yet"
        else:
            text = "text only" if chosen.text_only else "with the video"
        parts.append(f"{target.name}: {text}")
    return ("Posting options: " + "; ".join(parts) + ".") if parts else ""


def _qt_zone(zone):
    """A QTimeZone for a zoneinfo zone (UTC for anything without a name)."""
    from PySide6.QtCore import QByteArray, QTimeZone

    key = getattr(zone, "key", None)
    return QTimeZone(QByteArray(key.encode())) if key else QTimeZone.utc()
