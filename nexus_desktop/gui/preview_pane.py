"""Preview and approve: the selected job's videos, narration, thumbnail and script, and its verdict.

Adding a panel
--------------
Another area's panel for the selected job (where it is posted, its metrics)
is a widget made from the ``AppContext`` with a ``show_job(job_id | None)``
method. Add one line to ``PANELS`` below, e.g.::

    PanelSpec("Schedule", JobPostsPanel),

It becomes a tab beside the script's, and is told each time another job is
selected (or None).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QStackedLayout, QVBoxLayout, QWidget

from ..domain.jobs import EDITABLE, JobStatus
from ..domain.stages import Stage
from ..runtime.events import JobsChanged
from ..store.views import JobDetail
from .quality_panel import QualityPanel
from . import dialogs, formatting, icons
from .app_context import AppContext
from .calendar_post_editor import JobPostsPanel
from .elided_label import ElidedLabel
from .format_grid import SideBySide
from .script_editor import ScriptEditor
from .shot_list import ShotListPanel
from .video_player import VideoPlayer

@dataclass(frozen=True)
class PanelSpec:
    title: str  # the tab's name
    factory: Callable[[AppContext], QWidget]  # the widget has show_job(job_id | None)


PANELS: list[PanelSpec] = [PanelSpec("Quality", QualityPanel), PanelSpec("Publish", JobPostsPanel),
                           PanelSpec("Shots", ShotListPanel)]

APPROVABLE = frozenset({JobStatus.AWAITING_REVIEW})
REJECTABLE = frozenset({JobStatus.AWAITING_REVIEW, JobStatus.APPROVED, JobStatus.SCHEDULED})


def media_paths(job_dir: Path, results: dict) -> tuple[dict[str, Path], dict[str, Path], Path | None]:
    """Videos and thumbnails by format, and the narration, from the stages' results."""
    videos = {name: job_dir / v["path"] for name, v in (results.get("render") or {}).get("videos", {}).items()}
    thumbs = {name: job_dir / rel for name, rel in (results.get("visualize") or {}).get("thumbnails", {}).items()}
    audio = ((results.get("narrate") or {}).get("narration") or {}).get("audio_path")
    return videos, thumbs, (job_dir / audio if audio else None)


def banner_text(detail: JobDetail) -> str:
    job = detail.job
    if job.status is JobStatus.FAILED:
        return f"Failed at {job.stage.value}: {job.error or 'no reason recorded'}"
    if job.status is JobStatus.REJECTED:
        return f"Rejected: {job.error or 'no reason given'}"
    if job.status is JobStatus.CANCELLED:
        return "Cancelled. Retry to pick it up where it stopped."
    return (detail.results.get("analyze") or {}).get("notice", "")  # "written offline: ..."


def verdict_note(status: JobStatus) -> str:
    if status is JobStatus.AWAITING_REVIEW:
        return "Watch it, then approve it for the calendar or reject it."
    if status in (JobStatus.APPROVED, JobStatus.SCHEDULED):
        return "Approved. Reject it to take it back."
    if status in (JobStatus.QUEUED, JobStatus.RUNNING):
        return "Still being made."
    return ""


