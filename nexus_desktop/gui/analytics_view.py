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

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..pipeline.measure import metrics
from ..pipeline.schedule import utcnow
from ..runtime.lanes import READ
from ..store.metrics import PostFigures, Reading, Total
from . import analytics_charts, dialogs, icons
from .analytics_model import POST_ROLE, SORT_ROLE, PostFiguresModel, TotalsModel, write_csv
from .app_context import AppContext

PERIODS = (("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90), ("Last year", 365), ("All time", 0))
GROUPS = (("Platform", "platform"), ("Feed", "feed"), ("Format", "format"))


@dataclass(frozen=True)
class _Loaded:
    generation: int
    posts: list[PostFigures]
    totals: list[Total]


@dataclass(frozen=True)
class _Curves:
    job_id: int
    title: str
    series: dict[str, tuple[float, list[Reading]]]
    note: str


class AnalyticsView(QWidget):
    refreshed = Signal()
    curves_shown = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, clock=utcnow) -> None:
        super().__init__(parent)
        self.ctx, self.clock = ctx, clock
        self._generation = 0
        self.posts: list[PostFigures] = []
        self.totals: list[Total] = []

        title = QLabel("Analytics", objectName="ViewTitle")
        subtitle = QLabel("Figures read from each platform 1 h, 3 h, 6 h, 24 h, 3 d, 7 d and 28 d after a post goes out.",
                          objectName="Muted", wordWrap=True)
        self.period = QComboBox()
        for text, days in PERIODS:
            self.period.addItem(text, days)
        self.period.setCurrentIndex(1)
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
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setAlternatingRowColors(True)
        self.empty = QLabel("No figures yet. Published posts are read an hour after they go out; "
                            "posts uploaded by hand from the export folder get figures typed in or imported "
                            "(nexus metrics-add, nexus metrics-import).", objectName="Muted", wordWrap=True)
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
        left_box.addWidget(self.empty)
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
        layout.addWidget(self.splitter, 1)

        self.period.currentIndexChanged.connect(self.refresh)
        self.group.currentIndexChanged.connect(self.refresh)
        refresh.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.export_csv)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        ctx.runner.jobs_changed.connect(lambda _change: self.refresh())
        self.refresh()

    # -- reading ------------------------------------------------------------------------------

    def _range(self) -> tuple[datetime | None, datetime | None]:
        days = int(self.period.currentData())
        return ((self.clock() - timedelta(days=days)) if days else None), None

    def refresh(self) -> None:
        self._generation += 1
        generation, (start, end), by = self._generation, self._range(), str(self.group.currentData())
        repo = metrics(self.ctx.ws)

        def load() -> _Loaded:
            return _Loaded(generation, repo.posts(start=start, end=end), repo.totals(by, start=start, end=end))

        self.ctx.runner.submit(load, lane=READ, description="Reading the figures", on_done=self._on_loaded,
                               on_failed=self._failed("Reading the figures"))

    def _on_loaded(self, loaded: _Loaded) -> None:
        if loaded.generation != self._generation:
            return
        current = self.current_post_id()
        self.posts, self.totals = loaded.posts, loaded.totals
        self.model.set_posts(loaded.posts)
        self.totals_model.set_totals(loaded.totals)
        views = sum(p.views or 0 for p in loaded.posts)
        self.summary.setText(f"{len(loaded.posts):,} posts with figures, {views:,} views — top posts first")
        self.empty.setVisible(not loaded.posts)
        self.export_button.setEnabled(bool(loaded.posts))
        analytics_charts.bars(self.totals_chart, self.group.currentText(), loaded.totals)
        self.select_post(current if current is not None else (loaded.posts[0].post_id if loaded.posts else None))
        self.refreshed.emit()

    def current_post_id(self) -> int | None:
        index = self.table.currentIndex()
        return index.data(POST_ROLE) if index.isValid() else None

    def select_post(self, post_id: int | None) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(POST_ROLE) == post_id:
                self.table.setCurrentIndex(index)
                self.table.scrollTo(index)
                return

    def _on_current_changed(self, current, _previous) -> None:
        if not current.isValid():
            return
        post = self.model.post(self.proxy.mapToSource(current).row())
        repo, ws = metrics(self.ctx.ws), self.ctx.ws

        def load() -> _Curves:
            from ..pipeline import title_tests

            series = {}
            for other in repo.posts(job_ids=[post.job_id]):
                published = (other.published_at or other.recorded_at).timestamp()
                series[f"{other.platform} #{other.post_id}"] = (published, repo.series(other.post_id))
            return _Curves(post.job_id, post.title, series, title_tests.describe_for_job(ws, post.job_id))

        self.ctx.runner.submit(load, lane=READ, description="Reading a job's curves", on_done=self._on_curves,
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
        posts = list(self.posts)
        self.ctx.runner.submit(lambda: write_csv(Path(path), posts), lane=READ, description="Exporting figures",
                               on_done=lambda n: self.window().statusBar().showMessage(f"Saved {n:,} posts to {path}", 5000)
                               if hasattr(self.window(), "statusBar") else None,
                               on_failed=self._failed("Exporting figures"))

    def _failed(self, what: str):
        def failed(exc: BaseException) -> None:
            self.ctx.ops.problem.emit(f"{what} failed", str(exc))

        return failed
