"""Good hours to post, shaded on the week grid, with a legend that says what the shading means.

An hour is good for a platform when ``schedule --auto`` would place a post there
(``pipeline/good_hours.py``: the creator's own posting times, times learned from
their measured posts, or the platform's usual times). The hour's cell is tinted
in the theme's success colour, a little more for each platform it suits, with a
bar along its left edge shared out among the platforms' colours; its tooltip names
the platforms and where their hours come from. Days gone by are not shaded.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QWidget

from ..pipeline.good_hours import GoodHours
from . import theme
from .calendar_chips import PLATFORM_MARKS, platform_mark
from .plain_text import tooltip

BAR = 4  # px: the platforms' bar along the cell's left edge
TINT_ALPHA = (40, 14, 110)  # the tint's alpha: for one platform, per further platform, at most


def platform_colour(platform: str) -> QColor:
    return QColor(PLATFORM_MARKS.get(platform, ("", "#6B7280"))[1])


def hour_tip(good: tuple[GoodHours, ...]) -> str:
    lines = [f"• {g.name}: {g.basis}" for g in good]
    return "A good hour to post on:\n" + "\n".join(lines)


def paint_good_hour(widget: QWidget, good: tuple[GoodHours, ...]) -> None:
    """The tint and the platforms' stripes, over the cell's own background."""
    first, step, most = TINT_ALPHA
    tint = QColor(theme.current().success)
    tint.setAlpha(min(most, first + step * (len(good) - 1)))
    painter = QPainter(widget)
    rect = widget.rect().adjusted(1, 1, -1, -1)
    painter.fillRect(rect, tint)
    share = rect.height() / len(good)
    for index, g in enumerate(good):
        top, bottom = round(rect.top() + index * share), round(rect.top() + (index + 1) * share)
        painter.fillRect(QRect(rect.left(), top, BAR, bottom - top), platform_colour(g.platform))
    painter.end()


class GoodHoursLegend(QWidget):
    """Under the week grid: what the shading means, each platform's mark, and a switch to hide it.

    Signals:
        shading_toggled(bool): the creator turned the shading on or off
    """

    shading_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.switch = QCheckBox("Shade good hours to post", checked=True)
        self.switch.setToolTip("Tint the hours when posting on each platform tends to do best; "
                               "Schedule all approved places posts in these hours")
        self.switch.toggled.connect(self.shading_toggled)
        self.marks = QHBoxLayout()
        self.marks.setSpacing(10)
        self.note = QLabel(objectName="Muted")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 2, 0, 2)
        row.addWidget(self.switch)
        row.addLayout(self.marks)
        row.addWidget(self.note, 1)
        self.good: tuple[GoodHours, ...] = ()

    def set_good_hours(self, good: tuple[GoodHours, ...]) -> None:
        self.good = good
        while self.marks.count():
            widget = self.marks.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        for g in good:
            mark = QLabel(objectName="LegendMark")
            mark.setPixmap(platform_mark(g.platform, False, 14))
            mark.setToolTip(tooltip(f"{g.name}: {g.basis}"))
            name = QLabel(g.name)
            name.setToolTip(mark.toolTip())
            pair = QWidget()
            pair_row = QHBoxLayout(pair)
            pair_row.setContentsMargins(0, 0, 0, 0)
            pair_row.setSpacing(3)
            pair_row.addWidget(mark)
            pair_row.addWidget(name)
            self.marks.addWidget(pair)
        self.note.setText("the bar shows which platforms; the more platforms, the deeper the tint" if good
                          else "no platform to post to yet")
        self.setToolTip(tooltip("\n".join(f"{g.name}: {g.basis}" for g in good)))

    @property
    def shading(self) -> bool:
        return self.switch.isChecked()

