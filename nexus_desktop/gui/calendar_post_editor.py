"""Where one job goes and what each post says: the Publish tab of the preview pane.

Before approval the targets are ticked (the default ones to start with) and
approving makes posts only for those. After approval ticking a target adds a post
there (with the script's text for that platform), unticking drops the post if it
has not gone out. Each post's title, text and hashtags can be edited, with a
counter by the platform's rules (a text too long cannot be saved); each gets an
exact date and time, to the minute, and the thumbnail it goes out with.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..domain.jobs import JobStatus
from ..pipeline import target_choices
from ..runtime.events import Changed
from ..store.post_records import MOVABLE
from ..store.targets import TargetView
from .app_context import AppContext
from .operations import posts as post_ops
from .operations.base import reason
from .operations import post_reads
from .operations.post_reads import WITH_POSTS, JobPosts
from .calendar_post_text import PostTextEditor

class JobPostsPanel(QWidget):
    """The Publish tab: where the job goes, and each post's text, time and thumbnail.

    It reads in the runner and acts through ``operations.posts``; it re-reads when a change
    set names its job, one of its posts or the targets (unless texts are being edited).
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.job_id: int | None = None
        self.loaded: JobPosts | None = None
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

        post_reads.read_job_posts(self.ctx, job_id, self._populate, self._on_read_failed)

    def _on_read_failed(self, exc: BaseException) -> None:
        if not self.unsaved:  # a failed re-read never takes the creator's unsaved changes with it
            self._populate(None)
        self.hint.setText(f"Could not read where this job goes: {reason(exc)}")
        self.hint.setVisible(True)

    def _populate(self, loaded: JobPosts | None) -> None:
        """Show a read of the job. Every read comes here, also the re-reads after a change from
        elsewhere and reads begun before the creator typed: what the creator changed and has
        not saved (text, a picked time) is kept. The same posts and targets are updated in
        place, the editors untouched; otherwise the tab is rebuilt and each post still there
        gets its editor's unsaved changes back."""
        if loaded is not None and loaded.job_id != self.job_id:
            return
        before, self.loaded = self.loaded, loaded
        if self._same_layout(before, loaded):
            self._update_in_place(loaded)
            return
        older = {e.post.id: e for e in self.editors} if before is not None and loaded is not None and \
            before.job_id == loaded.job_id else {}
        while self.targets_row.count():
            self.targets_row.takeAt(0).widget().deleteLater()
        self.boxes.clear()
        self.option_buttons.clear()
        self.tabs.clear()
        for editor in self.editors:
            editor.deleteLater()
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
        for target in loaded.targets:
            box = self._place_box(target, False)
            box.toggled.connect(self._on_targets_toggled)
        self._set_boxes(loaded)
        for post in loaded.posts:
            editor = PostTextEditor(post, thumbnails=loaded.thumbnails, zone=loaded.zone)
            if post.id in older:
                editor.take_unsaved(older[post.id])
            editor.edited.connect(self._on_edited)
            editor.time_chosen.connect(self._on_time_chosen)
            self.editors.append(editor)
            self.tabs.addTab(editor, post.target_name)
        self._on_edited()

    def _same_layout(self, before: JobPosts | None, loaded: JobPosts | None) -> bool:
        """The read shows the same job's same posts on the same targets, editable as before."""
        return (before is not None and loaded is not None and before.job_id == loaded.job_id
                and before.status in WITH_POSTS and loaded.status in WITH_POSTS and bool(self.editors)
                and [p.id for p in loaded.posts] == [e.post.id for e in self.editors]
                and [t.id for t in before.targets] == [t.id for t in loaded.targets])

    def _update_in_place(self, loaded: JobPosts) -> None:
        newer = {p.id: p for p in loaded.posts}
        for index, editor in enumerate(self.editors):
            editor.take_newer(newer[editor.post.id])
            self.tabs.setTabText(index, editor.post.target_name)
        self._set_boxes(loaded)
        self.choices_note.setText(options_note(loaded.targets))
        self.choices_note.setVisible(bool(self.choices_note.text()))
        self._on_edited()

    def _set_boxes(self, loaded: JobPosts) -> None:
        """Tick the targets the job's posts go to; one whose post has gone out, or the only one
        left, cannot be unticked."""
        chosen = {p.target_id: p for p in loaded.posts}
        for target_id, box in self.boxes.items():
            post = chosen.get(target_id)
            box.blockSignals(True)
            box.setChecked(post is not None)
            box.blockSignals(False)
            only = post is not None and len(chosen) == 1  # without a place to go, the job would get the defaults again
            box.setEnabled((post is None or post.status in MOVABLE) and not only)
            box.setToolTip(LAST_TARGET if only else "")

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
        """Typed text or a picked time not saved yet (kept across re-reads)."""
        return any(e.changed or e.time_pending for e in self.editors)

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
            self.show_job(job_id)  # the creator's unsaved changes are kept by _populate


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
