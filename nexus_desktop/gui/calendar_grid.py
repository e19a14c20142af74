"""The month and week grids of the calendar: cells that hold post chips and take drops.

A month cell stands for a day, a week cell for an hour of a day, both in the
creator's local zone. A drop says which post went to which cell; the view decides
what that means (a new time, or the question whether to publish now).

Every column gets the same width whatever its chips say (cells ignore their
content's width), days gone by are dimmed, and the colours come from the
application's style sheet through properties (``past``, ``hovered``, ``today``),
so a theme switch repaints the grid at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QPaintEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from .plain_text import tooltip
from ..pipeline.good_hours import GoodHours
from ..store.post_records import PostView
from .calendar_chips import PostChip, post_id_from
from .calendar_good_hours import BAR, hour_tip, paint_good_hour

ChipFactory = Callable[[PostView, bool], PostChip]  # (post, with its time) -> a connected chip
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_CHIPS = 4  # more than this in a day cell become "+N more"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def utc_range(first: date, days: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """The UTC instants that bound ``days`` local days from ``first``."""
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(timezone.utc)
    end = datetime.combine(first + timedelta(days=days), time(0), tzinfo=zone).astimezone(timezone.utc)
    return start, end


class DropCell(QFrame):
    """Signals:
        post_dropped(int, object): the post id and the cell's ``moment``
    """

    post_dropped = Signal(int, object)

    def __init__(self, moment: date | datetime, parent: QWidget | None = None, *, past: bool = False) -> None:
        super().__init__(parent, objectName="CalendarCell")
        self.moment = moment
        self.setProperty("past", past)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setAcceptDrops(True)
        self.chips = QVBoxLayout()
        self.chips.setContentsMargins(0, 0, 0, 0)
        self.chips.setSpacing(2)
        self._paint(False)

    def _paint(self, hovered: bool) -> None:
        if self.property("hovered") == hovered:
            return
        self.setProperty("hovered", hovered)
        self.style().unpolish(self)
        self.style().polish(self)

    def clear_chips(self) -> None:
        while self.chips.count():
            widget = self.chips.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()

    def chip_widgets(self) -> list[PostChip]:
        return [self.chips.itemAt(i).widget() for i in range(self.chips.count())
                if isinstance(self.chips.itemAt(i).widget(), PostChip)]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if post_id_from(event.mimeData()) is not None:
            event.acceptProposedAction()
            self._paint(True)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if post_id_from(event.mimeData()) is not None:
            event.acceptProposedAction()

    def dragLeaveEvent(self, event) -> None:
        self._paint(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self._paint(False)
        post_id = post_id_from(event.mimeData())
        if post_id is None:
            return
        event.acceptProposedAction()
        self.post_dropped.emit(post_id, self.moment)


class DayCell(DropCell):
    """Signals:
        opened(object): "+N more" was clicked: show this day (a ``date``) in full
    """

    opened = Signal(object)

    def __init__(self, day: date, *, in_month: bool, today: bool, past: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(day, parent, past=past)
        name = "TodayNumber" if today else ("DayNumber" if in_month else "Muted")
        number = QLabel(str(day.day), objectName=name)
        self.more = QPushButton(objectName="MoreLink", cursor=Qt.CursorShape.PointingHandCursor)
        self.more.setFlat(True)
        self.more.clicked.connect(lambda: self.opened.emit(self.moment))
        self.more.hide()
        column = QVBoxLayout(self)
        column.setContentsMargins(3, 2, 3, 2)
        column.setSpacing(2)
        column.addWidget(number)
        column.addLayout(self.chips)
        column.addWidget(self.more)
        column.addStretch(1)


class HourCell(DropCell):
    def __init__(self, moment: datetime, parent: QWidget | None = None, *, past: bool = False) -> None:
        super().__init__(moment, parent, past=past)
        self.setMinimumHeight(28)
        self.good: tuple[GoodHours, ...] = ()  # the platforms this hour is good for (shaded)
        column = QVBoxLayout(self)
        column.setContentsMargins(2 + BAR, 1, 2, 1)  # clear of the platforms' bar
        column.addLayout(self.chips)
        column.addStretch(1)

    def set_good(self, good: tuple[GoodHours, ...]) -> None:
        if good != self.good:
            self.good = good
            self.setToolTip(tooltip(hour_tip(good)) if good else "")
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.good and not self.property("hovered"):
            paint_good_hour(self, self.good)


class _Grid(QWidget):
    """Signals:
        post_dropped(int, object): a post dropped on a day (``date``) or an hour (local ``datetime``)
    """

    post_dropped = Signal(int, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cells: dict[date | datetime, DropCell] = {}
        self.first = monday_of(date.today())

    def _adopt(self, cell: DropCell) -> DropCell:
        cell.post_dropped.connect(self.post_dropped)
        self.cells[cell.moment] = cell
        return cell

    def _drop_cells(self) -> None:
        for cell in self.cells.values():
            self.layout_.removeWidget(cell)
            cell.deleteLater()
        self.cells.clear()

    def cell_for(self, moment: date | datetime) -> DropCell | None:
        return self.cells.get(moment)

    def chips(self) -> list[PostChip]:
        return [chip for cell in self.cells.values() for chip in cell.chip_widgets()]


class MonthGrid(_Grid):
    """Six weeks from the Monday on or before the first of the month.

    Signals:
        day_opened(object): the creator asked to see one day (a ``date``) in full
    """

    day_opened = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QGridLayout(self)
        self.layout_.setSpacing(0)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        for column, name in enumerate(WEEKDAYS):
            self.layout_.addWidget(QLabel(name, alignment=Qt.AlignmentFlag.AlignCenter, objectName="Muted"), 0, column)
            self.layout_.setColumnStretch(column, 1)
        self.month = date.today().replace(day=1)

    def show_month(self, month: date, today: date) -> None:
        self.month = month.replace(day=1)
        self.first = monday_of(self.month)
        self._drop_cells()
        for index in range(42):
            day = self.first + timedelta(days=index)
            cell = self._adopt(DayCell(day, in_month=day.month == self.month.month, today=day == today, past=day < today))
            cell.opened.connect(self.day_opened)
            self.layout_.addWidget(cell, 1 + index // 7, index % 7)
            self.layout_.setRowStretch(1 + index // 7, 1)

    def utc_range(self, zone: tzinfo) -> tuple[datetime, datetime]:
        return utc_range(self.first, 42, zone)

    def set_posts(self, posts: Iterable[PostView], zone: tzinfo, make_chip: ChipFactory) -> None:
        by_day: dict[date, list[PostView]] = {}
        for post in posts:
            if post.scheduled_at is not None:
                by_day.setdefault(post.scheduled_at.astimezone(zone).date(), []).append(post)
        for day, cell in self.cells.items():
            cell.clear_chips()
            shown = sorted(by_day.get(day, []), key=lambda p: (p.scheduled_at, p.id))
            for post in shown[:MONTH_CHIPS]:
                cell.chips.addWidget(make_chip(post, True))
            rest = shown[MONTH_CHIPS:]
            cell.more.setVisible(bool(rest))
            cell.more.setText(f"+{len(rest)} more")
            cell.more.setToolTip(tooltip("\n".join(p.title for p in rest)))


class WeekGrid(_Grid):
    """Seven days by 24 hours, in a scroll area."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.body = QWidget()
        self.layout_ = QGridLayout(self.body)
        self.layout_.setSpacing(0)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea(widgetResizable=True)
        self.scroll.setWidget(self.body)
        self.headers: list[QLabel] = []
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)
        for hour in range(24):
            self.layout_.addWidget(QLabel(f"{hour:02d}:00", objectName="Muted"), 1 + hour, 0, Qt.AlignmentFlag.AlignTop)

    def show_week(self, first: date, today: date) -> None:
        self.first = monday_of(first)
        self._drop_cells()
        for header in self.headers:
            self.layout_.removeWidget(header)
            header.deleteLater()
        self.headers = []
        for column in range(7):
            day = self.first + timedelta(days=column)
            header = QLabel(f"{WEEKDAYS[column]} {day.day}", alignment=Qt.AlignmentFlag.AlignCenter,
                            objectName="TodayNumber" if day == today else "")
            self.headers.append(header)
            self.layout_.addWidget(header, 0, 1 + column)
            self.layout_.setColumnStretch(1 + column, 1)
            for hour in range(24):
                cell = self._adopt(HourCell(datetime.combine(day, time(hour)), past=day < today))
                self.layout_.addWidget(cell, 1 + hour, 1 + column)

    def utc_range(self, zone: tzinfo) -> tuple[datetime, datetime]:
        return utc_range(self.first, 7, zone)

    def set_posts(self, posts: Iterable[PostView], zone: tzinfo, make_chip: ChipFactory) -> None:
        by_hour: dict[datetime, list[PostView]] = {}
        for post in posts:
            if post.scheduled_at is not None:
                local = post.scheduled_at.astimezone(zone).replace(minute=0, second=0, microsecond=0, tzinfo=None)
                by_hour.setdefault(local, []).append(post)
        for moment, cell in self.cells.items():
            cell.clear_chips()
            for post in sorted(by_hour.get(moment, []), key=lambda p: (p.scheduled_at, p.id)):
                cell.chips.addWidget(make_chip(post, False))

    def set_good_hours(self, good: Iterable[GoodHours], today: date) -> None:
        """Shade the hours good for posting, from today on (an empty ``good`` clears the shading)."""
        good = tuple(good)
        for moment, cell in self.cells.items():
            suits = () if moment.date() < today else tuple(g for g in good if g.covers(moment.weekday(), moment.hour))
            cell.set_good(suits)

    def scroll_to_hour(self, hour: int) -> None:
        cell = next((c for m, c in self.cells.items() if m.hour == hour), None)
        if cell is not None:
            self.scroll.ensureWidgetVisible(cell, 0, 0)
