"""The calendar as the creator sees it: equal columns, past days dimmed, "+N more" opens the day,
the list shows date and time, and a theme switch repaints every cell at once."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from nexus_desktop.gui import theme
from nexus_desktop.gui.calendar_view import LIST, WEEK
from nexus_desktop.gui.main import open_window
from nexus_desktop.pipeline import schedule as scheduling
from tests.gui_support import screenshot

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def calendar(qtbot, ws, rendered_job):  # noqa: F811
    """Six posts on one day next week (more than a month cell shows), in a shown window."""
    ws.settings.schedule.timezone = "UTC"
    scheduling.approve_jobs(ws, [rendered_job])
    targets = scheduling.targets(ws).list()
    scheduling.choose_targets(ws, rendered_job, [t.id for t in targets[:6]])
    day = scheduling.utcnow().date() + timedelta(days=7)
    for hour, post in enumerate(ws.store.posts.list(), start=9):
        ws.store.posts.schedule(post.id, datetime.combine(day, time(hour), tzinfo=scheduling.utcnow().tzinfo))
    window = open_window(ws)
    qtbot.addWidget(window)
    window.resize(1200, 780)
    window.show()
    view = window.show_view("Calendar")
    view.show_date(day)
    qtbot.waitUntil(lambda: len(view.month.chips()) == 4, timeout=5_000)
    return window, view, day


def test_columns_stay_equal_and_past_days_are_dimmed(qtbot, calendar, tmp_path):
    window, view, day = calendar
    week = [view.month.cell_for(day - timedelta(days=day.weekday()) + timedelta(days=n)) for n in range(7)]

    def equal_widths() -> bool:  # the busy day is as wide as the others
        widths = [cell.width() for cell in week]
        return max(widths) - min(widths) <= 1

    qtbot.waitUntil(equal_widths)
    today = scheduling.utcnow().date()
    yesterday = view.month.cell_for(today - timedelta(days=1))
    if yesterday is not None:
        assert yesterday.property("past") is True
        colour = yesterday.grab().toImage().pixelColor(yesterday.width() - 4, yesterday.height() - 4).name()
        assert colour == theme.current().alt_surface.lower()
    future = view.month.cell_for(day)
    assert future.grab().toImage().pixelColor(future.width() - 4, future.height() - 4).name() == theme.current().surface.lower()
    screenshot(window, tmp_path, "calendar-month")


def test_more_opens_the_day(qtbot, calendar, tmp_path):
    window, view, day = calendar
    cell = view.month.cell_for(day)
    assert cell.more.isVisible() and cell.more.text() == "+2 more"
    cell.more.click()
    assert view.mode == WEEK and view.anchor == day
    qtbot.waitUntil(lambda: len(view.week.chips()) == 6, timeout=5_000)
    screenshot(window, tmp_path, "calendar-day-opened")


def test_the_list_shows_date_and_time_in_full(qtbot, calendar, tmp_path):
    window, view, day = calendar
    view.set_mode(LIST)
    qtbot.waitUntil(lambda: view.upcoming.rowCount() == 6, timeout=5_000)
    index = view.list.model().index(0, 0)
    text = index.data()
    assert text.endswith("09:00") and str(day.year) in text
    qtbot.waitUntil(lambda: view.list.columnWidth(0) >= view.list.fontMetrics().horizontalAdvance(text) + 8)
    screenshot(window, tmp_path, "calendar-list")


def test_a_theme_switch_repaints_the_calendar_at_once(qtbot, calendar, tmp_path):
    window, view, day = calendar
    cell = view.month.cell_for(day)
    settings = window.ctx.ws.settings.model_copy(deep=True)
    settings.ui.theme = "dark"

    def corner() -> str:
        return cell.grab().toImage().pixelColor(cell.width() - 4, cell.height() - 4).name()

    window.apply_settings(settings)
    try:
        qtbot.waitUntil(lambda: corner() == theme.load("dark").surface.lower())  # no navigating needed
        screenshot(window, tmp_path, "calendar-dark")
    finally:
        light = settings.model_copy(deep=True)
        light.ui.theme = "light"
        window.apply_settings(light)
    qtbot.waitUntil(lambda: corner() == theme.load("light").surface.lower())
