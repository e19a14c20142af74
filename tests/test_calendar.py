"""The Calendar view with pytest-qt: dragging chips and side-list posts to new days and hours,
the question when a time has passed, the missed-posts prompt, and opening a job."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication, QPushButton
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.gui.app_context import AppContext
from nexus_desktop.gui.calendar_dialogs import MissedPostsDialog, PastTimeQuestion
from nexus_desktop.gui.calendar_view import LIST, WEEK, CalendarView
from nexus_desktop.gui.operations import Operations
from nexus_desktop.pipeline import schedule
from nexus_desktop.pipeline.publish import Backoff
from nexus_desktop.runtime.runner import Runner
from nexus_desktop.runtime.scheduler import PostScheduler
from tests.publish_support import FakeClock, rendered_jobs, workspace

BERLIN = ZoneInfo("Europe/Berlin")
# Offscreen Qt says so whenever a window is shown.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(timezone.utc)


class Calendar:
    def __init__(self, qtbot, view: CalendarView, ws, clock: FakeClock, scheduler: PostScheduler) -> None:
        self.qtbot, self.view, self.ws, self.clock, self.scheduler = qtbot, view, ws, clock, scheduler

    def reload(self) -> None:
        with self.qtbot.waitSignal(self.view.refreshed, timeout=5000):
            self.view.refresh()

    def post(self, post_id: int):
        return schedule.posts(self.ws).get(post_id)

    def drop(self, moment, mime: QMimeData) -> None:
        grid = self.view.week if self.view.mode == WEEK else self.view.month
        cell = grid.cell_for(moment)
        centre = cell.rect().center()
        enter = QDragEnterEvent(QPointF(centre), Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(cell, enter)
        assert enter.isAccepted()
        drop = QDropEvent(QPointF(centre), Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(cell, drop)
        assert drop.isAccepted()


@pytest.fixture
def calendar(qtbot, sqlite_store, tmp_path, media):
    clock = FakeClock()  # Monday 23 November 2026, 08:00 in Berlin
    ws = workspace(sqlite_store, tmp_path, default_targets=["export:youtube"], missed_posts="hold")
    runner = Runner(ws)
    ctx = AppContext(ws, runner, Operations(ws, runner))
    scheduler = PostScheduler(ws, clock=clock, backoff=Backoff(base=0))
    rendered_jobs(sqlite_store, ws.paths, media, 3)
    view = CalendarView(ctx, scheduler=scheduler, clock=clock)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    cal = Calendar(qtbot, view, ws, clock, scheduler)
    cal.reload()
    yield cal
    runner.shutdown()


def approve(cal: Calendar, job_ids, *, place: bool) -> list[int]:
    report = schedule.approve_jobs(cal.ws, job_ids, now=cal.clock.now, place=place)
    cal.reload()
    return list(report.posts)


def test_a_chip_dragged_to_another_day_keeps_its_time_of_day(calendar):
    (post_id,) = approve(calendar, [1], place=True)
    assert calendar.post(post_id).scheduled_at == local(2026, 11, 23, 17)
    (chip,) = calendar.view.month.cell_for(date(2026, 11, 23)).chip_widgets()
    assert chip.post.id == post_id and chip.title.text() == "17:00 YT 1"
    calendar.drop(date(2026, 11, 26), chip.mime_data())
    calendar.qtbot.waitUntil(lambda: calendar.post(post_id).scheduled_at == local(2026, 11, 26, 17), timeout=5000)
    calendar.qtbot.waitUntil(lambda: [c.post.id for c in calendar.view.month.cell_for(date(2026, 11, 26)).chip_widgets()] == [post_id])
    assert calendar.view.month.cell_for(date(2026, 11, 23)).chip_widgets() == []


def test_a_chip_dropped_on_an_hour_of_the_week_takes_that_hour(calendar):
    (post_id,) = approve(calendar, [1], place=True)
    calendar.view.set_mode(WEEK)
    calendar.qtbot.waitUntil(lambda: len(calendar.view.chips()) == 1)
    calendar.drop(datetime(2026, 11, 25, 10), calendar.view.chips()[0].mime_data())
    calendar.qtbot.waitUntil(lambda: calendar.post(post_id).scheduled_at == local(2026, 11, 25, 10), timeout=5000)


def test_an_approved_post_from_the_side_list_lands_on_a_free_posting_time(calendar):
    first, second = approve(calendar, [1, 2], place=False)
    model = calendar.view.unscheduled
    assert [p.id for p in model.posts] == [first, second]
    calendar.drop(date(2026, 11, 24), model.mimeData([model.index(0)]))
    calendar.qtbot.waitUntil(lambda: calendar.post(first).scheduled_at == local(2026, 11, 24, 17), timeout=5000)
    calendar.qtbot.waitUntil(lambda: [p.id for p in model.posts] == [second])
    assert calendar.view.schedule_all_button.isEnabled()
    calendar.view.schedule_all_button.click()
    calendar.qtbot.waitUntil(lambda: model.posts == [] and not calendar.view.schedule_all_button.isEnabled(), timeout=5000)
    assert calendar.post(second).scheduled_at == local(2026, 11, 23, 17)


def test_dropping_on_a_day_that_has_passed_asks_whether_to_publish_now(calendar):
    (post_id,) = approve(calendar, [1], place=True)
    chip = calendar.view.chips()[0]
    calendar.drop(date(2026, 11, 22), chip.mime_data())  # yesterday
    calendar.qtbot.waitUntil(lambda: calendar.view.findChild(PastTimeQuestion) is not None, timeout=5000)
    question = calendar.view.findChild(PastTimeQuestion)
    assert question.text() == "Sun 2026-11-22 17:00 has already passed." and "«YT 1»" in question.informativeText()
    question.keep_button.click()
    assert calendar.post(post_id).scheduled_at == local(2026, 11, 23, 17)  # left where it was

    calendar.drop(date(2026, 11, 22), calendar.view.chips()[0].mime_data())
    calendar.qtbot.waitUntil(lambda: any(q.isVisible() for q in calendar.view.findChildren(PastTimeQuestion)), timeout=5000)
    question = next(q for q in calendar.view.findChildren(PastTimeQuestion) if q.isVisible())
    question.publish_button.click()
    calendar.qtbot.waitUntil(lambda: calendar.post(post_id).scheduled_at == calendar.clock.now, timeout=5000)
    assert [o.post_id for o in calendar.scheduler.cycle()] == [post_id]  # the scheduler's next wake-up
    assert calendar.post(post_id).status is PostStatus.PUBLISHED


def test_posts_missed_while_closed_are_offered_for_publishing(calendar):
    ids = approve(calendar, [1, 2, 3], place=True)  # Mon, Tue and Wed at 17:00
    calendar.clock.now = local(2026, 11, 25, 12)  # the app opens again on Wednesday at noon
    calendar.scheduler.cycle()  # start-up: catch up
    dialog = calendar.view.findChild(MissedPostsDialog)
    assert dialog is not None and dialog.isVisible() and dialog.post_ids == ids[:2]
    text = " ".join(label.text() for label in dialog.findChildren(type(calendar.view.period)))
    assert "2 posts were due while the app was closed" in text and "Mon 2026-11-23 17:00 — YouTube: YT 1" in text
    calendar.qtbot.waitUntil(lambda: {c.post.status for c in calendar.view.chips() if c.post.id in ids[:2]} == {PostStatus.HELD})
    dialog.publish_button.click()
    calendar.qtbot.waitUntil(lambda: all(calendar.post(i).status is PostStatus.SCHEDULED for i in ids[:2]), timeout=5000)
    assert sorted(o.post_id for o in calendar.scheduler.cycle()) == ids[:2]
    assert len(list(calendar.ws.paths.exports.iterdir())) == 2
    assert calendar.post(ids[2]).status is PostStatus.SCHEDULED


def test_keeping_missed_posts_held_publishes_nothing(calendar):
    ids = approve(calendar, [1], place=True)
    calendar.clock.now = local(2026, 11, 24, 12)
    calendar.scheduler.cycle()
    calendar.view.findChild(MissedPostsDialog).keep_button.click()
    assert calendar.scheduler.cycle() == [] and calendar.post(ids[0]).status is PostStatus.HELD


def test_clicking_a_chip_opens_its_job(calendar):
    (post_id,) = approve(calendar, [2], place=True)
    chip = calendar.view.chips()[0]
    with calendar.qtbot.waitSignal(calendar.view.job_opened) as opened:
        calendar.qtbot.mouseClick(chip, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert opened.args == [calendar.post(post_id).job_id]


def test_the_list_shows_upcoming_posts_in_local_time_and_names_the_zone(calendar):
    approve(calendar, [1, 2], place=True)
    calendar.view.set_mode(LIST)
    calendar.qtbot.waitUntil(lambda: calendar.view.list.model().rowCount() == 2)
    model = calendar.view.list.model()
    assert [model.index(r, 0).data() for r in range(2)] == ["Mon 23 Nov 2026 17:00", "Tue 24 Nov 2026 17:00"]
    assert model.index(0, 3).data() == "Scheduled"
    assert calendar.view.zone_label.text() == "Times in Europe/Berlin (UTC+01:00)"
    table, where = calendar.view.list, model.index(0, 1).data()
    assert table.columnWidth(1) >= table.fontMetrics().horizontalAdvance(where)  # the target's whole name, not "Export …"


def test_navigating_months_and_weeks(calendar):
    assert calendar.view.period.text() == "November 2026"
    calendar.view.step(1)
    assert calendar.view.period.text() == "December 2026"
    calendar.view.step(-1)
    calendar.view.step(-1)
    assert calendar.view.period.text() == "October 2026"
    calendar.view.set_mode(WEEK)
    calendar.view.go_today()
    assert calendar.view.period.text() == "Week of 23 Nov 2026"


def test_posting_times_are_edited_per_target_and_bad_ones_are_refused(calendar):
    from nexus_desktop.gui.calendar_dialogs import PostingRulesDialog

    calendar.view.actions.edit_posting_times()
    calendar.qtbot.waitUntil(lambda: calendar.view.findChild(PostingRulesDialog) is not None, timeout=5000)
    dialog = calendar.view.findChild(PostingRulesDialog)
    row = next(r for r in dialog.rows if r.target.name == "Export for YouTube")
    row.days[6].setChecked(False)
    row.times.setText("08:00, 8:99")
    save = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Save")
    save.click()
    assert dialog.isVisible() and "Export for YouTube" in dialog.error.text() and "not valid" in dialog.error.text()
    row.times.setText("08:00, 18:30")
    save.click()
    target = lambda: schedule.targets(calendar.ws).get(row.target.id)  # noqa: E731
    calendar.qtbot.waitUntil(lambda: target().rules.get("times") == ["08:00", "18:30"], timeout=5000)
    assert target().rules["weekdays"] == [0, 1, 2, 3, 4, 5]


def test_the_view_runs_the_apps_publisher_and_stops_it_with_the_window(qtbot, sqlite_store, tmp_path, media):
    ws = workspace(sqlite_store, tmp_path, default_targets=["export:youtube"])
    runner = Runner(ws)
    rendered_jobs(sqlite_store, ws.paths, media, 1)
    report = schedule.approve_jobs(ws, [1])
    schedule.publish_now(ws, report.posts)  # due now: the start-up wake-up exports it
    view = CalendarView(AppContext(ws, runner, Operations(ws, runner)))
    scheduler = view.scheduler
    try:
        qtbot.waitUntil(lambda: schedule.posts(ws).get(report.posts[0]).status is PostStatus.PUBLISHED, timeout=10_000)
    finally:
        view.deleteLater()
        qtbot.waitUntil(lambda: not scheduler.running, timeout=10_000)
        runner.shutdown()


def test_a_post_that_needs_checking_can_be_marked_published_from_the_calendar(calendar):
    from nexus_desktop.store.models import Post

    (post_id,) = approve(calendar, [1], place=True)
    with calendar.ws.store.db.write() as session:  # a crash left it unknowable
        session.get(Post, post_id).status = "needs_check"
    calendar.view.actions.mark_published(post_id)
    calendar.qtbot.waitUntil(lambda: calendar.post(post_id).status is PostStatus.PUBLISHED, timeout=5000)


def test_undoing_a_move_after_the_old_time_passed_leaves_the_post_without_a_time(calendar):
    (post_id,) = approve(calendar, [1], place=True)  # Monday 17:00
    undos = []
    calendar.view.ctx.ops.undoable.connect(lambda text, undo, _expire: undos.append((text, undo)))
    calendar.view.actions.move(post_id, local(2026, 11, 26, 9))
    calendar.qtbot.waitUntil(lambda: bool(undos), timeout=5000)
    assert undos[0][0] == "«YT 1» moved to Thu 2026-11-26 09:00"
    calendar.clock.now = local(2026, 11, 24, 8)  # Tuesday: Monday 17:00 has passed
    undos[0][1]()
    calendar.qtbot.waitUntil(lambda: calendar.post(post_id).scheduled_at is None, timeout=5000)
    assert calendar.post(post_id).status is PostStatus.DRAFT  # not published behind the creator's back
    calendar.qtbot.waitUntil(lambda: [p.id for p in calendar.view.unscheduled.posts] == [post_id], timeout=5000)


@pytest.mark.expect_log("failed")
def test_a_post_gone_or_published_meanwhile_is_refused_with_a_reason(calendar):
    first, second = approve(calendar, [1, 2], place=True)
    problems = []
    calendar.view.ctx.ops.problem.connect(lambda title, text: problems.append((title, text)))
    schedule.reject_jobs(calendar.ws, [1], "changed my mind")  # its post goes, behind the calendar's back
    calendar.view.actions.move(first, local(2026, 11, 27, 9))
    calendar.qtbot.waitUntil(lambda: bool(problems), timeout=5000)
    assert problems[0] == ("Moving a post failed", f"there is no post {first}")
    calendar.qtbot.waitUntil(lambda: first not in calendar.view.posts, timeout=5000)  # the calendar read it again

    schedule.posts(calendar.ws).release([second], calendar.clock.now)
    assert [o.post_id for o in calendar.scheduler.cycle()] == [second]  # published meanwhile
    calendar.view.actions.unschedule(second)
    calendar.qtbot.waitUntil(lambda: len(problems) == 2, timeout=5000)
    assert problems[1][0] == "Removing a time failed" and "published" in problems[1][1].lower()
    assert calendar.post(second).status is PostStatus.PUBLISHED
    calendar.view.actions.move(second, local(2026, 11, 27, 9))
    calendar.qtbot.waitUntil(lambda: len(problems) == 3, timeout=5000)
    assert problems[2][0] == "Moving a post failed" and calendar.post(second).status is PostStatus.PUBLISHED