class PreviewPane(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PreviewPane")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.ctx = ctx
        self.detail: JobDetail | None = None

        self.title = ElidedLabel(objectName="PreviewTitle")
        self.meta = ElidedLabel(objectName="PreviewMeta")
        self.banner = QLabel(objectName="FailureBanner", wordWrap=True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.player = VideoPlayer()
        self.side_by_side = SideBySide(self.player)  # "All three" under the player, or G
        self.approve_button = QPushButton(icons.icon("approve", "accent_text"), "Approve")
        self.approve_button.setProperty("primary", True)
        self.approve_button.setToolTip("Approve for scheduling (Ctrl+Enter)")
        self.approve_button.clicked.connect(self.approve)
        self.reject_button = QPushButton(icons.icon("reject", "danger"), "Reject…")
        self.reject_button.setProperty("danger", True)
        self.reject_button.clicked.connect(self.reject)
        self.verdict_note = ElidedLabel(objectName="Muted")
        verdict = QHBoxLayout()
        verdict.setContentsMargins(0, 6, 0, 0)
        verdict.addWidget(self.verdict_note, 1)
        verdict.addWidget(self.reject_button)
        verdict.addWidget(self.approve_button)
        self.editor = ScriptEditor()
        self.editor.apply_requested.connect(self._on_apply_requested)
        self.panels = [spec.factory(ctx) for spec in PANELS]
        for spec, panel in zip(PANELS, self.panels):
            self.editor.tabs.addTab(panel, spec.title)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(6)
        top_layout.addWidget(self.title)
        top_layout.addWidget(self.meta)
        top_layout.addWidget(self.banner)
        top_layout.addWidget(self.side_by_side, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.editor)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 4)
        split.setChildrenCollapsible(False)

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(14, 12, 14, 12)
        content_layout.addWidget(split, 1)
        content_layout.addLayout(verdict)
        self.placeholder = QLabel("Select a job to preview its videos and script.", objectName="EmptyState",
                                  alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.placeholder)
        self._stack.addWidget(content)
        ctx.runner.jobs_changed.connect(self._on_jobs_changed)

    @property
    def job_id(self) -> int | None:
        return self.detail.job.id if self.detail else None

    def show_job(self, job_id: int | None) -> None:
        if job_id == self.job_id:
            return
        self.player.stop()
        self.detail = self.ctx.ws.store.jobs.detail(job_id) if job_id is not None else None
        self._show(reload_media=True, reload_script=True)
        for panel in self.panels:
            panel.show_job(job_id)

    def _show(self, *, reload_media: bool, reload_script: bool) -> None:
        detail = self.detail
        if detail is None:
            self.player.clear()
            self.editor.load(None, editable=False)
            self._stack.setCurrentIndex(0)
            return
        self._stack.setCurrentIndex(1)
        job = detail.job
        self.title.setText(job.title or "(untitled)")
        self.meta.setText(" · ".join(p for p in (job.source_title, job.status_text if job.status is not JobStatus.FAILED
                                                 else "Failed", f"created {formatting.when(job.created_at)}") if p))
        banner = banner_text(detail)
        self.banner.setText(banner)
        self.banner.setVisible(bool(banner))
        self.approve_button.setEnabled(job.status in APPROVABLE)
        self.reject_button.setEnabled(job.status in REJECTABLE)
        self.verdict_note.setText(verdict_note(job.status))
        if reload_media:
            self.player.load(*media_paths(self.ctx.ws.paths.job_dir(job.id), detail.results))
        if reload_script:
            script = (detail.results.get(Stage.ANALYZE.value) or {}).get("script")
            self.editor.load(script, editable=job.status in EDITABLE)

    @Slot(JobsChanged)
    def _on_jobs_changed(self, change: JobsChanged) -> None:
        job_id = self.job_id
        if job_id is None:
            return
        if job_id in change.removed:
            self.show_job(None)
            return
        if job_id not in change.job_ids:
            return
        before = self.detail
        self.detail = self.ctx.ws.store.jobs.detail(job_id)
        if self.detail is None:
            self._show(reload_media=True, reload_script=True)
            return
        media_changed = before is None or any(
            before.results.get(s) != self.detail.results.get(s) for s in ("narrate", "visualize", "render"))
        script_changed = before is None or before.results.get("analyze") != self.detail.results.get("analyze")
        unsaved = self.editor.has_unsaved_edits((self.detail.results.get(Stage.ANALYZE.value) or {}).get("script"))
        if media_changed:
            self.player.stop()
        self._show(reload_media=media_changed, reload_script=script_changed and not unsaved)

    def approve(self) -> None:
        """Approve what the creator sees: unsaved text is saved first; unsaved narration or
        headlines are saved and made again (the old video is not the one approved)."""
        if self.detail is None:
            return
        job_id, redo = self.detail.job.id, self.editor.redo_for_edits()
        if redo is not None:
            self.ctx.ops.edit_script(job_id, self.editor.edited_script(), redo)
            if redo:
                self.ctx.ops.told.emit("Saved your edits; the videos are made again with them. Approve once they are ready.")
                return
        self.ctx.ops.approve([job_id], targets=self.approval_targets(job_id))

    def approval_targets(self, job_id: int) -> list[int] | None:
        """Where the creator chose, in the Publish tab, that this job goes (None: the default targets)."""
        for panel in self.panels:
            chosen = getattr(panel, "approval_targets", None)
            if chosen is not None:
                return chosen(job_id)
        return None

    def has_unsaved_edits(self) -> bool:
        return self.detail is not None and self.editor.redo_for_edits() is not None

    def confirm_leave(self) -> bool:
        """Before showing another job: save, discard or keep unsaved script edits. True to go on."""
        if not self.has_unsaved_edits():
            return True
        choice = dialogs.save_discard_cancel(
            self, "Unsaved script changes",
            f"The script of «{self.detail.job.title}» has changes that are not saved. Save them before leaving it?")
        if choice == "save":
            self.ctx.ops.edit_script(self.detail.job.id, self.editor.edited_script(), self.editor.redo_for_edits())
        elif choice == "discard":
            self.editor.discard()
        return choice != "cancel"

    def reject(self) -> None:
        if self.detail is None:
            return
        reason = dialogs.ask_reason(self, "Reject", f"Why is «{self.detail.job.title}» rejected?")
        if reason is not None:
            self.ctx.ops.reject([self.detail.job.id], reason)

    @Slot(dict, frozenset)
    def _on_apply_requested(self, script: dict, redo: frozenset) -> None:
        if self.detail is not None:
            self.ctx.ops.edit_script(self.detail.job.id, script, redo)
