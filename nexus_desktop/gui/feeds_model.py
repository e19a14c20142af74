"""The feeds table's model: each feed with whether it works, when it was checked, how many articles."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from .plain_text import tooltip
from ..store.views import SourceView
from . import formatting, theme

ModelIndex = QModelIndex | QPersistentModelIndex
FEED, STATUS, ARTICLES, CHECKED = range(4)
HEADERS = ("Feed", "Status", "Articles", "Last checked")
SOURCE_ROLE = Qt.ItemDataRole.UserRole + 1


def status_text(source: SourceView) -> str:
    if not source.active:
        return "Switched off"
    if source.last_error:
        return f"Error: {source.last_error}"
    if source.last_checked is None:
        return "Not checked yet"
    return "OK"


class FeedsModel(QAbstractTableModel):
    """Signals:
        active_toggled(int, bool): the creator ticked or unticked a feed (source id, active).
    """

    active_toggled = Signal(int, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[SourceView] = []

    def set_sources(self, sources: list[SourceView]) -> None:
        if [s.id for s in sources] == [s.id for s in self._rows]:
            self._rows = sources
            if sources:
                self.dataChanged.emit(self.index(0, 0), self.index(len(sources) - 1, len(HEADERS) - 1))
            return
        self.beginResetModel()
        self._rows = sources
        self.endResetModel()

    def source_at(self, row: int) -> SourceView:
        return self._rows[row]

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsUserCheckable if index.column() == FEED else flags

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        source, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (source.display_name, status_text(source), f"{source.item_count:,}",
                    formatting.ago(source.last_checked) if source.last_checked else "never")[column]
        if role == Qt.ItemDataRole.CheckStateRole and column == FEED:
            return Qt.CheckState.Checked if source.active else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(source.url if column == FEED else status_text(source))
        if role == Qt.ItemDataRole.ForegroundRole:
            t = theme.current()
            if column == STATUS:
                return t.color("danger" if source.last_error and source.active else "success" if source.last_checked and source.active else "muted")
            if column in (ARTICLES, CHECKED) or not source.active:
                return t.color("muted")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == ARTICLES:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == SOURCE_ROLE:
            return source
        return None

    def setData(self, index: ModelIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != FEED:
            return False
        source = self._rows[index.row()]
        self.active_toggled.emit(source.id, Qt.CheckState(value) == Qt.CheckState.Checked)
        return True
