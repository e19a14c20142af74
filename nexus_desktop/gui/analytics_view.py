"""Analytics: the top posts of a period with their latest figures, totals per platform,
feed or format, and the curves of the selected post's job across its platforms.

Everything is read in the runner's READ lane through the metrics repository (one SQL
query for the posts, one for the totals); the view only lays out what comes back.

Signals:
    refreshed(): the tables and charts show the latest read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..pipeline.measure import metrics
from ..pipeline.schedule import utcnow
from ..runtime.lanes import READ
from ..store.metrics import PostFigures, Reading, Total
from . import analytics_charts, dialogs, icons
from .analytics_model import POST_ROLE, PostFiguresModel, TotalsModel
from .app_context import AppContext
from .operations import analytics as analytics_ops

TOP = 500  # posts listed; the CSV export writes every post of the period
PERIODS = (("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90), ("Last year", 365), ("All time", 0))
GROUPS = (("Platform", "platform"), ("Feed", "feed"), ("Format", "format"))


@dataclass(frozen=True)
class _Curves:
    post_id: int
    job_id: int
    title: str
    series: dict[str, tuple[float, list[Reading]]]
    note: str


@dataclass(frozen=True)
class _Loaded:
    generation: int
    posts: list[PostFigures]
    totals: list[Total]
    count: int
    curves: _Curves | None  # of the post selected after the read, in the same trip


def _read_curves(ws, post: PostFigures) -> _Curves:
    from ..pipeline import title_tests

    repo, series = metrics(ws), {}
    for other in repo.posts(job_ids=[post.job_id]):
        published = (other.published_at or other.recorded_at).timestamp()
        series[f"{other.platform} #{other.post_id}"] = (published, repo.series(other.post_id))
    return _Curves(post.post_id, post.job_id, post.title, series, title_tests.describe_for_job(ws, post.job_id))


class AnalyticsView(QWidget):
    refreshed = Signal()
    curves_shown = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, clock=utcnow, days: int = 30) -> None:
        super().__init__(parent)
        self.ctx, self.clock = ctx, clock
        self._generation = 0
        self._reading_curves = True
        self.posts: list[PostFigures] = []
        self.totals: list[Total] = []

        title = QLabel("Analytics", objectName="ViewTitle")
        subtitle = QLabel("Figures read from each platform 1 h, 3 h, 6 h, 24 h, 3 d, 7 d and 28 d after a post goes out.",
                          objectName="Muted", wordWrap=True)
        self.period = QComboBox()
        for text, days in PERIODS:
            self.period.addItem(text, days)
        self.period.setCurrentIndex(max(0, [d for _t, d in PERIODS].index(days) if days in [d for _t, d in PERIODS] else 1))
        self.group = QComboBox()
        for text, key in GROUPS:
            self.group.addItem(f"Totals by {text.lower()}", key)
        self.export_button = QPushButton(icons.icon("export"), "Export CSV…")
        self.export_button.setToolTip("Save the posts shown, with their figures, as a CSV file")
        refresh = QPushButton(icons.icon("retry"), "Refresh")
        bar = QHBoxLayout()
        for widget in (self.period, self.group):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(refresh)
        bar.addWidget(self.export_button)

        self.model = PostFiguresModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()  # fixed widths: measuring every row's text is slow
        for column, width in enumerate((52, 86, 0, 76, 96, 64, 84, 64, 94, 78, 130)):
            if width:
                self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setAlternatingRowColors(True)
        self.empty = QLabel(objectName="EmptyState", wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        self._empty_how = ("Posts published from the app are read 1 h, 3 h, 6 h, 24 h, 3 d, 7 d "
                           "and 28 d after they go out. Posts uploaded by hand from the export folder get their "
                           "figures typed in or imported (nexus metrics-add, nexus metrics-import).")
        self.summary = QLabel(objectName="Muted")

        self.curve_chart = analytics_charts.chart_view()
        self.totals_chart = analytics_charts.chart_view()
        self.totals_model = TotalsModel(self)
        self.totals_table = QTableView()
        self.totals_table.setModel(self.totals_model)
        self.totals_table.verticalHeader().hide()
        self.totals_table.setMinimumHeight(60)
        self.totals_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.totals_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.test_note = QLabel(objectName="Muted", wordWrap=True)

        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addWidget(self.summary)
        left_box.addWidget(self.table, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        curve_box = QWidget()
        curve_layout = QVBoxLayout(curve_box)
        curve_layout.setContentsMargins(0, 0, 0, 0)
        curve_layout.addWidget(self.curve_chart, 1)
        curve_layout.addWidget(self.test_note)
        right.addWidget(curve_box)
        right.addWidget(self.totals_chart)
        right.addWidget(self.totals_table)
        right.setSizes([360, 260, 160])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setSizes([640, 520])

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addLayout(bar)
        # With no figures for the period, one sentence in place of an empty table and two empty charts.
        self.pages = QStackedWidget()
        empty_page = QWidget()
        empty_box = QVBoxLayout(empty_page)
        empty_row = QHBoxLayout()  # centred without an alignment flag, which would cut the wrapped text
        empty_row.addStretch(1)
        empty_row.addWidget(self.empty, 3)
        empty_row.addStretch(1)
        empty_box.addStretch(1)
        empty_box.addLayout(empty_row)
        empty_box.addStretch(2)
        self.pages.addWidget(empty_page)
        self.pages.addWidget(self.splitter)
        layout.addWidget(self.pages, 1)

        self.period.currentIndexChanged.connect(self.refresh)
        self.group.currentIndexChanged.connect(self.refresh)
        refresh.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.export_csv)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        ctx.runner.changed.connect(lambda change: self.refresh() if change.touches_jobs else None)
        self.measurer = None
        self._shown: tuple | None = None  # what the last read put on screen
        if ctx.autopilot is not None:  # this window owns the data folder: it reads the figures too
            from ..runtime.measuring import Measurer

            self.measurer = Measurer(ctx.ws, ctx.runner, self)
            self.measurer.measured.connect(lambda _outcomes: self.refresh())
            self.measurer.start()
        self.refresh()

    # -- reading ------------------------------------------------------------------------------

    def _range(self) -> tuple[datetime | None, datetime | None]:
        days = int(self.period.currentData())
        return ((self.clock() - timedelta(days=days)) if days else None), None

    def refresh(self) -> None:
        self._generation += 1
        generation, (start, end), by = self._generation, self._range(), str(self.group.currentData())
        ws, current = self.ctx.ws, self.current_post_id()
        repo = metrics(ws)

        def load() -> _Loaded:
            posts = repo.posts(start=start, end=end, limit=TOP)
            chosen = next((p for p in posts if p.post_id == current), posts[0] if posts else None)
            return _Loaded(generation, posts, repo.totals(by, start=start, end=end), repo.count_posts(start=start),
                           _read_curves(ws, chosen) if chosen else None)

        self.ctx.runner.submit(load, lane=READ, description="Reading the figures", on_done=self._on_loaded,
                               on_failed=self._failed("Reading the figures"))

    def _on_loaded(self, loaded: _Loaded) -> None:
        if loaded.generation != self._generation:
            return
        # Every job change reads the figures again; the same figures are not drawn again (5 ms of
        # the window's thread at each stage's end, measured in bench/ui_responsiveness.py --handlers).
        figures = (self.group.currentText(), self.period.currentData(), loaded.posts, loaded.totals, loaded.count,
                   loaded.curves)
        if figures == self._shown:
            self.refreshed.emit()
            return
        self._shown = figures
        self.posts, self.totals = loaded.posts, loaded.totals
        self.model.set_posts(loaded.posts)
        self.totals_model.set_totals(loaded.totals)
        views = sum(t.views for t in loaded.totals)
        shown = f"the top {len(loaded.posts):,} listed" if loaded.count > len(loaded.posts) else "best first"
        self.summary.setText(f"{loaded.count:,} posts with figures, {views:,} views — {shown}")
        self.pages.setCurrentIndex(1 if loaded.posts else 0)
        days = int(self.period.currentData())
        self.empty.setText(f"No figures {f'in the last {days} days' if days else 'yet'}.\n\n{self._empty_how}")
        self.export_button.setEnabled(bool(loaded.posts))
        analytics_charts.bars(self.totals_chart, self.group.currentText(), loaded.totals)
        if loaded.curves is not None:
            self._reading_curves = False  # the curves came with the list
            self.select_post(loaded.curves.post_id)
            self._reading_curves = True
            self._on_curves(loaded.curves)
        self.refreshed.emit()

    def current_post_id(self) -> int | None:
        index = self.table.currentIndex()
        return index.data(POST_ROLE) if index.isValid() else None

    def select_post(self, post_id: int | None) -> None:
        for row in range(self.model.rowCount()):
            index = self.model.index(row, 0)
            if index.data(POST_ROLE) == post_id:
                self.table.setCurrentIndex(index)
                self.table.scrollTo(index)
                return

    def _on_current_changed(self, current, _previous) -> None:
        if not current.isValid() or not self._reading_curves:
            return
        post, ws = self.model.post(current.row()), self.ctx.ws
        self.ctx.runner.submit(lambda: _read_curves(ws, post), lane=READ, description="Reading a job's curves", on_done=self._on_curves,
                               on_failed=self._failed("Reading a job's curves"))

    def _on_curves(self, curves: _Curves) -> None:
        analytics_charts.curves(self.curve_chart, f"Job {curves.job_id}: {curves.title[:60]}", curves.series)
        self.test_note.setText(curves.note)
        self.test_note.setVisible(bool(curves.note))
        self.curves_shown.emit()

    # -- export ----------------------------------------------------------------------------------

    def export_csv(self, path: str | None = None) -> None:
        path = path or dialogs.save_file(self, "Export figures", "figures.csv", "CSV files (*.csv)")
        if not path:
            return
        start, end = self._range()
        analytics_ops.export_csv(self.ctx, Path(path), start, end)  # the status bar says how many posts

    def _failed(self, what: str):
        def failed(exc: BaseException) -> None:
            self.ctx.ops.problem.emit(f"{what} failed", str(exc))

        return failed
