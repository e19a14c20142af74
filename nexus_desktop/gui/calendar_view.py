"""The Calendar view: posts on a month or week grid, or as a list of what comes next.

Each post is a chip (platform mark, title, status colour). Dragging a chip to
another day or hour moves the post; dragging an approved post from the side
list gives it a time; clicking a chip opens its job. Times are stored in UTC and
shown in the creator's zone, which the view names. A time that has passed asks
whether to publish now, and posts missed while the app was closed or the
computer slept are listed for the creator to publish or keep held.

Publishing belongs to the app, not to this view: it uses the ``PostScheduler``
in the context (the window's, gui/main.py). When ``nexus daemon`` publishes for
this data folder the context has none; the view says so and publishing now only
marks posts due for the daemon. Built alone (tests), it starts its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from PySide6.QtCore import QModelIndex, QPoint, QSortFilterProxyModel, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..pipeline import schedule as scheduling
from ..runtime.events import Changed
from ..runtime.scheduler import PostScheduler
from ..store.post_records import PostView
from .app_context import AppContext
from .calendar_actions import PostActions
from .calendar_chips import PostChip
from .calendar_good_hours import GoodHoursLegend
from .calendar_grid import MonthGrid, WeekGrid, monday_of
from .calendar_models import POST_ROLE, SORT_ROLE, UpcomingModel, UnscheduledModel
from .operations import post_reads
from .operations import posts as post_ops
from .operations.post_reads import CalendarRead
from .operations.base import reason

log = logging.getLogger(__name__)

MONTH, WEEK, LIST = "month", "week", "list"
REFRESH_DELAY_MS = 150  # bursts of changes (a batch of publishes) become one re-read
SIDE_PAGE = 100  # approved posts the side list reads at a time; "Show more" reads the next page
STOP_SECONDS = 5.0  # at exit, how long an upload under way may take to finish


class CalendarView(QWidget):
    """Signals:
        job_opened(int): the creator clicked a post; the job's id
        refreshed(): the grid, the lists and the side list show the store's latest state
    """

    job_opened = Signal(int)
    refreshed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, scheduler: PostScheduler | None = None,
                 clock: Callable[[], datetime] = scheduling.utcnow) -> None:
        super().__init__(parent)
        self.ctx, self.ws, self.clock = ctx, ctx.ws, clock
        self.zone = post_ops.zone_of(ctx.ws)
        self.mode = MONTH
        self.anchor = self._today()
        self.posts: dict[int, PostView] = {}
        self._generation = 0
        self.side_limit = SIDE_PAGE
        self.unscheduled_total = 0
        # Approved jobs of an older store that have no posts yet get theirs a batch at a
        # time after the first read; the next batch starts after this job id (None: done).
        self._drafting_after: int | None = 0
        self._drafting = False
        self._dialogs: list[QWidget] = []  # open questions, kept alive while shown
        self.actions = PostActions(self)  # moving, publishing, scheduling: calendar_actions.py

        self.scheduler = scheduler or ctx.scheduler or (None if ctx.publisher else self._start_scheduler())
        if self.scheduler is not None:
            self.scheduler.posts_changed.connect(self._on_posts_changed)
            self.scheduler.missed_found.connect(self.actions.on_missed_found)
        ctx.runner.changed.connect(self._on_changed)
        self._refresh_timer = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)

        self._build()
        self._show_period()

    def _start_scheduler(self) -> PostScheduler:
        """The app's publisher, stopped when the app quits or the window that holds the view goes."""
        scheduler = PostScheduler(self.ws)

        def stop(*_) -> None:
            if not scheduler.stop(timeout=STOP_SECONDS):
                log.info("an upload was still under way at exit; the next start reconciles it")

        self.destroyed.connect(stop)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(stop)
        scheduler.start()
        return scheduler

    # -- layout -----------------------------------------------------------------------------------

    def _build(self) -> None:
        title = QLabel("Calendar", objectName="ViewTitle")
        self.period = QLabel(objectName="CalendarPeriod")
        self.zone_label = QLabel(objectName="Muted")
        previous, today, following = QToolButton(text="◀"), QPushButton("Today"), QToolButton(text="▶")
        previous.setToolTip("Earlier")
        following.setToolTip("Later")
        previous.clicked.connect(lambda: self.step(-1))
        following.clicked.connect(lambda: self.step(1))
        today.clicked.connect(self.go_today)
        self.mode_buttons = QButtonGroup(self)
        modes = QHBoxLayout()
        modes.setSpacing(0)
        for mode, text in ((MONTH, "Month"), (WEEK, "Week"), (LIST, "List")):
            button = QToolButton(text=text, checkable=True, objectName=f"mode-{mode}")
            button.setChecked(mode == self.mode)
            button.clicked.connect(lambda _=False, m=mode: self.set_mode(m))
            self.mode_buttons.addButton(button)
            modes.addWidget(button)
        self.schedule_all_button = QPushButton("Schedule all approved")
        self.schedule_all_button.setToolTip("Give every approved post without a time the next free slot of its target")
        self.schedule_all_button.clicked.connect(self.actions.schedule_all)
        rules_button = QPushButton("Posting times…")
        rules_button.setToolTip("When each target posts: days, times, posts a day, hours apart")
        rules_button.clicked.connect(self.actions.edit_posting_times)
        bar = QHBoxLayout()
        for widget in (title, previous, today, following, self.period):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addLayout(modes)
        # The scheduling buttons get a row of their own, so the calendar fits an 800 px window.
        self.tools = QHBoxLayout()
        self.tools.addStretch(1)
        self.tools.addWidget(self.schedule_all_button)
        self.tools.addWidget(rules_button)

        self.month = MonthGrid()
        self.week = WeekGrid()
        for grid in (self.month, self.week):
            grid.post_dropped.connect(self._on_post_dropped)
        self.month.day_opened.connect(self.open_day)
        self.upcoming = UpcomingModel(self)
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.upcoming)
        proxy.setSortRole(SORT_ROLE)
        self.list = QTableView(sortingEnabled=True, objectName="UpcomingPosts")
        self.list.setModel(proxy)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.verticalHeader().hide()
        self.list.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)  # date and time, whole
        self.list.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)  # at most 200 rows
        self.list.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.list.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.list.doubleClicked.connect(self._on_list_activated)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._on_list_menu)
        self.stack = QStackedWidget()
        for widget in (self.month, self.week, self.list):
            self.stack.addWidget(widget)

        self.unscheduled = UnscheduledModel(self)
        self.side = QListView(objectName="UnscheduledPosts")
        self.side.setModel(self.unscheduled)
        self.side.setDragEnabled(True)
        self.side.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.side.doubleClicked.connect(lambda index: self.open_job(index.data(POST_ROLE).job_id))
        side_title = QLabel("Approved, not scheduled")
        side_hint = QLabel("Drag a post onto a day or an hour.", objectName="Muted", wordWrap=True)
        self.side_more = QLabel(objectName="Muted", wordWrap=True)
        self.side_more_button = QPushButton(f"Show {SIDE_PAGE} more", objectName="ShowMoreUnscheduled")
        self.side_more_button.setToolTip("List the next approved posts without a time")
        self.side_more_button.clicked.connect(self.show_more_unscheduled)
        side_box = QWidget()
        side_column = QVBoxLayout(side_box)
        side_column.setContentsMargins(6, 0, 0, 0)
        for widget in (side_title, side_hint, self.side, self.side_more, self.side_more_button):
            side_column.addWidget(widget)
        self._show_side_count()

        split = QSplitter()
        split.addWidget(self.stack)
        split.addWidget(side_box)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        column = QVBoxLayout(self)
        if self.ctx.publisher is not None:
            self.publisher_note = QLabel(
                f"Posts are published by {self.ctx.publisher.describe()}; this window does not publish itself.",
                objectName="Banner", wordWrap=True)
            column.addWidget(self.publisher_note)
        column.addLayout(bar)
        column.addLayout(self.tools)
        column.addWidget(split, 1)
        self.legend = GoodHoursLegend()
        self.legend.shading_toggled.connect(lambda _on: self.refresh())
        column.addWidget(self.legend)
        column.addWidget(self.zone_label)

    # -- navigation --------------------------------------------------------------------------------

    def open_day(self, day: date) -> None:
        """Show one day in full (its "+N more"): the week holding it, at its first post."""
        self.anchor = day
        self.set_mode(WEEK)
        first = min((p.scheduled_at.astimezone(self.zone) for p in self.posts.values()
                     if p.scheduled_at and p.scheduled_at.astimezone(self.zone).date() == day), default=None)
        if first is not None:
            QTimer.singleShot(0, lambda: self.week.scroll_to_hour(first.hour))

    def _today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        for button in self.mode_buttons.buttons():
            button.setChecked(button.objectName() == f"mode-{mode}")
        self._show_period()

    def step(self, direction: int) -> None:
        if self.mode == MONTH:
            month = self.anchor.replace(day=1) + timedelta(days=32 * direction if direction > 0 else -1)
            self.anchor = month.replace(day=1)
        else:
            self.anchor += timedelta(weeks=direction)
        self._show_period()

    def go_today(self) -> None:
        self.anchor = self._today()
        self._show_period()

    def show_date(self, day: date) -> None:
        self.anchor = day
        self._show_period()

    def _show_period(self) -> None:
        today = self._today()
        if self.mode == MONTH:
            self.month.show_month(self.anchor, today)
            self.period.setText(self.anchor.strftime("%B %Y"))
            self.stack.setCurrentWidget(self.month)
        elif self.mode == WEEK:
            self.week.show_week(self.anchor, today)
            first = monday_of(self.anchor)
            self.period.setText(f"Week of {first:%d %b %Y}".replace(" 0", " "))
            self.stack.setCurrentWidget(self.week)
            QTimer.singleShot(0, lambda: self.week.scroll_to_hour(8))
        else:
            self.period.setText("Upcoming posts")
            self.stack.setCurrentWidget(self.list)
        self.legend.setVisible(self.mode == WEEK)
        self.zone_label.setText(f"Times in {scheduling.zone_label(self.zone, self.clock())}")
        self.refresh()

    # -- reading ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the posts shown, the side list and the upcoming list (in the store lane)."""
        self._generation += 1
        generation, now = self._generation, self.clock()
        grid = self.week if self.mode == WEEK else self.month
        start, end = grid.utc_range(self.zone)
        shade = self.mode == WEEK and self.legend.shading

        post_reads.read_calendar(self.ctx, generation, start=start, end=end, side_limit=self.side_limit, now=now,
                                 good_hours_in=self.zone if shade else None, success=self._on_loaded,
                                 failure=self._on_load_failed)

    def _on_loaded(self, loaded: CalendarRead) -> None:
        if loaded.generation != self._generation:
            return  # a newer read is on its way
        self.posts = {p.id: p for p in (*loaded.shown, *loaded.unscheduled, *loaded.upcoming)}
        self.month.set_posts(loaded.shown, self.zone, self._chip)
        self.week.set_posts(loaded.shown, self.zone, self._chip)
        self.week.set_good_hours(loaded.good or (), self._today())
        if loaded.good is not None:
            self.legend.set_good_hours(loaded.good)
        self.unscheduled.set_posts(loaded.unscheduled)
        self.unscheduled_total = loaded.unscheduled_total
        self._show_side_count()
        self.upcoming.set_posts(loaded.upcoming, self.zone)
        self.schedule_all_button.setEnabled(bool(loaded.unscheduled_total))
        self.refreshed.emit()
        if self._drafting_after is not None and not self._drafting:
            self._draft_next()

    def show_more_unscheduled(self) -> None:
        """The side list's next page ("Show more")."""
        self.side_limit += SIDE_PAGE
        self.refresh()

    def _show_side_count(self) -> None:
        more = max(0, self.unscheduled_total - len(self.unscheduled.posts))
        drafting = "; drafting the posts of older approved jobs…" if self._drafting_after is not None else ""
        self.side_more.setText(f"{more:,} more{drafting}" if more else drafting.lstrip("; ").capitalize())
        self.side_more.setVisible(bool(self.side_more.text()))
        self.side_more_button.setText(f"Show {min(SIDE_PAGE, more):,} more")
        self.side_more_button.setVisible(more > 0)

    def _draft_next(self) -> None:
        """One batch of posts for approved jobs that have none (a short write in the store
        lane, so the creator's own actions queue between batches), then the next."""
        after = self._drafting_after
        if after is None:
            return
        self._drafting = True

        def done(batch: scheduling.Drafted) -> None:
            self._drafting = False
            self._drafting_after = batch.after
            self.unscheduled_total += len(batch.posts)
            if batch.posts and (batch.after is None or len(self.unscheduled.posts) < self.side_limit):
                self._refresh_timer.start()  # new posts would show in the side list: re-read
            self._show_side_count()
            self.schedule_all_button.setEnabled(bool(self.unscheduled_total))
            if batch.after is not None:
                self._draft_next()

        def failed(exc: BaseException) -> None:
            self._drafting, self._drafting_after = False, None
            self._show_side_count()
            self.zone_label.setText(f"Could not draft the posts of approved jobs: {reason(exc)}")

        post_reads.draft_older_posts(self.ctx, after, done, failed)

    def _on_load_failed(self, exc: BaseException) -> None:
        self.zone_label.setText(f"Could not read the calendar: {reason(exc)}")

    def _chip(self, post: PostView, with_time: bool) -> PostChip:
        time_text = post.scheduled_at.astimezone(self.zone).strftime("%H:%M") if with_time and post.scheduled_at else ""
        chip = PostChip(post, time_text, zone=self.zone)
        chip.clicked.connect(lambda _id, job=post.job_id: self.open_job(job))
        chip.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        chip.customContextMenuRequested.connect(lambda point, c=chip: self.actions.post_menu(c.post, c.mapToGlobal(point)))
        return chip

    def chips(self) -> list[PostChip]:
        grid = self.week if self.mode == WEEK else self.month
        return grid.chips()

    # -- the creator's actions ------------------------------------------------------------------------

    @Slot(int, object)
    def _on_post_dropped(self, post_id: int, moment: date | datetime) -> None:
        if isinstance(moment, datetime):  # an hour of the week grid, local
            self.actions.move(post_id, moment.replace(tzinfo=self.zone).astimezone(timezone.utc))
        else:
            post_ops.time_on_day(self.ctx, post_id, moment, lambda when: self.actions.move(post_id, when))

    def _on_list_menu(self, point: QPoint) -> None:
        index = self.list.indexAt(point)
        if index.isValid():
            self.actions.post_menu(index.data(POST_ROLE), self.list.viewport().mapToGlobal(point))

    def _on_list_activated(self, index: QModelIndex) -> None:
        self.open_job(index.data(POST_ROLE).job_id)

    def open_job(self, job_id: int) -> None:
        self.job_opened.emit(job_id)
        window = self.window()
        if hasattr(window, "show_view") and "Jobs" in getattr(window, "views", {}):
            jobs = window.show_view("Jobs")
            if hasattr(jobs, "select_job"):
                jobs.select_job(job_id)

    # -- what others tell the view ---------------------------------------------------------------------

    def refresh_soon(self) -> None:
        """Re-read once after a burst of changes."""
        self._refresh_timer.start()

    @Slot(list)
    def _on_posts_changed(self, _post_ids: list) -> None:
        self._refresh_timer.start()

    @Slot(Changed)
    def _on_changed(self, change: Changed) -> None:
        if change.touches_jobs or change.posts or change.targets:
            self._refresh_timer.start()

    def open_posting_times(self, targets: list) -> None:
        self.actions.open_rules(targets)

    # -- helpers ---------------------------------------------------------------------------------------

    def keep_open(self, dialog: QWidget) -> None:
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self._dialogs.remove(dialog) if dialog in self._dialogs else None)
