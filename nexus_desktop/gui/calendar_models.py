"""Qt models over posts: the upcoming list, and the approved posts still without a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from .plain_text import tooltip
from ..store.post_records import PostView
from ..store.targets import platform_name
from .calendar_chips import POST_MIME, platform_mark, post_mime, status_colour

Index = QModelIndex | QPersistentModelIndex
POST_ROLE = Qt.ItemDataRole.UserRole + 1  # the PostView of a row
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

WHEN, TARGET, TITLE, STATUS = range(4)
HEADERS = ("When", "Where", "Title", "Status")


def _where(post: PostView) -> str:
    return post.target_name if post.platform == "export" else f"{platform_name(post.platform)}: {post.target_name}"


class UpcomingModel(QAbstractTableModel):
    """Posts from now on (and any that need the creator), one row each."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.posts: list[PostView] = []
        self.zone: tzinfo | None = None

    def set_posts(self, posts: Sequence[PostView], zone: tzinfo) -> None:
        self.beginResetModel()
        self.posts, self.zone = list(posts), zone
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.posts)

    def _status(self, post: PostView) -> str:
        return post.status_in(self.zone) if self.zone is not None else post.status_text

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        post, column = self.posts[index.row()], index.column()
        if role == POST_ROLE:
            return post
        if role == Qt.ItemDataRole.DisplayRole:
            if column == WHEN:
                return post.scheduled_at.astimezone(self.zone).strftime("%a %d %b %Y %H:%M") if post.scheduled_at else "—"
            return (None, _where(post), post.title, self._status(post))[column]
        if role == SORT_ROLE:
            return post.scheduled_at.timestamp() if column == WHEN and post.scheduled_at else self.data(index)
        if role == Qt.ItemDataRole.DecorationRole and column == TARGET:
            return QIcon(platform_mark(post.style, post.platform == "export"))
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            return status_colour(post.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip("\n".join(line for line in (self._status(post), post.cost) if line))
        return None


class UnscheduledModel(QAbstractListModel):
    """Approved posts without a time; each can be dragged onto the calendar."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.posts: list[PostView] = []

    def set_posts(self, posts: Sequence[PostView]) -> None:
        self.beginResetModel()
        self.posts = list(posts)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.posts)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        post = self.posts[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return post.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(f"{post.title}\n{_where(post)}\nDrag onto the calendar to give it a time")
        if role == Qt.ItemDataRole.DecorationRole:
            return QIcon(platform_mark(post.style, post.platform == "export"))
        if role == POST_ROLE:
            return post
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [POST_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        return post_mime(self.posts[indexes[0].row()].id)

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction
