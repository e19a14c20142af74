"""The jobs table's model: newest first, loaded a page at a time, refreshed by what changed.

Only the first page is read when the window opens; the view asks for more
(``canFetchMore``/``fetchMore``) as the creator scrolls, so 100,000 jobs cost
no more than 500 to open. Rows are refreshed from the ids in the runner's
``changed`` change sets and ``job_progressed`` signals, never by reloading the table.

In the window every read runs in the runner's read lane (``submit``), one after
another in the order asked, so a later read never lands before an earlier one;
what a read brings is applied on the GUI thread. A model made without ``submit``
(tests of the model alone) reads inline.

Signals:
    read_failed(str): a read failed (a locked or damaged database); the rows stay as they were.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt, Signal, Slot

from .plain_text import tooltip
from ..domain.jobs import JobStatus
from ..domain.stages import PRODUCTION
from ..runtime.events import Changed, JobProgress, overall_percent
from ..store import Store
from ..store.jobs import JobFilter
from ..store.views import JobView
from . import formatting, theme
from ..store.job_pages import count_newer, get_many, matches, newer_than, older_page, scheduled_times

ModelIndex = QModelIndex | QPersistentModelIndex

TITLE, SOURCE, STAGE, STATUS, PROGRESS, CREATED, SCHEDULED = range(7)
HEADERS = ("Title", "Source", "Stage", "Status", "Progress", "Created", "Scheduled")

JOB_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's JobView
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 2  # (percent 0-100, "running" | "done" | "idle")
SORT_ROLE = Qt.ItemDataRole.UserRole + 3

PLACE_ONE_BY_ONE = 50  # more jobs than this arriving among loaded rows: reload instead

STATUS_COLOURS = {
    JobStatus.RUNNING: "accent",
    JobStatus.FAILED: "danger",
    JobStatus.AWAITING_REVIEW: "warning",
    JobStatus.APPROVED: "success",
    JobStatus.SCHEDULED: "success",
    JobStatus.PUBLISHED: "success",
    JobStatus.REJECTED: "muted",
    JobStatus.CANCELLED: "muted",
    JobStatus.QUEUED: "muted",
}


def job_progress(view: JobView, live: JobProgress | None) -> tuple[int, str]:
    """How far through production a job is, for the progress bar."""
    if view.status is JobStatus.RUNNING:
        percent = live.overall if live else overall_percent(view.stage, view.progress)
        return percent, "running"
    if view.stage not in PRODUCTION and view.status is not JobStatus.FAILED:
        return 100, "done"
    return overall_percent(view.stage, 0), "idle"


Submit = Callable[[Callable[[], object], Callable[[object], None], Callable[[BaseException], None]], None]
Read = Callable[[], tuple[Callable[[], object], Callable[[object], None]]]  # on the GUI thread: (work, apply)


class JobsModel(QAbstractTableModel):
    read_failed = Signal(str)

    def __init__(self, store: Store, parent: QObject | None = None, *, page_size: int = 500,
                 submit: Submit | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.page_size = page_size
        self._where = JobFilter()
        self._rows: list[JobView] = []
        self._row_of: dict[int, int] = {}
        self._live: dict[int, JobProgress] = {}
        self._scheduled: dict[int, datetime] = {}
        self._more = False
        self._submit = submit
        self._reads: deque[Read] = deque()
        self._reading = False
        self._generation = 0  # a reset drops what older reads bring
        # Rows taken away by a change (a delete waiting out its Undo) stay away even when a read
        # begun before brings them back from the database; a change naming them again (Undo) or
        # a read that finds them gone ends that.
        self._hidden: set[int] = set()

    # -- reads, one at a time ------------------------------------------------------------------------

    @property
    def reading(self) -> bool:
        """Whether a read is under way or waiting (the rows may be about to change)."""
        return self._reading or bool(self._reads)

    def _read(self, read: Read) -> None:
        self._reads.append(read)
        self._next_read()

    def _next_read(self) -> None:
        while not self._reading and self._reads:
            work, apply = self._reads.popleft()()  # built now, from the rows as they are after earlier reads
            generation = self._generation
            if self._submit is None:
                apply(work())
                continue
            self._reading = True
            self._submit(work, lambda result, g=generation, a=apply: self._read_done(g, a, result), self._read_failed)

    def _read_done(self, generation: int, apply: Callable[[object], None], result: object) -> None:
        self._reading = False
        try:
            if generation == self._generation:
                apply(result)
        finally:
            self._next_read()

    def _read_failed(self, error: BaseException) -> None:
        self._reading = False
        self.read_failed.emit(str(getattr(error, "orig", None) or error) or type(error).__name__)
        self._next_read()

    # -- loading -------------------------------------------------------------------------------

    @property
    def where(self) -> JobFilter:
        return self._where

    def set_filter(self, where: JobFilter) -> None:
        self._where = where
        self.reload()

    def _page(self, oldest: int | None) -> Callable[[], tuple[list[JobView], dict[int, datetime]]]:
        store, where, size = self.store, self._where, self.page_size

        def work() -> tuple[list[JobView], dict[int, datetime]]:
            page = older_page(store, where, oldest, size)
            return page, scheduled_times(store, (v.id for v in page))
        return work

    def reload(self) -> None:
        """Back to the first page (the filter changed, or the database did behind our back)."""
        self._generation += 1
        self._reads.clear()
        self._more = self._fetching = False  # until the first page says

        def apply(result) -> None:
            self.beginResetModel()
            self._rows, self._row_of, self._scheduled = [], {}, {}
            self._more = True
            self._append(*result)
            self.endResetModel()

        self._read(lambda: (self._page(None), apply))

    def canFetchMore(self, parent: ModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and self._more

    def fetchMore(self, parent: ModelIndex = QModelIndex()) -> None:
        if parent.isValid() or not self._more or self._fetching:
            return
        self._fetching = True

        def apply(result) -> None:
            page, scheduled = result
            shown = self._shown(page)
            if not shown:
                self._more = len(page) >= self.page_size
                return
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(shown) - 1)
            self._append(page, scheduled)
            self.endInsertRows()

        def read():
            self._fetching = False
            return self._page(self._rows[-1].id if self._rows else None), apply

        self._read(read)

    _fetching = False  # a further page is asked for; the view asks again as it scrolls

    def _shown(self, views: list[JobView]) -> list[JobView]:
        return [v for v in views if v.id not in self._hidden] if self._hidden else views

    def _append(self, page: list[JobView], scheduled: dict[int, datetime]) -> None:
        start, shown = len(self._rows), self._shown(page)
        self._rows.extend(shown)
        for offset, view in enumerate(shown):
            self._row_of[view.id] = start + offset
        self._scheduled.update(scheduled)
        if len(page) < self.page_size:
            self._more = False

    # -- what changed ----------------------------------------------------------------------------

    @Slot(Changed)
    def on_changed(self, change: Changed) -> None:
        if change.removed:
            self._hidden |= change.removed
            self._remove(tuple(change.removed))
        if change.jobs:
            self._hidden -= change.jobs  # back (an Undo), or changed again
            self._refresh(tuple(sorted(change.jobs)))
        if change.added:
            self._insert_newer()

    @Slot(JobProgress)
    def on_job_progressed(self, update: JobProgress) -> None:
        row = self._row_of.get(update.job_id)
        if row is None:
            return
        self._live[update.job_id] = update
        if self._rows[row].status is not JobStatus.RUNNING or self._rows[row].stage is not update.stage:
            self._refresh((update.job_id,))  # a stage started: show "Running" and its stage now
            return
        index = self.index(row, PROGRESS)
        self.dataChanged.emit(index, index, [PROGRESS_ROLE, Qt.ItemDataRole.ToolTipRole])

    def _refresh(self, job_ids: tuple[int, ...]) -> None:
        store = self.store

        def work() -> tuple[list[JobView], dict[int, datetime]]:
            return get_many(store, job_ids), scheduled_times(store, job_ids)

        self._read(lambda: (work, lambda result: self._apply_refresh(job_ids, *result)))

    def _apply_refresh(self, job_ids: tuple[int, ...], views: list[JobView], scheduled: dict[int, datetime]) -> None:
        fresh = {v.id: v for v in views}
        gone, arrived = [], []
        for job_id in job_ids:
            view, row = fresh.get(job_id), self._row_of.get(job_id)
            if job_id in self._hidden:
                if view is None:
                    self._hidden.discard(job_id)  # gone from the database too
                continue
            if row is None:
                if view is not None and matches(view, self._where) and self._within_loaded(job_id):
                    arrived.append(view)
                continue
            if view is None or not matches(view, self._where):
                gone.append(job_id)
                continue
            if view.status is not JobStatus.RUNNING:
                self._live.pop(job_id, None)
            self._rows[row] = view
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
        self._scheduled.update(scheduled)
        for job_id in job_ids:
            if job_id not in scheduled:
                self._scheduled.pop(job_id, None)
        if gone:
            self._remove(tuple(gone))
        if arrived:
            self._place(arrived)

    def _within_loaded(self, job_id: int) -> bool:
        """Whether a job belongs among the rows read so far (else a later page brings it)."""
        return not self._more or (bool(self._rows) and job_id > self._rows[-1].id)

    def _place(self, views: list[JobView]) -> None:
        """Put jobs that now match the filter where their id puts them (newest first)."""
        if len(views) > PLACE_ONE_BY_ONE:
            self.reload()
            return
        for view in sorted(views, key=lambda v: v.id):
            row = bisect.bisect_left(self._rows, -view.id, key=lambda v: -v.id)
            self.beginInsertRows(QModelIndex(), row, row)
            self._rows.insert(row, view)
            self._reindex()
            self.endInsertRows()

    def _insert_newer(self) -> None:
        store, where, size = self.store, self._where, self.page_size

        def read():
            newest = self._rows[0].id if self._rows else 0

            def work() -> tuple[list[JobView], dict[int, datetime]] | None:
                if count_newer(store, where, newest) > size:
                    return None
                views = newer_than(store, where, newest)
                return views, scheduled_times(store, (v.id for v in views))
            return work, self._apply_newer

        self._read(read)

    def _apply_newer(self, result: tuple[list[JobView], dict[int, datetime]] | None) -> None:
        if result is None:
            self.reload()  # more arrived than a page: start from the newest again
            return
        views, scheduled = result
        views = self._shown(views)
        if not views:
            return
        self.beginInsertRows(QModelIndex(), 0, len(views) - 1)
        self._rows[0:0] = views
        self._reindex()
        self._scheduled.update(scheduled)
        self.endInsertRows()

    def _remove(self, job_ids: tuple[int, ...]) -> None:
        # Highest row first, so earlier rows keep their numbers while removing.
        for row in sorted((self._row_of[i] for i in job_ids if i in self._row_of), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            view = self._rows.pop(row)
            self._live.pop(view.id, None)
            self._scheduled.pop(view.id, None)
            self.endRemoveRows()
        self._reindex()

    def _reindex(self) -> None:
        self._row_of = {view.id: row for row, view in enumerate(self._rows)}

    # -- reading -----------------------------------------------------------------------------------

    def job_at(self, row: int) -> JobView:
        return self._rows[row]

    def row_of(self, job_id: int) -> int | None:
        return self._row_of.get(job_id)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        view = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(view, column)
        if role == JOB_ROLE:
            return view
        if role == PROGRESS_ROLE:
            return job_progress(view, self._live.get(view.id))
        if role == SORT_ROLE:
            return self._sort_key(view, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(view, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            return theme.current().color(STATUS_COLOURS.get(view.status, "text"))
        if role == Qt.ItemDataRole.ForegroundRole and column in (SOURCE, CREATED, SCHEDULED, STAGE):
            return theme.current().color("muted")
        return None

    def _text(self, view: JobView, column: int) -> str:
        if column == TITLE:
            return view.title or "(untitled)"
        if column == SOURCE:
            return view.source_title
        if column == STAGE:
            return view.stage.value.capitalize()
        if column == STATUS:
            return view.status_text
        if column == CREATED:
            return formatting.when(view.created_at)
        if column == SCHEDULED:
            return formatting.when(self._scheduled.get(view.id))
        return ""

    def _tooltip(self, view: JobView, column: int) -> str | None:
        if column == PROGRESS:
            live = self._live.get(view.id)
            return tooltip(live.message if live else (view.progress_message or None))
        if column == STATUS and view.error:
            return tooltip(view.status_text)
        if column == TITLE:
            return tooltip(view.title)
        return None

    def _sort_key(self, view: JobView, column: int):
        if column == CREATED:
            return view.id  # ids grow with creation time, and compare faster
        if column == SCHEDULED:
            moment = self._scheduled.get(view.id)
            return moment.timestamp() if moment else float("inf")
        if column == PROGRESS:
            return job_progress(view, self._live.get(view.id))[0]
        if column == STAGE:
            return view.stage.index
        return self._text(view, column).lower()


class JobsProxy(QSortFilterProxyModel):
    """Sorting by any column, and the search box's instant filter over the loaded rows
    (the model reloads from the database with the same search a moment later)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._needle = ""
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(False)  # progress ticks must not re-sort 100,000 rows

    def set_search(self, text: str) -> None:
        self.beginFilterChange()
        self._needle = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        if not self._needle:
            return True
        view = self.sourceModel().job_at(source_row)
        return self._needle in view.title.lower() or self._needle in view.source_title.lower()
