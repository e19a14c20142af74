"""Posts missed while the app was closed or the computer slept: held or published per the
setting, never dropped, never doubled. Fake clocks throughout."""

from __future__ import annotations

from datetime import timedelta

from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.pipeline import schedule
from nexus_desktop.pipeline.missed import ClockWatch, catch_up
from nexus_desktop.pipeline.publish import Outcome, Publishing
from tests.publish_support import FakeClock, rendered_jobs, workspace


def placed(ws, media, clock, count):
    """Posts on the export target for YouTube, at 17:00 local on consecutive days."""
    ws.settings.schedule.default_targets = ["export:youtube"]
    jobs = rendered_jobs(ws.store, ws.paths, media, count)
    report = schedule.approve_jobs(ws, jobs, now=clock.now, place=True)
    return sorted(report.times, key=report.times.get), report.times


def test_posts_missed_while_closed_are_held_with_a_reason_and_not_published(sqlite_store, tmp_path, media):
    clock = FakeClock()
    ws = workspace(sqlite_store, tmp_path, missed_posts="hold")
    ids, times = placed(ws, media, clock, 3)
    clock.now = times[ids[1]] + timedelta(hours=1)  # the app was closed over two posting times
    result = catch_up(ws, now=clock.now)
    assert result.held == tuple(ids[:2]) and result.publishing == ()
    post = schedule.posts(ws).get(ids[0])
    assert post.status is PostStatus.HELD
    assert post.error == ("missed: it was due Mon 2026-11-23 17:00 while the app was closed; "
                          "publish it now or pick a new time")
    assert Publishing(ws, clock=clock).publish_due() == []
    assert catch_up(ws, now=clock.now).missed == ()  # a second start-up does not hold them twice
    assert schedule.posts(ws).get(ids[2]).status is PostStatus.SCHEDULED  # still in the future
    schedule.publish_now(ws, [ids[0]], now=clock.now)  # the creator said: publish it now
    assert [o.post_id for o in Publishing(ws, clock=clock).publish_due()] == [ids[0]]
    assert schedule.posts(ws).get(ids[1]).status is PostStatus.HELD
    schedule.reschedule(ws, ids[1], clock.now + timedelta(days=1), now=clock.now)  # or: a new time
    assert schedule.posts(ws).get(ids[1]).status is PostStatus.SCHEDULED
    assert len(list(ws.paths.exports.iterdir())) == 1


def test_posts_missed_while_closed_are_published_now_when_the_setting_says_so(sqlite_store, tmp_path, media):
    clock = FakeClock()
    ws = workspace(sqlite_store, tmp_path, missed_posts="publish")
    ids, times = placed(ws, media, clock, 2)
    clock.now = times[ids[1]] + timedelta(days=2)
    result = catch_up(ws, now=clock.now)
    assert result.publishing == tuple(ids) and result.held == ()
    outcomes = Publishing(ws, clock=clock).publish_due()
    assert [o.outcome for o in outcomes] == [Outcome.PUBLISHED, Outcome.PUBLISHED]
    assert catch_up(ws, now=clock.now).missed == () and Publishing(ws, clock=clock).publish_due() == []
    assert len(list(ws.paths.exports.iterdir())) == 2


def test_a_post_only_just_due_or_already_being_retried_is_not_missed(sqlite_store, tmp_path, media):
    clock = FakeClock()
    ws = workspace(sqlite_store, tmp_path, missed_posts="hold")
    ids, times = placed(ws, media, clock, 2)
    clock.now = times[ids[0]] + timedelta(minutes=2)
    assert catch_up(ws, now=clock.now).missed == ()
    with ws.store.db.write() as session:  # the second was tried before the app closed
        from nexus_desktop.store.models import Post

        session.get(Post, ids[1]).attempts = 1
    clock.now = times[ids[1]] + timedelta(hours=5)
    assert [p.id for p in catch_up(ws, now=clock.now).missed] == [ids[0]]


class Clocks:
    def __init__(self) -> None:
        self.wall, self.mono = 1_000_000.0, 50.0

    def run(self, seconds: float, *, asleep: bool = False) -> None:
        self.wall += seconds
        if not asleep:
            self.mono += seconds


def test_the_clock_watch_tells_sleep_from_time_passing():
    clocks = Clocks()
    watch = ClockWatch(30, slack=90, wall=lambda: clocks.wall, monotonic=lambda: clocks.mono)
    clocks.run(30)
    assert watch.check() is None  # a tick
    clocks.run(600)  # a long upload...
    watch.mark()  # ...that ended just now
    clocks.run(1)
    assert watch.check() is None
    clocks.run(3 * 3600, asleep=True)  # the lid was closed for three hours
    assert watch.check() == 3 * 3600
    clocks.run(30)
    assert watch.check() is None
    clocks.run(900)  # no tick for 15 minutes although the monotonic clock ran (e.g. suspended process)
    assert watch.check() == 870
    clocks.wall -= 3600  # the clock was set back an hour
    assert watch.check() == -3600
