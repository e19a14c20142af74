"""Running by itself: feeds checked on the interval without hammering a failing one, new and
interrupted jobs taken to review without Run, auto-approve feeds approved by themselves."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.stages import Stage
from nexus_desktop.gui.main import open_window
from nexus_desktop.pipeline.harvest import FeedOutcome
from nexus_desktop.runtime.feed_checks import FeedChecks, check_due_feeds, wait_after
from tests.feed_server import FeedServer, Route, rss
from tests.gui_support import screenshot

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

START = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)
MINUTE = timedelta(minutes=1)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def server():
    with FeedServer() as running:
        running.routes["/feed.xml"] = Route(rss(1), etag='"v1"')
        yield running


@pytest.fixture
def clock() -> Clock:
    return Clock()


def checks_every(ws, minutes: float) -> FeedChecks:  # noqa: F811
    ws.settings.harvest.check_every_minutes = minutes
    ws.settings.harvest.timeout_seconds = 2.0
    return FeedChecks(ws.paths.data)


def test_waits_grow_with_failures_and_honour_retry_after_and_ttl():
    thirty = timedelta(minutes=30)
    failed = FeedOutcome(1, "Down", error="feed returned HTTP 503")
    assert [wait_after(failed, n, thirty) for n in (1, 2, 3)] == [thirty, 2 * thirty, 4 * thirty]
    assert wait_after(failed, 40, thirty) == timedelta(hours=24)  # never longer than a day
    asked = FeedOutcome(1, "Busy", error="feed returned HTTP 429", retry_after=7200)
    assert wait_after(asked, 1, thirty) == timedelta(hours=2)
    assert wait_after(FeedOutcome(1, "Slow", ttl_minutes=180), 0, thirty) == timedelta(hours=3)
    assert wait_after(FeedOutcome(1, "Quick", ttl_minutes=5), 0, thirty) == thirty


def test_a_feed_failing_every_check_is_asked_less_and_less(ws, server, clock):  # noqa: F811
    checks = checks_every(ws, 1)
    ws.store.sources.add(server.url("/down.xml"))
    server.routes["/down.xml"] = Route(b"down", status=500, content_type="text/plain")
    for _ in range(15):  # a quarter of an hour, a tick each minute
        check_due_feeds(ws.store, ws.settings, checks, clock=clock)
        clock.now += MINUTE
    assert server.hits["/down.xml"] == 4  # at minutes 0, 1, 3 and 7; the fifth is due at 15
    assert checks.state(1).failures == 4
    (feed,) = ws.store.sources.list()
    assert feed.last_error == "feed returned HTTP 500"
    # A restart a minute before the fifth check remembers the backoff: no check at once.
    clock.now = START + 14 * MINUTE
    again = FeedChecks(ws.paths.data)
    assert again.state(1).failures == 4
    assert check_due_feeds(ws.store, ws.settings, again, clock=clock).outcomes == ()
    # Back up: the next due check succeeds and the feed returns to the plain interval.
    server.routes["/down.xml"] = Route(rss(1))
    clock.now = again.state(1).next_check
    report = check_due_feeds(ws.store, ws.settings, again, clock=clock)
    assert report.new_jobs == 1 and again.state(1).failures == 0
    assert again.state(1).next_check == clock.now + MINUTE


def test_retry_after_and_ttl_are_honoured(ws, server, clock):  # noqa: F811
    checks = checks_every(ws, 1)
    server.routes["/busy.xml"] = Route(b"slow down", status=429, content_type="text/plain", headers={"Retry-After": "7200"})
    ttl_feed = rss(1).replace(b"<channel>", b"<channel><ttl>120</ttl>")
    server.routes["/ttl.xml"] = Route(ttl_feed)
    ws.store.sources.add(server.url("/busy.xml"))
    ws.store.sources.add(server.url("/ttl.xml"))
    for _ in range(90):
        check_due_feeds(ws.store, ws.settings, checks, clock=clock)
        clock.now += MINUTE
    assert server.hits["/busy.xml"] == 1 and server.hits["/ttl.xml"] == 1
    clock.now = START + timedelta(minutes=121)
    check_due_feeds(ws.store, ws.settings, checks, clock=clock)
    assert server.hits["/busy.xml"] == 2 and server.hits["/ttl.xml"] == 2


def test_after_a_sleep_every_feed_is_checked_once_not_in_a_burst(ws, server, clock):  # noqa: F811
    checks = checks_every(ws, 30)
    for n in range(3):
        server.routes[f"/feed{n}.xml"] = Route(rss(1).replace(b"story-1", f"story-{n}-1".encode()))
        ws.store.sources.add(server.url(f"/feed{n}.xml"))
    check_due_feeds(ws.store, ws.settings, checks, clock=clock)
    clock.now += timedelta(hours=9)  # the lid was closed overnight: eighteen intervals missed
    woke = check_due_feeds(ws.store, ws.settings, checks, clock=clock)
    assert len(woke.outcomes) == 3
    assert check_due_feeds(ws.store, ws.settings, checks, clock=clock).outcomes == ()
    assert [server.hits[f"/feed{n}.xml"] for n in range(3)] == [2, 2, 2]
    # The clock set back a week: the feeds are not left alone for a week.
    clock.now -= timedelta(days=7)
    assert len(check_due_feeds(ws.store, ws.settings, checks, clock=clock).outcomes) == 3


def test_checking_is_off_at_zero(ws, server, clock):  # noqa: F811
    checks = checks_every(ws, 0)
    ws.store.sources.add(server.url("/feed.xml"))
    assert check_due_feeds(ws.store, ws.settings, checks, clock=clock).outcomes == ()
    assert "/feed.xml" not in server.hits


# -- the window --------------------------------------------------------------------------------------


def by_itself(ws, minutes: float = 0.02) -> None:  # noqa: F811
    ws.settings.harvest.auto_run = True
    ws.settings.harvest.check_every_minutes = minutes
    ws.settings.harvest.timeout_seconds = 2.0


def statuses(ws) -> dict[str, JobStatus]:  # noqa: F811
    return {j.title: j.status for j in ws.store.jobs.list()}


def test_the_window_takes_new_articles_to_review_by_itself(qtbot, ws, server, fake_stages, tmp_path):  # noqa: F811
    by_itself(ws)
    ws.store.sources.add(server.url("/feed.xml"))
    window = open_window(ws)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: list(statuses(ws).values()) == [JobStatus.AWAITING_REVIEW], timeout=15_000)
    server.routes["/feed.xml"] = Route(rss(2, 1), etag='"v2"')
    qtbot.waitUntil(lambda: list(statuses(ws).values()) == [JobStatus.AWAITING_REVIEW] * 2, timeout=15_000)
    model = window.jobs_view.model
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5_000)
    qtbot.waitUntil(lambda: "2 to review" in window.status.totals.text(), timeout=5_000)
    assert not fake_stages.fail_at
    screenshot(window, tmp_path, "autopilot-two-to-review")


def test_interrupted_jobs_resume_at_start_up(qtbot, ws, add_jobs, fake_stages):  # noqa: F811
    by_itself(ws, minutes=0)
    (job_id,) = add_jobs(1)
    # A window killed mid-stage an hour ago: its claim ran out.
    claimed = ws.store.jobs.claim(job_id, worker="this-host:1", lease=60.0, now=START - timedelta(hours=1))
    assert claimed is not None
    assert ws.store.jobs.get(job_id).status is JobStatus.RUNNING
    window = open_window(ws)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: ws.store.jobs.get(job_id).status is JobStatus.AWAITING_REVIEW, timeout=15_000)
    assert [s for j, s in fake_stages.calls if j == job_id][-1] is Stage.RENDER


def test_without_auto_run_new_jobs_wait_for_run(qtbot, ws, server, fake_stages):  # noqa: F811
    by_itself(ws)
    ws.settings.harvest.auto_run = False
    ws.store.sources.add(server.url("/feed.xml"))
    window = open_window(ws)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: list(statuses(ws).values()) == [JobStatus.QUEUED], timeout=15_000)
    qtbot.wait(300)  # nothing to wait for: the point is that the queued job does not start by itself
    assert fake_stages.calls == []


def test_an_auto_approve_feed_is_approved_and_placed_by_itself(qtbot, ws, server, fake_stages):  # noqa: F811
    by_itself(ws)
    url = server.url("/feed.xml")
    ws.settings.harvest.auto_approve_feeds = [url]
    ws.store.sources.add(url)
    window = open_window(ws)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: list(statuses(ws).values()) == [JobStatus.APPROVED], timeout=15_000)
    # Placed at the next free time (approving and placing are two writes).
    qtbot.waitUntil(lambda: all(p.scheduled_at is not None for p in ws.store.posts.list()), timeout=5_000)
    assert ws.store.posts.list()


def test_auto_approve_is_switched_per_feed_in_the_feeds_view(qtbot, ws, server, tmp_path):  # noqa: F811
    from nexus_desktop import settings as settings_file

    url = server.url("/feed.xml")
    ws.store.sources.add(url)
    ws.store.sources.add(server.url("/other.xml"))
    window = open_window(ws)
    qtbot.addWidget(window)
    window.show()
    view = window.show_view("Feeds")
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)
    assert not view.auto_approve_button.isEnabled()
    view.table.selectRow(0)
    assert view.auto_approve_button.isEnabled() and not view.auto_approve_button.isChecked()
    view.auto_approve_button.click()
    qtbot.waitUntil(lambda: settings_file.load(ws.paths.settings_file).harvest.auto_approve_feeds == [url])
    assert ws.settings.harvest.auto_approve_feeds == [url]
    view.table.selectRow(1)
    assert not view.auto_approve_button.isChecked()
    view.table.selectRow(0)
    assert view.auto_approve_button.isChecked()
    screenshot(window, tmp_path, "feeds-auto-approve")
