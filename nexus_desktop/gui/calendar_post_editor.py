"""Where one approved job goes and what each post says: a panel for the preview pane.

Ticking a target adds a post there (with the script's text for that platform),
unticking drops the post if it has not gone out. Each post's title, text and
hashtags can be edited; a text longer than its platform allows cannot be saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
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
from ..store.posts import MOVABLE, PostView
from ..store.targets import TargetView
from . import theme
from .app_context import AppContext

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


@dataclass(frozen=True)
class _Loaded:
    job_id: int
    status: JobStatus
    targets: list[TargetView]
    posts: list[PostView]


class PostTextEditor(QWidget):
    """One post's title, text and hashtags, with the platform's limits."""

    edited = Signal()

    def __init__(self, post: PostView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.post = post
        self.title_limit, self.body_limit = LIMITS.get(post.style, (None, 5000))
        self.title = QLineEdit(str(post.text.get("title") or ""))
        self.body = QPlainTextEdit(str(post.text.get("body") or ""))
        self.hashtags = QLineEdit(" ".join(str(t) for t in post.text.get("hashtags") or ()))
        self.counter = QLabel(objectName="Muted")
        form = QFormLayout(self)
        form.addRow("Title", self.title)
        form.addRow("Text", self.body)
        form.addRow("Hashtags", self.hashtags)
        form.addRow("", self.counter)
        editable = post.status in MOVABLE
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
        if len(self.body.toPlainText()) > self.body_limit:
            found.append(f"the text is {len(self.body.toPlainText())} characters; at most {self.body_limit}")
        return found

    def text(self) -> dict[str, Any]:
        tags = [t for t in self.hashtags.text().replace(",", " ").split() if t]
        return {**self.post.text, "title": self.title.text().strip(), "body": self.body.toPlainText(), "hashtags": tags}

    @property
    def changed(self) -> bool:
        return self.text() != {**self.post.text, "hashtags": list(self.post.text.get("hashtags") or [])}

    def _on_edited(self) -> None:
        self._update_counter()
        self.edited.emit()

    def _update_counter(self) -> None:
        problems = self.problems()
        length = len(self.body.toPlainText())
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
        self.hint = QLabel("Approve the job to choose where it goes.", objectName="Muted", wordWrap=True)
        self.targets_row = QHBoxLayout()
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
            return _Loaded(job_id, job.status, scheduling.targets(ws).list(), scheduling.posts(ws).for_job(job_id))

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
        self.hint.setVisible(not active)
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
            self.targets_row.addWidget(box)
        for post in loaded.posts:
            editor = PostTextEditor(post)
            editor.edited.connect(self._on_edited)
            self.editors.append(editor)
            self.tabs.addTab(editor, post.target_name)
        self._on_edited()

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
            raise exc

        self.ctx.runner.submit(fn, lane=STORE, description=description, on_done=on_done, on_failed=failed)
