"""The Analytics view's tables: posts with their latest figures, and totals per platform, feed or format."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from ..store.metrics import PostFigures, Total
from ..store.targets import platform_name
from . import formatting

ModelIndex = QModelIndex | QPersistentModelIndex
POST_ROLE = Qt.ItemDataRole.UserRole + 2
POST_COLUMNS = ("Post", "Platform", "Title", "Views", "Impressions", "Likes", "Comments", "Shares", "Engagement", "Readings", "Published")
NUMERIC = {3, 4, 5, 6, 7, 8, 9}


def _rate(p: PostFigures) -> float | None:
    base = p.impressions or p.views
    return p.engagements / base if base else None


def _cells(p: PostFigures) -> tuple[Any, ...]:
    return (p.post_id, p.platform, p.title, p.views, p.impressions, p.likes, p.comments, p.shares, _rate(p), p.readings, p.published_at)


def _text(column: int, value: Any) -> str:
    if value is None:
        return "—"
    if column == 1:
        return platform_name(value)
    if column == 8:
        return f"{value:.1%}"
    if column == 10:
        return formatting.when(value)
    if isinstance(value, int) and column in NUMERIC:
        return f"{value:,}"
    return str(value)


class PostFiguresModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[PostFigures] = []
        self._cells: list[tuple[Any, ...]] = []

    def set_posts(self, posts: Sequence[PostFigures]) -> None:
        self.beginResetModel()
        self._rows = list(posts)
        self._cells = [_cells(p) for p in self._rows]
        self._order()
        self.endResetModel()

    # Sorted here, in one pass over precomputed keys: a sort proxy asks data() n·log n times.
    _sort_column, _sort_order = 3, Qt.SortOrder.DescendingOrder

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        self._sort_column, self._sort_order = column, order
        self._order()
        self.layoutChanged.emit()

    def _order(self) -> None:
        column = self._sort_column

        def key(i: int):
            value = self._cells[i][column]
            if value is None:
                return (0, 0)
            return (1, value.timestamp() if column == 10 else value)

        order = sorted(range(len(self._rows)), key=key, reverse=self._sort_order == Qt.SortOrder.DescendingOrder)
        self._rows = [self._rows[i] for i in order]
        self._cells = [self._cells[i] for i in order]

    def post(self, row: int) -> PostFigures:
        return self._rows[row]

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802 (Qt naming)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(POST_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return POST_COLUMNS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(index.column(), value)
        if role == POST_ROLE:
            return self._rows[index.row()].post_id
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 2:
            return self._rows[index.row()].url or ""
        return None


class TotalsModel(QAbstractTableModel):
    COLUMNS = ("", "Posts", "Views", "Impressions", "Likes", "Comments", "Shares")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Total] = []

    def set_totals(self, totals: Sequence[Total]) -> None:
        self.beginResetModel()
        self._rows = list(totals)
        self.endResetModel()

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        t = self._rows[index.row()]
        values = (platform_name(t.key), t.posts, t.views, t.impressions, t.likes, t.comments, t.shares)
        if role == Qt.ItemDataRole.DisplayRole:
            value = values[index.column()]
            return f"{value:,}" if isinstance(value, int) else value
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column():
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def write_csv(path: Path, posts: Sequence[PostFigures]) -> int:
    """The posts as the view shows them, one row each, for a spreadsheet."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["post_id", "job_id", "platform", "feed", "title", "published_at", "recorded_at", "views",
                         "impressions", "likes", "comments", "shares", "engagements", "readings", "url"])
        for p in posts:
            writer.writerow([p.post_id, p.job_id, p.platform, p.feed, p.title, p.published_at.isoformat() if p.published_at else "",
                             p.recorded_at.isoformat() if p.recorded_at else "", p.views, p.impressions, p.likes,
                             p.comments, p.shares, p.engagements, p.readings, p.url or ""])
    return len(posts)
