"""The Jobs view: every job in a table (search, filters, batch actions) beside the preview pane."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QEvent, QItemSelection, QModelIndex, QObject, QPoint, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QStackedLayout,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..domain.jobs import JobStatus
from ..domain.stages import PRODUCTION
from ..runtime.events import Changed
from ..runtime.runner import READ
from ..store.jobs import JobFilter
from ..store.views import JobView
from . import dialogs, icons
from .app_context import AppContext
from .formatting import count, size
from .operations import DeletionSummary, deletion_summary
from .operations import jobs as job_ops
from .jobs_model import CREATED, PROGRESS, SCHEDULED, SOURCE, STAGE, STATUS, TITLE, JobsModel, JobsProxy
from .preview_pane import APPROVABLE, REJECTABLE, PreviewPane
from .progress_delegate import ProgressDelegate

STATUS_FILTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("All statuses", ()),
    ("To review", (JobStatus.AWAITING_REVIEW.value,)),
    ("Queued", (JobStatus.QUEUED.value,)),
    ("Running", (JobStatus.RUNNING.value,)),
    ("Failed", (JobStatus.FAILED.value,)),
    ("Approved", (JobStatus.APPROVED.value,)),
    ("Scheduled", (JobStatus.SCHEDULED.value,)),
    ("Published", (JobStatus.PUBLISHED.value,)),
    ("Rejected", (JobStatus.REJECTED.value,)),
    ("Cancelled", (JobStatus.CANCELLED.value,)),
)
DATE_FILTERS: tuple[tuple[str, int | None], ...] = (
    ("Any time", None), ("Today", 0), ("Last 7 days", 7), ("Last 30 days", 30),
)
SEARCH_DELAY_MS = 250


def created_since(days: int | None, now: datetime | None = None) -> datetime | None:
    """The start of the local day ``days`` days ago, in UTC; None for any time."""
    if days is None:
        return None
    midnight = (now or datetime.now(timezone.utc)).astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - timedelta(days=days)).astimezone(timezone.utc)


TABLE_ROWS_HEIGHT = 200  # the table's share when the preview sits under it (a narrow window)


class JobsView(QWidget):
    """Signals:
        selection_changed(): the selected jobs changed (the window updates its actions).
    """

    selection_changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._watched: QWidget | None = None  # where the width comes from (see _fit_preview)
        self.model = JobsModel(ctx.ws.store, self, submit=lambda work, done, failed: ctx.runner.submit(
            work, lane=READ, on_done=done, on_failed=failed))
        self.model.read_failed.connect(lambda why: ctx.ops.told.emit(f"Could not read the jobs: {why}"))
        self.proxy = JobsProxy(self)
        self.proxy.setSourceModel(self.model)

        self.search = QLineEdit(placeholderText="Search titles and sources")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icons.icon("search", "muted"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.textChanged.connect(self._on_search_typed)
        self.status_filter = self._combo(STATUS_FILTERS)
        self.source_filter = QComboBox()
        self.source_filter.addItem("All sources", None)
        self.date_filter = self._combo(DATE_FILTERS)
        for combo in (self.status_filter, self.source_filter, self.date_filter):
            combo.currentIndexChanged.connect(self.apply_filter)
        # Narrow windows (800 px): the combos shrink to a few letters and the actions that do not
        # fit go behind the tool bar's » button.
        self.search.setMinimumWidth(90)
        for combo in (self.status_filter, self.source_filter, self.date_filter):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(4)
        filters = QHBoxLayout()
        filters.setSpacing(8)
        filters.addWidget(self.search, 3)
        filters.addWidget(self.status_filter, 1)
        filters.addWidget(self.source_filter, 1)
        filters.addWidget(self.date_filter, 1)

        self._build_actions()
        self.selection_label = QLabel(objectName="SelectionLabel")
        self.action_bar = QToolBar(objectName="ActionBar")
        self.action_bar.setIconSize(QSize(16, 16))
        self.action_bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in self.job_actions:
            self.action_bar.addAction(action)
        action_bar = QHBoxLayout()
        action_bar.setSpacing(2)
        action_bar.addWidget(self.action_bar, 1)
        action_bar.addWidget(self.selection_label)

        self.table = QTableView()
        self.table.setModel(self.proxy)
        self._setup_table()
        self.empty = QLabel("No jobs yet.\nAdd a feed (Ctrl+N), then check it for articles (F5).",
                            objectName="EmptyState", alignment=Qt.AlignmentFlag.AlignCenter)
        self._table_stack = QStackedLayout()
        self._table_stack.addWidget(self.table)
        self._table_stack.addWidget(self.empty)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(8)
        left_layout.addLayout(filters)
        left_layout.addLayout(action_bar)
        left_layout.addLayout(self._table_stack, 1)
        self.preview = PreviewPane(ctx)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.preview)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([780, 520])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.addWidget(self.splitter)

        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        ctx.runner.changed.connect(self._on_changed)
        ctx.runner.job_progressed.connect(self.model.on_job_progressed)
        self.model.modelReset.connect(self._on_rows_changed)
        self.model.rowsInserted.connect(self._on_rows_changed)
        self.model.rowsRemoved.connect(self._on_rows_changed)
        self.model.dataChanged.connect(self._on_data_changed)
        self.model.reload()
        self.refresh_sources()
        self._update_actions()

    # -- building ---------------------------------------------------------------------------------

    @staticmethod
    def _combo(choices) -> QComboBox:
        combo = QComboBox()
        for label, value in choices:
            combo.addItem(label, value)
        return combo

    def _action(self, text: str, icon: str, slot, shortcut: QKeySequence | str | None = None, tip: str = "") -> QAction:
        action = QAction(icons.icon(icon), text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            tip = f"{tip or text} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
        action.setToolTip(tip or text)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.run_action = self._action("Run", "run", self.run_selected, tip="Make the videos of the selected jobs")
        self.retry_action = self._action("Retry", "retry", self.retry_selected, tip="Queue failed or cancelled jobs again")
        self.cancel_action = self._action("Cancel", "cancel", self.cancel_selected, tip="Stop the selected jobs")
        self.approve_action = self._action("Approve", "approve", self.approve_selected, "Ctrl+Return",
                                           "Approve for scheduling")
        self.reject_action = self._action("Reject…", "reject", self.reject_selected, tip="Reject with a reason")
        self.restore_action = self._action("Restore", "retry", self.restore_selected,
                                           tip="Take a rejection back: the job waits for review again")
        self.delete_action = self._action("Delete", "delete", self.delete_selected, QKeySequence.StandardKey.Delete,
                                          "Delete the selected jobs")
        self.job_actions = (self.run_action, self.retry_action, self.cancel_action, self.approve_action,
                            self.reject_action, self.restore_action, self.delete_action)
        enter = QAction(self)  # the keypad's Enter approves too
        enter.setShortcut(QKeySequence("Ctrl+Enter"))
        enter.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        enter.triggered.connect(self.approve_selected)
        self._keypad_enter = enter

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_preview()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._fit_preview()
        return super().eventFilter(watched, event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        parent = self.parentWidget()  # in the window: the scroll area's viewport, the width there is to fill
        if parent is not None and parent is not self._watched:
            parent.installEventFilter(self)
            self._watched = parent
        self._fit_preview()

    def _fit_preview(self) -> None:
        """The preview beside the table when both fit the width there is (the window's, not this
        view's: held at its minimum, the view would never find itself narrow), else under it."""
        room = self._watched.width() if self._watched is not None else self.width()
        margins = self.layout().contentsMargins()
        beside = (sum(self.splitter.widget(i).minimumSizeHint().width() for i in range(self.splitter.count()))
                  + self.splitter.handleWidth() + margins.left() + margins.right())
        wanted = Qt.Orientation.Vertical if room < beside else Qt.Orientation.Horizontal
        if self.splitter.orientation() != wanted:
            self.splitter.setOrientation(wanted)
            # Under each other, the view scrolls: the table keeps a few rows above the preview, not one.
            self.splitter.widget(0).setMinimumHeight(TABLE_ROWS_HEIGHT if wanted is Qt.Orientation.Vertical else 0)

    def _setup_table(self) -> None:
        table = self.table
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setSortingEnabled(True)
        table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the model's own order: newest first
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._on_context_menu)
        vertical = table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # measuring 100,000 rows would freeze
        vertical.setDefaultSectionSize(34)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in ((SOURCE, 104), (STAGE, 82), (STATUS, 124), (PROGRESS, 92), (CREATED, 84), (SCHEDULED, 84)):
            header.resizeSection(column, width)
        table.setItemDelegateForColumn(PROGRESS, ProgressDelegate(table))
        for action in (*self.job_actions, self._keypad_enter):
            table.addAction(action)
        table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        table.selectionModel().currentRowChanged.connect(self._on_current_changed)

    # -- filtering ----------------------------------------------------------------------------------

    def current_filter(self) -> JobFilter:
        return JobFilter(
            statuses=self.status_filter.currentData() or (),
            source=self.source_filter.currentData(),
            search=self.search.text().strip(),
            created_from=created_since(self.date_filter.currentData()),
        )

    @Slot()
    def apply_filter(self) -> None:
        where = self.current_filter()
        if where != self.model.where:
            self.model.set_filter(where)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    @Slot(str)
    def _on_search_typed(self, text: str) -> None:
        self.proxy.set_search(text)  # at once, over the rows already loaded
        self._search_timer.start()  # then from the database, once typing pauses

    @Slot()
    def refresh_sources(self) -> None:
        self.ctx.runner.submit(self.ctx.ws.store.jobs.sources, lane=READ, on_done=self._on_sources)

    def _on_sources(self, names: list[str]) -> None:
        chosen = self.source_filter.currentData()
        self.source_filter.blockSignals(True)
        self.source_filter.clear()
        self.source_filter.addItem("All sources", None)
        for name in names:
            self.source_filter.addItem(name, name)
        self.source_filter.setCurrentIndex(max(0, self.source_filter.findData(chosen)))
        self.source_filter.blockSignals(False)

    # -- selection ------------------------------------------------------------------------------------

    def selected_views(self) -> list[JobView]:
        rows = self.table.selectionModel().selectedRows()
        return [self.model.job_at(self.proxy.mapToSource(index).row()) for index in rows]

    def selected_ids(self) -> list[int]:
        return [v.id for v in self.selected_views()]

    def select_job(self, job_id: int) -> bool:
        row = self.model.row_of(job_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    @Slot(QItemSelection, QItemSelection)
    def _on_selection_changed(self, *_) -> None:
        self._update_actions()
        self.selection_changed.emit()

    @Slot(QModelIndex, QModelIndex)
    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        job_id = self.model.job_at(self.proxy.mapToSource(current).row()).id if current.isValid() else None
        shown = self.preview.job_id
        if job_id != shown and shown is not None and not self.preview.confirm_leave():
            QTimer.singleShot(0, lambda: self.select_job(shown))  # stay on the job being edited
            return
        self.preview.show_job(job_id)

    def _update_actions(self) -> None:
        views = self.selected_views()
        statuses = {v.status for v in views}
        runnable = any(v.status is JobStatus.QUEUED and v.stage in PRODUCTION for v in views)
        self.run_action.setEnabled(runnable)
        self.retry_action.setEnabled(bool(statuses & {JobStatus.FAILED, JobStatus.CANCELLED}))
        self.cancel_action.setEnabled(bool(statuses & {JobStatus.QUEUED, JobStatus.RUNNING}))
        self.approve_action.setEnabled(bool(statuses & APPROVABLE))
        self._keypad_enter.setEnabled(self.approve_action.isEnabled())
        self.reject_action.setEnabled(bool(statuses & REJECTABLE))
        self.restore_action.setEnabled(JobStatus.REJECTED in statuses)
        self.delete_action.setEnabled(bool(views) and JobStatus.RUNNING not in statuses)
        self.selection_label.setText(f"{count(len(views), 'job')} selected" if len(views) > 1 else "")

    @Slot(Changed)
    def _on_changed(self, change: Changed) -> None:
        if change.feeds:
            self.refresh_sources()
        if change.touches_jobs:
            self.model.on_changed(change)
            self._update_actions()

    def _on_data_changed(self, top_left: QModelIndex, *_) -> None:
        if top_left.column() == 0:  # a whole row was re-read, not just a progress tick
            self._update_actions()

    def _on_rows_changed(self, *_) -> None:
        empty = self.model.rowCount() == 0 and not self.model.canFetchMore()
        self._table_stack.setCurrentWidget(self.empty if empty and self.model.where == JobFilter() else self.table)

    def _on_context_menu(self, point: QPoint) -> None:
        menu = QMenu(self)
        for action in self.job_actions:
            menu.addAction(action)
        menu.exec(self.table.viewport().mapToGlobal(point))

    # -- batch actions -----------------------------------------------------------------------------------

    def run_selected(self) -> None:
        ids = [v.id for v in self.selected_views() if v.status is JobStatus.QUEUED]
        if ids:
            job_ops.run(self.ctx, ids)

    def run_selected_or_all(self) -> None:
        if any(v.status is JobStatus.QUEUED for v in self.selected_views()):
            self.run_selected()
        else:
            job_ops.run_all(self.ctx)

    def retry_selected(self) -> None:
        ids = [v.id for v in self.selected_views() if v.status in (JobStatus.FAILED, JobStatus.CANCELLED)]
        if ids:
            job_ops.retry(self.ctx, ids)

    def cancel_selected(self) -> None:
        ids = [v.id for v in self.selected_views() if v.status in (JobStatus.QUEUED, JobStatus.RUNNING)]
        if ids:
            job_ops.cancel(self.ctx, ids)

    def approve_selected(self) -> None:
        ids = [v.id for v in self.selected_views() if v.status in APPROVABLE]
        if self.preview.job_id in ids:
            ids.remove(self.preview.job_id)
            self.preview.approve()  # saves unsaved edits first, and goes where the Publish tab says
        if ids:
            job_ops.approve(self.ctx, ids)

    def reject_selected(self) -> None:
        ids = [v.id for v in self.selected_views() if v.status in REJECTABLE]
        if not ids:
            return
        reason = dialogs.ask_reason(self, "Reject", f"Why {'is this job' if len(ids) == 1 else f'are these {len(ids)} jobs'} rejected?")
        if reason is not None:
            job_ops.reject(self.ctx, ids, reason)

    def delete_selected(self) -> None:
        """Ask first, saying what goes: the disk space freed and the posts that will not go out."""
        views = [v for v in self.selected_views() if v.status is not JobStatus.RUNNING]
        if not views:
            return
        ids, ws = [v.id for v in views], self.ctx.ws
        self.ctx.runner.submit(lambda: deletion_summary(ws, ids), lane=READ,
                               on_done=lambda summary: self._confirm_delete(views, summary))

    def _confirm_delete(self, views: list[JobView], summary: DeletionSummary) -> None:
        what = f"«{views[0].title}»" if len(views) == 1 else count(len(views), "job")
        text = f"Delete {what}? This frees {size(summary.bytes)} on disk (videos, narration, images)."
        if summary.posts:
            text += "\n\nThese posts go too and will not be published:\n" + "\n".join(f"• {p}" for p in summary.posts)
        text += f"\n\n{'Its article' if len(views) == 1 else 'Their articles'} will not be made into a job again."
        if dialogs.confirm(self, "Delete jobs", text, "Delete"):
            job_ops.delete(self.ctx, [v.id for v in views], size(summary.bytes))

    def restore_selected(self) -> None:
        ids = [v.id for v in self.selected_views() if v.status is JobStatus.REJECTED]
        if ids:
            job_ops.reopen(self.ctx, ids)
