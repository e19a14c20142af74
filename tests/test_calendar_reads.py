"""The Calendar's bounded reads (issue 13): approved jobs of an older store get their posts a
batch at a time, the side list reads a page and a count, and both give what the unbounded
reads gave — on SQLite and PostgreSQL. The view: "N more" and "Show more", with the
drafting under way after the first read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.gui import calendar_view
from nexus_desktop.gui.app_context import AppContext
from nexus_desktop.gui.calendar_view import CalendarView
from nexus_desktop.gui.operations import Operations
from nexus_desktop.pipeline import schedule
from nexus_desktop.runtime.runner import Runner
from nexus_desktop.runtime.scheduler import PostScheduler
from tests.gui_support import screenshot
from tests.publish_support import FakeClock, rendered_jobs, workspace

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
TARGETS = ["export:youtube", "export:x"]


def approved_without_posts(ws, job_ids) -> None:
    """As an older store has them: approved, and no post drafted at approval."""
    for job_id in job_ids:
        ws.store.posts.approve_job(job_id, {})


def posts_of(ws) -> set[tuple]:
    return {(p.job_id, p.target_id, p.status, p.scheduled_at, repr(sorted(p.text.items())))
            for p in ws.store.posts.list()}


def test_drafting_in_batches_makes_the_posts_one_pass_made(store, tmp_path, media):
    ws = workspace(store, tmp_path, default_targets=TARGETS)
    jobs = rendered_jobs(store, ws.paths, media, 7)
    approved_without_posts(ws, jobs[:5])
    placed = schedule.approve_jobs(ws, [jobs[5]], place=True)  # approved now: drafted and placed at approval
    chosen = schedule.default_targets(ws)
    # What the one-pass ensure_posts stored: each approved job's drafts for every default target.
    expected = posts_of(ws) | {(job_id, target, PostStatus.DRAFT, None, repr(sorted(text.items())))
                               for job_id in jobs[:5] for target, text in schedule.drafts_for(ws, job_id, chosen).items()}

    first = schedule.draft_missing(ws, after=0, limit=2)
    assert len(first.posts) == 2 * len(chosen) and first.after == jobs[1]
    store.posts.reject_job(jobs[2], "off-topic")  # between two batches: not approved, not drafted
    second = schedule.draft_missing(ws, after=first.after, limit=2)
    assert second.after == jobs[4] and {store.posts.get(p).job_id for p in second.posts} == {jobs[3], jobs[4]}
    assert schedule.draft_missing(ws, after=second.after, limit=2) == schedule.Drafted((), None)
    assert schedule.draft_missing(ws, after=0).posts == ()  # nothing left to draft anywhere
    # A job rejected, or drafted by someone else, between the look-up and the write is left as it is.
    assert store.posts.add_drafts_many({jobs[2]: {chosen[0].id: {"title": "x"}}, jobs[0]: {chosen[0].id: {}}}) == []

    assert posts_of(ws) == {p for p in expected if p[0] != jobs[2]}
    assert store.posts.for_job(jobs[5])[0].id in placed.posts  # the job approved with posts kept them, placed


def test_a_page_of_the_side_list_is_the_start_of_the_whole_list(store, tmp_path, media):
    ws = workspace(store, tmp_path, default_targets=TARGETS)
    jobs = rendered_jobs(store, ws.paths, media, 6)
    schedule.approve_jobs(ws, jobs[:5])
    schedule.approve_jobs(ws, [jobs[5]], place=True)  # scheduled: not in the side list
    post = store.posts.for_job(jobs[0])[0]
    store.posts.schedule(post.id, schedule.utcnow() + timedelta(days=1))  # job 1 has one draft left

    everything = store.posts.unscheduled()
    assert len(everything) == 9 and store.posts.count_unscheduled() == 9
    for limit in (1, 4, 9, 20):
        assert [p.id for p in store.posts.unscheduled(limit)] == [p.id for p in everything[:limit]]


def test_the_calendar_reads_use_their_indexes(sqlite_store):
    with sqlite_store.db.engine.connect() as connection:
        plan = lambda sql: " ".join(row[-1] for row in connection.execute(text("EXPLAIN QUERY PLAN " + sql)))  # noqa: E731
        page = plan("SELECT posts.id FROM posts JOIN jobs ON jobs.id = posts.job_id WHERE posts.status = 'draft' "
                    "AND jobs.status = 'approved' ORDER BY posts.job_id, posts.id LIMIT 100")
        shown = plan("SELECT posts.id FROM posts WHERE posts.scheduled_at >= '2026-11-01' AND posts.scheduled_at < "
                     "'2026-12-14' ORDER BY posts.scheduled_at")
    assert "ix_posts_status_job" in page and "TEMP B-TREE" not in page  # walked in order, stops at the page
    assert "ix_posts_time" in shown


@pytest.fixture
def older_store(qtbot, sqlite_store, tmp_path, media, monkeypatch):
    """A calendar over five approved jobs with no posts, two posts a job, a side list of three."""
    monkeypatch.setattr(calendar_view, "SIDE_PAGE", 3)
    monkeypatch.setattr(schedule, "DRAFT_BATCH", 2)
    clock = FakeClock()
    ws = workspace(sqlite_store, tmp_path, default_targets=TARGETS)
    approved_without_posts(ws, rendered_jobs(sqlite_store, ws.paths, media, 5))
    runner = Runner(ws)
    view = CalendarView(AppContext(ws, runner, Operations(ws, runner)), scheduler=PostScheduler(ws, clock=clock),
                        clock=clock)
    # What the side list said at each read, from the very first (connected before anything can
    # deliver it: under load the first read and every batch had finished before the test began).
    view.said = []
    view.refreshed.connect(lambda: view.said.append(view.side_more.text()))
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    yield view, ws
    runner.shutdown()


def test_the_side_list_shows_a_page_and_says_how_many_more(qtbot, older_store, tmp_path):
    view, ws = older_store
    # The first read shows at once; the five jobs' posts are drafted after it, two jobs a write.
    qtbot.waitUntil(lambda: bool(view.said), timeout=5_000)
    assert view.said[0] == "Drafting the posts of older approved jobs…"
    screenshot(view, tmp_path, "calendar-side-drafting")
    qtbot.waitUntil(lambda: view._drafting_after is None and view.unscheduled_total == 10, timeout=10_000)
    qtbot.waitUntil(lambda: len(view.unscheduled.posts) == 3 and "7 more" in view.side_more.text(), timeout=5_000)
    assert view.side_more_button.isVisible() and view.schedule_all_button.isEnabled()
    screenshot(view, tmp_path, "calendar-side-page")

    with qtbot.waitSignal(view.refreshed, timeout=5_000):
        view.side_more_button.click()
    assert len(view.unscheduled.posts) == 6 and view.side_more.text() == "4 more"
    with qtbot.waitSignal(view.refreshed, timeout=5_000):
        view.side_more_button.click()
    assert [p.id for p in view.unscheduled.posts] == [p.id for p in ws.store.posts.unscheduled()][:9]
    with qtbot.waitSignal(view.refreshed, timeout=5_000):
        view.side_more_button.click()
    assert len(view.unscheduled.posts) == 10 and not view.side_more.isVisible() and not view.side_more_button.isVisible()
    screenshot(view, tmp_path, "calendar-side-all")
