"""The scheduler that fires: start-up catch-up, wake from sleep, the next wake-up, and a
real firing that exports a post at its time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.pipeline import schedule
from nexus_desktop.pipeline.publish import Backoff, Outcome
from nexus_desktop.runtime.scheduler import PostScheduler
from nexus_desktop.store.models import Post
from tests.publish_support import FakeClock, dead_worker, rendered_jobs, workspace


class Watch:
    """A clock watch that reports what the test says."""

    def __init__(self) -> None:
        self.jump: float | None = None

    def check(self):
        jump, self.jump = self.jump, None
        return jump

    def mark(self) -> None:
        pass


def approved(ws, media, clock, count, *, place=True):
    ws.settings.schedule.default_targets = ["export:youtube"]
    report = schedule.approve_jobs(ws, rendered_jobs(ws.store, ws.paths, media, count), now=clock.now, place=place)
    return sorted(report.posts), report.times


def recorder(scheduler: PostScheduler) -> dict[str, list]:
    seen: dict[str, list] = {"changed": [], "missed": [], "jumped": [], "finished": []}
    scheduler.posts_changed.connect(seen["changed"].extend)
    scheduler.missed_found.connect(seen["missed"].append)
    scheduler.clock_jumped.connect(seen["jumped"].append)
    scheduler.publish_finished.connect(seen["finished"].append)
    return seen


def test_start_up_reconciles_a_crash_holds_what_was_missed_and_publishes_what_is_due(sqlite_store, tmp_path, media):
    clock = FakeClock()
    ws = workspace(sqlite_store, tmp_path, missed_posts="hold")
    ids, times = approved(ws, media, clock, 3)
    with ws.store.db.write() as session:  # the first was being exported when the app was killed
        crashed = session.get(Post, ids[0])
        crashed.status, crashed.attempt_id, crashed.attempts, crashed.claimed_by = "publishing", "a1", 1, dead_worker()
    clock.now = times[ids[1]] + timedelta(hours=2)
    scheduler = PostScheduler(ws, clock=clock, watch=Watch(), backoff=Backoff(base=0))
    seen = recorder(scheduler)
    outcomes = scheduler.cycle()
    assert [o.post_id for o in outcomes] == [ids[0]] and outcomes[0].outcome is Outcome.PUBLISHED
    (missed,) = seen["missed"]
    assert missed.held == (ids[1],)
    statuses = {p.id: p.status for p in schedule.posts(ws).list()}
    assert statuses == {ids[0]: PostStatus.PUBLISHED, ids[1]: PostStatus.HELD, ids[2]: PostStatus.SCHEDULED}
    assert scheduler.cycle() == [] and len(seen["missed"]) == 1  # later ticks do not catch up again


def test_waking_from_sleep_holds_the_posts_due_meanwhile(sqlite_store, tmp_path, media):
    clock = FakeClock()
    ws = workspace(sqlite_store, tmp_path, missed_posts="hold")
    ids, times = approved(ws, media, clock, 2)
    watch = Watch()
    scheduler = PostScheduler(ws, clock=clock, watch=watch)
    seen = recorder(scheduler)
    scheduler.cycle()
    clock.now = times[ids[1]] + timedelta(hours=1)  # asleep over both posting times
    watch.jump = 30 * 3600
    assert scheduler.cycle() == []
    assert seen["jumped"] == [30 * 3600] and seen["missed"][-1].held == tuple(ids)
    assert "while the computer was asleep" in schedule.posts(ws).get(ids[0]).error
    assert scheduler.publish_now([ids[0]]) == [ids[0]]
    assert [o.post_id for o in scheduler.cycle()] == [ids[0]]


def test_the_next_wake_up_is_when_the_next_post_falls_due(sqlite_store, tmp_path, media):
    ws = workspace(sqlite_store, tmp_path)
    clock = FakeClock(datetime.now(timezone.utc).replace(microsecond=0))
    ids, times = approved(ws, media, clock, 2)
    scheduler = PostScheduler(ws, clock=clock)
    scheduler.start()
    try:
        scheduler.refresh()
        assert scheduler.next_fire_time() == min(times.values()) + timedelta(milliseconds=10)
        schedule.reschedule(ws, ids[0], clock.now + timedelta(minutes=5), now=clock.now)
        scheduler.refresh()
        assert scheduler.next_fire_time() == clock.now + timedelta(minutes=5, milliseconds=10)
    finally:
        assert scheduler.stop()


def test_the_running_scheduler_exports_a_post_at_its_time(sqlite_store, tmp_path, media, qtbot):
    ws = workspace(sqlite_store, tmp_path)
    ids, _ = approved(ws, media, FakeClock(), 1, place=False)
    scheduler = PostScheduler(ws, tick_seconds=3600)
    scheduler.start()
    try:
        with qtbot.waitSignal(scheduler.publish_finished, timeout=10_000) as finished:
            schedule.reschedule(ws, ids[0], datetime.now(timezone.utc) + timedelta(milliseconds=300))
            scheduler.refresh()  # what the calendar calls after a drop
        assert finished.args[0].outcome is Outcome.PUBLISHED
        assert len(list(ws.paths.exports.iterdir())) == 1
    finally:
        assert scheduler.stop()
