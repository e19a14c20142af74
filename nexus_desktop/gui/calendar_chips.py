"""A post on the calendar: a chip with its platform's mark, its title and its status colour.

A chip can be dragged (it carries the post id as ``POST_MIME``) and clicked (to open
the job). Everything else about posts the chip leaves to the calendar view.
"""

from __future__ import annotations

from datetime import tzinfo
from functools import lru_cache

from PySide6.QtCore import QByteArray, QMimeData, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QFont, QMouseEvent, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QFrame, QHBoxLayout, QLabel, QSizePolicy, QWidget

from ..domain.posts import PostStatus
from ..store.post_records import PostView
from ..store.targets import platform_name
from . import theme

POST_MIME = "application/x-nexus-post-id"

# Each platform's mark: a letter on its brand colour.
PLATFORM_MARKS: dict[str, tuple[str, str]] = {
    "youtube": ("▶", "#FF0033"),
    "instagram": ("IG", "#C13584"),
    "x": ("X", "#14171A"),
    "linkedin": ("in", "#0A66C2"),
    "tiktok": ("♪", "#010101"),
    "facebook": ("f", "#0866FF"),
    "threads": ("@", "#101010"),
    "bluesky": ("b", "#1185FE"),
    "mastodon": ("M", "#6364FF"),
}
# Theme roles for each status.
STATUS_ROLES: dict[PostStatus, str] = {
    PostStatus.DRAFT: "muted",
    PostStatus.SCHEDULED: "accent",
    PostStatus.PUBLISHING: "info",
    PostStatus.PUBLISHED: "success",
    PostStatus.FAILED: "danger",
    PostStatus.HELD: "warning",
    PostStatus.NEEDS_CHECK: "warning",
}


def status_colour(status: PostStatus) -> QColor:
    return theme.current().color(STATUS_ROLES[status])


@lru_cache(maxsize=64)
def platform_mark(style: str, exported: bool, size: int = 18) -> QPixmap:
    """A round mark in the platform's colour; a square one when the post goes to the export folder."""
    letter, colour = PLATFORM_MARKS.get(style, (style[:1].upper() or "?", "#6B7280"))
    ratio = QApplication.instance().devicePixelRatio() if QApplication.instance() else 1.0
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    if exported:
        painter.drawRoundedRect(QRect(0, 0, size, size), 4, 4)
    else:
        painter.drawEllipse(QRect(0, 0, size, size))
    font = QFont()
    font.setPixelSize(int(size * (0.45 if len(letter) > 1 else 0.55)))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#FFFFFF"))
    painter.drawText(QRect(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, letter)
    painter.end()
    return pixmap


def post_mime(post_id: int) -> QMimeData:
    mime = QMimeData()
    mime.setData(POST_MIME, QByteArray(str(post_id).encode()))
    return mime


def post_id_from(mime: QMimeData) -> int | None:
    if not mime.hasFormat(POST_MIME):
        return None
    text = bytes(mime.data(POST_MIME).data()).decode(errors="replace").strip()
    return int(text) if text.isdigit() else None


def describe(post: PostView, zone: tzinfo | None = None) -> str:
    where = post.target_name if post.platform == "export" else f"{platform_name(post.platform)} ({post.target_name})"
    status = post.status_in(zone) if zone is not None else post.status_text
    return "\n".join(line for line in (post.title, where, status, post.cost) if line)  # cost: X's pay-per-use


class PostChip(QFrame):
    """Signals:
        clicked(int): the post id, when the chip is clicked without dragging
    """

    clicked = Signal(int)

    def __init__(self, post: PostView, time_text: str, parent: QWidget | None = None, *, zone: tzinfo | None = None) -> None:
        super().__init__(parent, objectName="PostChip")
        self.post = post
        self._press: QPoint | None = None
        mark = QLabel()
        mark.setPixmap(platform_mark(post.style, post.platform == "export"))
        self.title = QLabel(f"{time_text} {post.title}".strip())
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 1, 4, 1)
        row.setSpacing(4)
        row.addWidget(mark)
        row.addWidget(self.title, 1)
        # Colours come from the application's style sheet (ui/base.qss, by status), so a theme
        # switch repaints every chip at once; a style sheet per chip would not follow it.
        self.setProperty("status", post.status.value)
        self.setToolTip(describe(post, zone))
        self.setCursor(Qt.CursorShape.OpenHandCursor if self.movable else Qt.CursorShape.PointingHandCursor)

    @property
    def movable(self) -> bool:
        return self.post.status in (PostStatus.DRAFT, PostStatus.SCHEDULED, PostStatus.HELD, PostStatus.FAILED)

    def mime_data(self) -> QMimeData:
        return post_mime(self.post.id)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None or not self.movable:
            return
        if (event.position().toPoint() - self._press).manhattanLength() < QApplication.startDragDistance():
            return
        self._press = None
        drag = QDrag(self)
        drag.setMimeData(self.mime_data())
        drag.setPixmap(self.grab())
        drag.exec(Qt.DropAction.MoveAction)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._press is not None and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.post.id)
        self._press = None
        super().mouseReleaseEvent(event)
