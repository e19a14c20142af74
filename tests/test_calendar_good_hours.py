"""The week view shades the hours that are good for posting on each platform, and says what the shading means."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from PySide6.QtCore import QPoint

from nexus_desktop.gui.app_context import AppContext
from nexus_desktop.gui.calendar_view import MONTH, WEEK, CalendarView
from nexus_desktop.gui.operations import Operations
from nexus_desktop.pipeline import schedule
from nexus_desktop.pipeline.good_hours import good_hours
from nexus_desktop.runtime.runner import Runner
from nexus_desktop.runtime.scheduler import PostScheduler
from tests.gui_support import screenshot
from tests.publish_support import FakeClock, workspace

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
TUESDAY = date(2026, 11, 24)  # the clock says Monday 23 November 2026, 08:00 in Berlin


@pytest.fixture
def week(qtbot, sqlite_store, tmp_path):
    clock = FakeClock()
    ws = workspace(sqlite_store, tmp_path, default_targets=["export:youtube", "export:x"])
    runner = Runner(ws)
    ctx = AppContext(ws, runner, Operations(ws, runner))
    view = CalendarView(ctx, scheduler=PostScheduler(ws, clock=clock), clock=clock)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    with qtbot.waitSignal(view.refreshed, timeout=5000):
        view.set_mode(WEEK)
    yield view
    runner.shutdown()


def cell(view: CalendarView, day: date, hour: int):
    return view.week.cell_for(datetime.combine(day, time(hour)))


def shaded(view: CalendarView, day: date, hour: int) -> list[str]:
    return [g.name for g in cell(view, day, hour).good]


def middle_colour(widget):
    image = widget.grab().toImage()
    return image.pixelColor(QPoint(image.width() // 2, image.height() // 2))


def test_the_good_hours_of_each_platform_are_shaded_and_explained(qtbot, week, tmp_path):
    # YouTube's usual time is 17:00; X's are 09:00, 13:00 and 17:00 (schedule.DEFAULT_RULES).
    assert shaded(week, TUESDAY, 17) == ["YouTube", "X"]
    assert shaded(week, TUESDAY, 13) == ["X"]
    assert shaded(week, TUESDAY, 3) == []
    tip = cell(week, TUESDAY, 17).toolTip()
    assert "A good hour to post on" in tip and "YouTube: the usual times for YouTube" in tip
    assert "after 12 measured posts" in tip
    assert cell(week, TUESDAY, 3).toolTip() == ""
    plain, one, two = (middle_colour(cell(week, TUESDAY, h)) for h in (3, 13, 17))
    assert plain != one != two  # tinted, and deeper where two platforms meet
    assert one.green() > one.red() and one.green() > one.blue()  # in the theme's success green

    assert week.legend.isVisible() and week.legend.shading
    assert [g.name for g in week.legend.good] == ["YouTube", "X"]
    assert "the more platforms, the deeper the tint" in week.legend.note.text()
    week.week.scroll_to_hour(8)
    screenshot(week, tmp_path, "calendar-week-good-hours")


def test_days_gone_by_are_not_shaded(qtbot, week):
    with qtbot.waitSignal(week.refreshed, timeout=5000):
        week.step(-1)
    assert all(not c.good for c in week.week.cells.values())
    with qtbot.waitSignal(week.refreshed, timeout=5000):
        week.go_today()
    assert shaded(week, date(2026, 11, 23), 17) == ["YouTube", "X"]  # today counts


def test_the_creators_own_posting_times_move_the_shading(qtbot, week):
    ws = week.ws
    (x,) = [t for t in schedule.targets(ws).list() if t.style == "x"]
    schedule.targets(ws).update_config(x.id, rules={"times": ["07:30"], "weekdays": [1, 2, 3, 4, 5]})
    with qtbot.waitSignal(week.refreshed, timeout=5000):
        week.refresh()
    assert shaded(week, TUESDAY, 7) == ["X"] and shaded(week, TUESDAY, 13) == []
    assert shaded(week, date(2026, 11, 23), 7) == []  # Monday is not one of its days now
    assert "X: the posting times you set" in cell(week, TUESDAY, 7).toolTip()


def test_the_shading_can_be_switched_off_and_is_only_in_the_week(qtbot, week, tmp_path):
    with qtbot.waitSignal(week.refreshed, timeout=5000):
        week.legend.switch.setChecked(False)
    assert all(not c.good for c in week.week.cells.values())
    assert [g.name for g in week.legend.good] == ["YouTube", "X"]  # the legend keeps its platforms
    with qtbot.waitSignal(week.refreshed, timeout=5000):
        week.set_mode(MONTH)
    assert week.legend.isHidden()


def test_good_hours_without_any_connected_account_come_from_the_export_targets(sqlite_store, tmp_path):
    ws = workspace(sqlite_store, tmp_path)  # the default: the export folder, one target per platform style
    found = good_hours(ws, schedule.local_zone(ws.settings))
    assert len(found) == 9
    linkedin = next(g for g in found if g.platform == "linkedin")
    assert linkedin.covers(0, 8) and not linkedin.covers(5, 8)  # weekdays only
