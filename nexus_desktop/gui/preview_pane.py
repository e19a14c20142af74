"""Preview and approve: the selected job's videos, narration, thumbnail and script, and its verdict.

Adding a panel
--------------
Another area's panel for the selected job (where it is posted, its metrics)
is a widget made from the ``AppContext`` with a ``show_job(job_id | None)``
method. Add one line to ``PANELS`` below, e.g.::

    PanelSpec("Schedule", JobPostsPanel),

It becomes a tab beside the script's, and is told each time another job is
selected (or None). A panel reads what it shows through ``operations.reads`` (in
the runner's read lane), never from the store on the GUI thread.

The pane itself reads the job the same way: selecting a job shows "Loading…" if
the read takes more than a moment, then the job, or what went wrong with a Try
again button. It re-reads the job when a change set (``Runner.changed``) names it.

Signals:
    shown(object): the job now shown (its id), or None: the read came back and is on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSplitter, QStackedLayout, QVBoxLayout, QWidget

from ..domain.jobs import EDITABLE, JobStatus
from ..domain.stages import Stage
from ..runtime.events import Changed, JobProgress
from ..runtime.lanes import READ
from ..store.views import JobDetail
from .quality_panel import QualityPanel
from . import dialogs, formatting, icons
from .app_context import AppContext
from .calendar_post_editor import JobPostsPanel
from .elided_label import ElidedLabel
from .format_grid import SideBySide
from .operations import jobs as job_ops
from .operations import reads
from .operations.base import reason
from .script_editor import ScriptEditor
from .shot_list import ShotListPanel
from .video_player import VideoPlayer

@dataclass(frozen=True)
class PanelSpec:
    title: str  # the tab's name
    factory: Callable[[AppContext], QWidget]  # the widget has show_job(job_id | None)


PANELS: list[PanelSpec] = [PanelSpec("Quality", QualityPanel), PanelSpec("Publish", JobPostsPanel),
                           PanelSpec("Shots", ShotListPanel)]

LOADING_DELAY_MS = 150  # a read quicker than this shows no "Loading…" flash
PLACEHOLDER, CONTENT, LOADING, FAILED = range(4)

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
    notices = [(detail.results.get(stage) or {}).get("notice", "") for stage in ("analyze", "visualize")]
    return "\n".join(n for n in notices if n)  # "written offline: …", "no AI clip: …"


def verdict_note(status: JobStatus) -> str:
    if status is JobStatus.AWAITING_REVIEW:
        return "Watch it, then approve it for the calendar or reject it."
    if status in (JobStatus.APPROVED, JobStatus.SCHEDULED):
        return "Approved. Reject it to take it back."
    if status in (JobStatus.QUEUED, JobStatus.RUNNING):
        return "Still being made."
    return ""


class PreviewPane(QWidget):
    shown = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PreviewPane")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.ctx = ctx
        self.detail: JobDetail | None = None
        self._wanted: int | None = None  # the job selected: shown, or being read
        self._reads = 0  # reads under way

        self.title = ElidedLabel(objectName="PreviewTitle")
        self.meta = ElidedLabel(objectName="PreviewMeta")
        self.banner = QLabel(objectName="FailureBanner", wordWrap=True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.hide()
        self.player = VideoPlayer()
        self.player.in_background = self._in_background  # posters decode in the read lane
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
        self.loading = QLabel("Loading the job…", objectName="EmptyState", alignment=Qt.AlignmentFlag.AlignCenter)
        self.failure = QLabel(objectName="FailureBanner", wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        self.failure.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.try_again = QPushButton(icons.icon("retry"), "Try again")
        self.try_again.clicked.connect(self._read_again)
        failed_page = QWidget()
        failed_layout = QVBoxLayout(failed_page)
        failed_layout.addStretch(1)
        failed_layout.addWidget(self.failure)
        failed_layout.addWidget(self.try_again, 0, Qt.AlignmentFlag.AlignHCenter)
        failed_layout.addStretch(1)
        self._stack = QStackedLayout(self)
        for page in (self.placeholder, content, self.loading, failed_page):  # PLACEHOLDER, CONTENT, LOADING, FAILED
            self._stack.addWidget(page)
        self._loading_timer = QTimer(self, singleShot=True, interval=LOADING_DELAY_MS)
        self._loading_timer.timeout.connect(lambda: self._stack.setCurrentIndex(LOADING))
        ctx.runner.changed.connect(self._on_changed)
        ctx.runner.job_progressed.connect(self._on_job_progressed)

    def _in_background(self, work: Callable[[], object], done: Callable[[object], None]) -> None:
        self.ctx.runner.submit(work, lane=READ, description="Reading a poster", on_done=done)

    @property
    def job_id(self) -> int | None:
        """The job on screen (None while another one is being read)."""
        return self.detail.job.id if self.detail else None

    @property
    def page(self) -> int:
        """What the pane shows: PLACEHOLDER, CONTENT, LOADING or FAILED."""
        return self._stack.currentIndex()

    def show_job(self, job_id: int | None) -> None:
        """Show this job (or none): read in the runner's read lane, shown when it comes back."""
        if job_id == self._wanted and (job_id is None or self.page != FAILED):
            return
        self._wanted = job_id
        self.player.stop()
        self.detail = None  # nothing acts on the job left while the next one is read
        for panel in self.panels:
            panel.show_job(job_id)
        if job_id is None:
            self._loading_timer.stop()
            self._show(reload_media=True, reload_script=True)
            self.shown.emit(None)
            return
        self.approve_button.setEnabled(False)
        self.reject_button.setEnabled(False)
        self._loading_timer.start()
        self._read(job_id)

    def _read_again(self) -> None:
        if self._wanted is not None:
            self._stack.setCurrentIndex(LOADING)
            self._read(self._wanted)

    @property
    def up_to_date(self) -> bool:
        """Whether no read is under way: what the pane shows is what the store held."""
        return self._reads == 0

    def _read(self, job_id: int) -> None:
        self._reads += 1
        reads.job_detail(self.ctx, job_id, lambda detail: self._on_read(job_id, detail),
                         lambda exc: self._on_read_failed(job_id, exc))

    def _on_read(self, job_id: int, detail: JobDetail | None) -> None:
        self._reads -= 1
        if job_id != self._wanted:  # the creator moved on meanwhile
            return
        self._loading_timer.stop()
        before, self.detail = self.detail, detail
        if detail is None:  # deleted meanwhile
            self._wanted = None
            self._show(reload_media=True, reload_script=True)
        elif before is None or self.page != CONTENT:
            self._show(reload_media=True, reload_script=True)
        else:
            self._show_changes(before, detail)
        self.shown.emit(self.job_id)

    def _on_read_failed(self, job_id: int, exc: BaseException) -> None:
        self._reads -= 1
        if job_id != self._wanted:
            return
        self._loading_timer.stop()
        self.detail = None
        self.player.stop()
        self.failure.setText(f"Could not read this job: {reason(exc)}\n\nNothing was changed. Try again, or restart "
                             "the app if the database stays unreadable.")
        self._stack.setCurrentIndex(FAILED)

    def _show(self, *, reload_media: bool, reload_script: bool) -> None:
        detail = self.detail
        if detail is None:
            self.player.clear()
            self.editor.load(None, editable=False)
            self._stack.setCurrentIndex(PLACEHOLDER)
            return
        self._stack.setCurrentIndex(CONTENT)
        job = detail.job
        self.title.setText(job.title or "(untitled)")
        self._show_state(detail)
        if reload_media:
            self.player.load(*media_paths(self.ctx.ws.paths.job_dir(job.id), detail.results))
        if reload_script:
            script = (detail.results.get(Stage.ANALYZE.value) or {}).get("script")
            self.editor.load(script, editable=job.status in EDITABLE)

    def _show_state(self, detail: JobDetail) -> None:
        """The line under the title, the banner and what the verdict buttons allow."""
        job = detail.job
        self.meta.setText(" · ".join(p for p in (job.source_title, job.status_text if job.status is not JobStatus.FAILED
                                                 else "Failed", f"created {formatting.when(job.created_at)}") if p))
        banner = banner_text(detail)
        self.banner.setText(banner)
        self.banner.setVisible(bool(banner))
        self.approve_button.setEnabled(job.status in APPROVABLE)
        self.reject_button.setEnabled(job.status in REJECTABLE)
        self.verdict_note.setText(verdict_note(job.status))

    @Slot(JobProgress)
    def _on_job_progressed(self, update: JobProgress) -> None:
        """A stage of the shown job started: say "Running" now, without reading the job again
        (the store is re-read when the stage ends)."""
        detail = self.detail
        if detail is None or update.job_id != detail.job.id or self._reads:
            return
        if detail.job.status not in (JobStatus.QUEUED, JobStatus.RUNNING) or (
                detail.job.status is JobStatus.RUNNING and detail.job.stage is update.stage):
            return  # a late report about a job already cancelled or finished changes nothing
        self.detail = replace(detail, job=replace(detail.job, status=JobStatus.RUNNING, stage=update.stage))
        self._show_state(self.detail)

    @Slot(Changed)
    def _on_changed(self, change: Changed) -> None:
        job_id = self._wanted  # shown, or still being read (a read that started earlier may be stale)
        if not change.touches(job_id):
            return
        if job_id in change.removed:
            self.show_job(None)
            return
        self._read(job_id)

    def _show_changes(self, before: JobDetail, detail: JobDetail) -> None:
        """The same job, read again: reload only what changed, and keep unsaved script edits."""
        media_changed = any(before.results.get(s) != detail.results.get(s) for s in ("narrate", "visualize", "render"))
        script_changed = before.results.get("analyze") != detail.results.get("analyze")
        unsaved = self.editor.has_unsaved_edits((detail.results.get(Stage.ANALYZE.value) or {}).get("script"))
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
            job_ops.edit_script(self.ctx, job_id, self.editor.edited_script(), redo)
            if redo:
                self.ctx.ops.told.emit("Saved your edits; the videos are made again with them. Approve once they are ready.")
                return
        job_ops.approve(self.ctx, [job_id], targets=self.approval_targets(job_id))

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
            job_ops.edit_script(self.ctx, self.detail.job.id, self.editor.edited_script(), self.editor.redo_for_edits())
        elif choice == "discard":
            self.editor.discard()
        return choice != "cancel"

    def reject(self) -> None:
        if self.detail is None:
            return
        reason = dialogs.ask_reason(self, "Reject", f"Why is «{self.detail.job.title}» rejected?")
        if reason is not None:
            job_ops.reject(self.ctx, [self.detail.job.id], reason)

    @Slot(dict, frozenset)
    def _on_apply_requested(self, script: dict, redo: frozenset) -> None:
        if self.detail is not None:
            job_ops.edit_script(self.ctx, self.detail.job.id, script, redo)
