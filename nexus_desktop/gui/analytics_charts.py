"""QtCharts for the Analytics view: a post's (or a job's) curves over the hours since
publishing, and totals as bars."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QPainter

from ..store.metrics import Reading, Total
from ..store.targets import platform_name
from . import theme

PLATFORM_COLORS = {"youtube": "#E53935", "instagram": "#C13584", "x": "#546E7A", "linkedin": "#0A66C2"}


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.setBackgroundVisible(False)
    colors = theme.current()
    chart.setTitleBrush(colors.color("text"))
    chart.legend().setLabelColor(colors.color("text"))
    return chart


def _style_axis(axis) -> None:
    colors = theme.current()
    axis.setLabelsColor(colors.color("muted"))
    axis.setTitleBrush(colors.color("muted"))
    axis.setGridLineColor(colors.color("border"))


def _count_axis(axis: QValueAxis, top: float) -> None:
    """A 0-based axis of whole counts ticked at a round step (1, 2, 5, 10, 20, 50, …), at most
    five steps high: a range of 0–1.1 labelled "%.0f" used to read 0, 0, 1, 1, 1."""
    step, factors = 1, itertools.cycle((2, 2.5, 2))
    while top / step > 5:
        step = int(step * next(factors))
    axis.setRange(0, max(1, math.ceil(top / step)) * step)
    axis.setTickType(QValueAxis.TickType.TicksDynamic)
    axis.setTickAnchor(0)
    axis.setTickInterval(step)
    axis.setLabelFormat("%.0f")


def chart_view() -> QChartView:
    view = QChartView(_chart(""))
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(120)
    return view


def curves(view: QChartView, title: str, series: Mapping[str, tuple[float, Sequence[Reading]]], measure: str = "views") -> None:
    """One line per post (named by its platform): ``measure`` against hours since publishing.
    ``series`` maps a label to (published timestamp, readings)."""
    chart = _chart(title)
    top, right = 0.0, 1.0
    for name, (published, readings) in series.items():
        line = QLineSeries()
        line.setName(platform_name(name.split(" ")[0]) + name[len(name.split(" ")[0]):])
        color = PLATFORM_COLORS.get(name.split(" ")[0])
        if color:
            line.setColor(QColor(color))
        for r in readings:
            value = getattr(r.figures, measure)
            if value is None:
                value = r.figures.impressions if measure == "views" else None
            if value is None:
                continue
            hours = max(0.0, (r.recorded_at.timestamp() - published) / 3600)
            line.append(QPointF(hours, float(value)))
            top, right = max(top, float(value)), max(right, hours)
        line.setPointsVisible(True)
        chart.addSeries(line)
    x, y = QValueAxis(), QValueAxis()
    x.setTitleText("hours since published")
    _count_axis(x, right)
    y.setTitleText(f"{measure} (impressions where none)" if measure == "views" else measure)
    _count_axis(y, top)
    for axis in (x, y):
        _style_axis(axis)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    for s in chart.series():
        s.attachAxis(x)
        s.attachAxis(y)
    chart.legend().setVisible(bool(series))
    _replace(view, chart)


def bars(view: QChartView, title: str, totals: Sequence[Total]) -> None:
    """Views (impressions where a platform counts no views) and engagements per platform, feed or format."""
    chart = _chart(title)
    views, engaged = QBarSet("Views or impressions"), QBarSet("Engagements")
    names = []
    for t in totals[:12]:
        names.append(platform_name(t.key)[:18])
        views.append(t.views or t.impressions)
        engaged.append(t.engagements)
    series = QBarSeries()
    series.append(views)
    series.append(engaged)
    chart.addSeries(series)
    x, y = QBarCategoryAxis(), QValueAxis()
    x.append(names)
    _count_axis(y, max([t.views or t.impressions for t in totals[:12]] + [t.engagements for t in totals[:12]] or [1]))
    for axis in (x, y):
        _style_axis(axis)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(x)
    series.attachAxis(y)
    _replace(view, chart)


def _replace(view: QChartView, chart: QChart) -> None:
    old = view.chart()
    view.setChart(chart)
    if old is not None and old is not chart:
        old.deleteLater()
