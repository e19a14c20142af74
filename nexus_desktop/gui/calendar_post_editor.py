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
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from PySide6.QtCore import QDateTime, QSize, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
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
from ..domain.errors import IllegalTransition, NexusError
from ..domain.jobs import JobStatus
from ..pipeline import schedule as scheduling
from ..runtime.events import JobsChanged
from ..runtime.runner import STORE
from ..store.post_records import MOVABLE, PostView
from ..store.targets import TargetView
from . import theme
from .app_context import AppContext
from .operations.base import reason
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
    """Signals:
        posts_changed(int): the job whose posts were added, dropped or edited
    """

    posts_changed = Signal(int)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.job_id: int | None = None
        self.boxes: dict[int, QCheckBox] = {}
        self.editors: list[PostTextEditor] = []
        self.hint = QLabel("Tick where it goes: approving makes a post for each.", objectName="Muted", wordWrap=True)
        self.picked: dict[int, set[int]] = {}  # before approval: job id → the targets ticked
        self.targets_row = QGridLayout()  # three to a row: nine networks never widen the window
        self.tabs = QTabWidget()
        self.save_button = QPushButton("Save texts")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.hint)
        column.addLayout(self.targets_row)
        column.addWidget(self.tabs, 1)
        column.addWidget(self.save_button)

    def show_job(self, job_id: int | None) -> None:
        self.job_id = job_id
        if job_id is None:
            self._populate(None)
            return
        ws = self.ctx.ws

        def load() -> _Loaded:
            job = ws.store.jobs.get(job_id)
            if job is None:
                raise LookupError(f"there is no job {job_id}")
            if job.status in WITH_POSTS:
                scheduling.ensure_posts(ws)
            defaults = [t.id for t in scheduling.default_targets(ws)] if job.status is JobStatus.AWAITING_REVIEW else []
            return _Loaded(job_id, job.status, scheduling.targets(ws).list(), scheduling.posts(ws).for_job(job_id),
                           _thumbnails(ws, job_id), scheduling.local_zone(ws.settings), tuple(defaults))

        self._store(load, "Reading the job's posts", self._populate)

    def _populate(self, loaded: _Loaded | None) -> None:
        if loaded is not None and loaded.job_id != self.job_id:
            return
        for box in self.boxes.values():
            self.targets_row.removeWidget(box)
            box.deleteLater()
        self.boxes.clear()
        self.tabs.clear()
        self.editors = []
        active = loaded is not None and loaded.status in WITH_POSTS
        choosing = loaded is not None and loaded.status is JobStatus.AWAITING_REVIEW
        self.hint.setVisible(not active)
        self.hint.setText("Tick where it goes: approving makes a post for each." if choosing
                          else "Where it goes is chosen before approval, and its posts edited after it.")
        self.save_button.setVisible(active)
        if choosing:
            self.picked.setdefault(loaded.job_id, set(loaded.defaults))
            for target in loaded.targets:
                box = QCheckBox(target.name)
                box.setChecked(target.id in self.picked.get(loaded.job_id, set()))
                box.toggled.connect(lambda on, t=target.id, j=loaded.job_id: self._on_picked(j, t, on))
                self.boxes[target.id] = box
                self._place_box(box)
            return
        if not active:
            self.save_button.setEnabled(False)
            return
        chosen = {p.target_id: p for p in loaded.posts}
        for target in loaded.targets:
            box = QCheckBox(target.name)
            post = chosen.get(target.id)
            box.setChecked(post is not None)
            box.setEnabled(post is None or post.status in MOVABLE)
            box.toggled.connect(self._on_targets_toggled)
            self.boxes[target.id] = box
            self._place_box(box)
        for post in loaded.posts:
            editor = PostTextEditor(post, thumbnails=loaded.thumbnails, zone=loaded.zone)
            editor.edited.connect(self._on_edited)
            editor.time_chosen.connect(self._on_time_chosen)
            self.editors.append(editor)
            self.tabs.addTab(editor, post.target_name)
        self._on_edited()

    def _place_box(self, box: QCheckBox) -> None:
        n = len(self.boxes) - 1
        self.targets_row.addWidget(box, n // 3, n % 3)

    def approval_targets(self, job_id: int) -> list[int] | None:
        """The targets ticked for a job before approval (None: the defaults, nothing was shown)."""
        picked = self.picked.get(job_id)
        return sorted(picked) if picked is not None else None

    def _on_picked(self, job_id: int, target_id: int, on: bool) -> None:
        (self.picked.setdefault(job_id, set()).add if on else self.picked.setdefault(job_id, set()).discard)(target_id)

    def _on_time_chosen(self, post_id: int, when: datetime) -> None:
        job_id, ws = self.job_id, self.ctx.ws
        self._store(lambda: scheduling.reschedule(ws, post_id, when), "Setting the time",
                    lambda _view: self._changed(job_id))

    def _on_targets_toggled(self) -> None:
        job_id, ws = self.job_id, self.ctx.ws
        wanted = [target_id for target_id, box in self.boxes.items() if box.isChecked()]
        self._store(lambda: scheduling.choose_targets(ws, job_id, wanted), "Choosing where the job goes",
                    lambda _created: self._changed(job_id))

    def _on_edited(self) -> None:
        problems = [p for e in self.editors for p in e.problems()]
        dirty = any(e.changed for e in self.editors)
        self.save_button.setEnabled(dirty and not problems)
        self.save_button.setToolTip("; ".join(problems))

    def save(self) -> None:
        job_id, repo = self.job_id, scheduling.posts(self.ctx.ws)
        edits = [(e.post.id, e.text()) for e in self.editors if e.changed]

        def work() -> None:
            for post_id, text in edits:
                repo.set_text(post_id, text)

        self._store(work, "Saving the posts' texts", lambda _: self._changed(job_id))

    def _changed(self, job_id: int) -> None:
        self.ctx.runner.notify_jobs_changed(JobsChanged((job_id,)))
        self.posts_changed.emit(job_id)
        self.show_job(job_id)

    def _store(self, fn: Callable[[], Any], description: str, on_done: Callable[[Any], None]) -> None:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, (NexusError, IllegalTransition, LookupError)):
                self.ctx.ops.problem.emit(f"{description} failed", str(exc))
                self.show_job(self.job_id)
                return
            if hasattr(exc, "orig") or isinstance(exc, OSError):  # the database or the disk, not a bug
                self._populate(None)
                self.hint.setText(f"{description} failed: {reason(exc)}")
                return
            raise exc

        self.ctx.runner.submit(fn, lane=STORE, description=description, on_done=on_done, on_failed=failed)


def _qt_zone(zone):
    """A QTimeZone for a zoneinfo zone (UTC for anything without a name)."""
    from PySide6.QtCore import QByteArray, QTimeZone

    key = getattr(zone, "key", None)
    return QTimeZone(QByteArray(key.encode())) if key else QTimeZone.utc()
