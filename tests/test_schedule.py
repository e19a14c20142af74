"""Posting rules, suggested times, approving into posts and spreading them over free slots.
All on a fake clock: no test waits."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from nexus_desktop.domain.errors import UserFixableError
from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.domain.posts import PostStatus
from nexus_desktop.pipeline import schedule
from nexus_desktop.pipeline.schedule import PostingRules, next_free_slot
from tests.publish_support import MONDAY, rendered_jobs, workspace

BERLIN = ZoneInfo("Europe/Berlin")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(timezone.utc)


WEEKDAYS_9_17 = PostingRules(weekdays=frozenset(range(5)), times=(time(9), time(17)), max_per_day=2, min_hours_apart=4)


def test_the_next_slot_skips_the_weekend():
    friday_evening = local(2026, 11, 27, 18, 0)
    assert next_free_slot(WEEKDAYS_9_17, [], friday_evening, BERLIN) == local(2026, 11, 30, 9, 0)


def test_a_day_that_is_full_moves_to_the_next():
    rules = PostingRules(times=(time(9), time(17)), max_per_day=1, min_hours_apart=0)
    taken = [local(2026, 11, 23, 9, 0)]
    assert next_free_slot(rules, taken, local(2026, 11, 23, 6, 0), BERLIN) == local(2026, 11, 24, 9, 0)


def test_a_slot_too_close_to_a_taken_time_is_skipped():
    taken = [local(2026, 11, 23, 10, 30)]  # placed by hand
    assert next_free_slot(WEEKDAYS_9_17, taken, local(2026, 11, 23, 6, 0), BERLIN) == local(2026, 11, 23, 17, 0)


def test_slots_keep_local_time_across_daylight_saving():
    rules = PostingRules(times=(time(9),), max_per_day=1)
    before = next_free_slot(rules, [], local(2026, 3, 28, 10, 0), BERLIN)  # Sunday 29 March: clocks go forward
    assert before.astimezone(BERLIN).hour == 9 and before == datetime(2026, 3, 29, 7, 0, tzinfo=timezone.utc)
    winter = next_free_slot(rules, [], local(2026, 3, 27, 10, 0), BERLIN)
    assert winter == datetime(2026, 3, 28, 8, 0, tzinfo=timezone.utc)


def test_a_time_that_does_not_exist_moves_forward():
    rules = PostingRules(times=(time(2, 30),), max_per_day=1)
    slot = next_free_slot(rules, [], local(2026, 3, 28, 12, 0), BERLIN)
    assert slot.astimezone(BERLIN).date().isoformat() == "2026-03-29" and slot.astimezone(BERLIN).hour == 3


def test_rules_from_a_target_config_and_bad_rules_name_the_problem():
    rules = PostingRules.from_config({"weekdays": [1, 3], "times": ["08:30"], "max_per_day": 1}, PostingRules())
    assert rules.describe() == "Tue, Thu at 08:30; at most 1 a day, 3 h apart"
    assert PostingRules.from_config(rules.to_config(), PostingRules()) == rules
    with pytest.raises(UserFixableError, match="posting rules"):
        PostingRules.from_config({"times": ["25:00"]}, PostingRules())
    with pytest.raises(UserFixableError, match="posting rules"):
        PostingRules.from_config({"weekdays": []}, PostingRules())


def test_the_zone_is_named_with_its_offset():
    assert schedule.zone_label(BERLIN, MONDAY) == "Europe/Berlin (UTC+01:00)"
    assert schedule.zone_label(ZoneInfo("America/St_Johns"), MONDAY) == "America/St_Johns (UTC-03:30)"


def test_an_unknown_zone_names_the_setting(sqlite_store, tmp_path):
    ws = workspace(sqlite_store, tmp_path, timezone="Mars/Olympus")
    with pytest.raises(UserFixableError, match="schedule.timezone"):
        schedule.local_zone(ws.settings)


# -- approving and placing --------------------------------------------------------------


def test_approving_creates_a_post_per_default_target_with_its_text(sqlite_store, tmp_path, media):
    ws = workspace(sqlite_store, tmp_path)
    job_id, other = rendered_jobs(sqlite_store, ws.paths, media, 2)
    report = schedule.approve_jobs(ws, [job_id, 999], now=MONDAY)
    assert report.done == (job_id,) and "no job 999" in report.refused[999]
    posts = schedule.posts(ws).for_job(job_id)
    assert sorted(p.style for p in posts) == sorted(  # the export folder, per platform
        ["youtube", "instagram", "x", "linkedin", "tiktok", "facebook", "threads", "bluesky", "mastodon"])
    by_style = {p.style: p for p in posts}
    assert by_style["youtube"].text["title"] == "YT 1" and by_style["x"].text["body"] == "X post 1"
    assert by_style["instagram"].text["hashtags"] == ["battery", "#science"]
    assert all(p.status is PostStatus.DRAFT and p.scheduled_at is None for p in posts)
    assert sqlite_store.jobs.get(job_id).status is JobStatus.APPROVED
    again = schedule.approve_jobs(ws, [job_id], now=MONDAY)
    assert job_id in again.refused and len(schedule.posts(ws).for_job(job_id)) == 9
    assert schedule.posts(ws).for_job(other) == []


def test_default_targets_follow_the_setting(sqlite_store, tmp_path, media):
    ws = workspace(sqlite_store, tmp_path, default_targets=["export:youtube", "youtube"])  # no YouTube account yet
    (job_id,) = rendered_jobs(sqlite_store, ws.paths, media, 1)
    schedule.approve_jobs(ws, [job_id])
    assert [p.style for p in schedule.posts(ws).for_job(job_id)] == ["youtube"]


def test_schedule_all_approved_spreads_posts_over_free_slots(sqlite_store, tmp_path, media):
    ws = workspace(sqlite_store, tmp_path, default_targets=["export:x"])
    schedule.targets(ws).ensure_export_targets()
    x_target = next(t for t in schedule.targets(ws).list() if t.style == "x")
    schedule.targets(ws).update_config(x_target.id, rules=WEEKDAYS_9_17.to_config())
    jobs = rendered_jobs(sqlite_store, ws.paths, media, 5)
    schedule.approve_jobs(ws, jobs)
    plan = schedule.plan_all_approved(ws, now=MONDAY)
    placed = schedule.schedule_all_approved(ws, now=MONDAY)
    assert placed == plan
    assert sorted(placed.values()) == [local(2026, 11, 23, 9), local(2026, 11, 23, 17), local(2026, 11, 24, 9),
                                       local(2026, 11, 24, 17), local(2026, 11, 25, 9)]
    assert all(sqlite_store.jobs.get(j).status is JobStatus.SCHEDULED for j in jobs)
    assert schedule.schedule_all_approved(ws, now=MONDAY) == {}  # nothing left to place


def test_suggest_fills_the_next_free_slot_and_a_job_follows_its_posts(sqlite_store, tmp_path, media):
    ws = workspace(sqlite_store, tmp_path, default_targets=["export:youtube", "export:x"])
    (job_id,) = rendered_jobs(sqlite_store, ws.paths, media, 1)
    report = schedule.approve_jobs(ws, [job_id], now=MONDAY, place=True)
    assert len(report.times) == 2
    assert sqlite_store.jobs.get(job_id).status is JobStatus.SCHEDULED
    yt = next(p for p in schedule.posts(ws).for_job(job_id) if p.style == "youtube")
    assert yt.scheduled_at == local(2026, 11, 23, 17)  # YouTube's default: 17:00, once a day
    assert schedule.suggest_time(ws, yt.id, now=MONDAY) == local(2026, 11, 23, 17)  # its own slot is free to it
    schedule.unschedule(ws, yt.id)
    assert sqlite_store.jobs.get(job_id).status is JobStatus.APPROVED
    assert [p.id for p in schedule.posts(ws).unscheduled()] == [yt.id]
    moved = schedule.reschedule(ws, yt.id, local(2026, 11, 26, 12), now=MONDAY)
    assert moved.status is PostStatus.SCHEDULED and sqlite_store.jobs.get(job_id).status is JobStatus.SCHEDULED


def test_a_time_in_the_past_is_refused_so_the_caller_can_offer_publishing_now(sqlite_store, tmp_path, media):
    ws = workspace(sqlite_store, tmp_path, default_targets=["export:youtube"])
    (job_id,) = rendered_jobs(sqlite_store, ws.paths, media, 1)
    schedule.approve_jobs(ws, [job_id])
    (post,) = schedule.posts(ws).for_job(job_id)
    with pytest.raises(schedule.ScheduledInThePast, match="publish it now"):
        schedule.reschedule(ws, post.id, MONDAY - timedelta(hours=1), now=MONDAY)
    assert schedule.posts(ws).get(post.id).status is PostStatus.DRAFT
    assert schedule.publish_now(ws, [post.id], now=MONDAY) == [post.id]
    assert schedule.posts(ws).get(post.id).scheduled_at == MONDAY


def test_rejecting_drops_posts_that_have_not_gone_out(sqlite_store, tmp_path, media):
    ws = workspace(sqlite_store, tmp_path, default_targets=["export:youtube"])
    jobs = rendered_jobs(sqlite_store, ws.paths, media, 2)
    schedule.approve_jobs(ws, jobs, now=MONDAY, place=True)
    report = schedule.reject_jobs(ws, [jobs[0]], "off-topic")
    assert report.done == (jobs[0],)
    assert schedule.posts(ws).for_job(jobs[0]) == []
    assert sqlite_store.jobs.get(jobs[0]).status_text == "Rejected: off-topic"


def test_choosing_targets_per_job_adds_and_removes_posts(sqlite_store, tmp_path, media):
    ws = workspace(sqlite_store, tmp_path, default_targets=["export:youtube"])
    (job_id,) = rendered_jobs(sqlite_store, ws.paths, media, 1)
    schedule.approve_jobs(ws, [job_id])
    by_style = {t.style: t.id for t in schedule.targets(ws).list()}
    schedule.choose_targets(ws, job_id, [by_style["instagram"], by_style["linkedin"]])
    posts = schedule.posts(ws).for_job(job_id)
    assert sorted(p.style for p in posts) == ["instagram", "linkedin"]
    edited = schedule.posts(ws).set_text(posts[0].id, {**posts[0].text, "body": "My own words"})
    assert edited.text["body"] == "My own words"


def test_a_post_dropped_on_a_day_takes_a_free_posting_time_of_that_day(sqlite_store, tmp_path, media):
    ws = workspace(sqlite_store, tmp_path, default_targets=["export:x"])
    jobs = rendered_jobs(sqlite_store, ws.paths, media, 2)
    schedule.approve_jobs(ws, jobs)
    first, second = (p.id for p in schedule.posts(ws).unscheduled())
    wednesday = local(2026, 11, 25, 0).astimezone(BERLIN).date()
    schedule.reschedule(ws, first, schedule.time_on_day(ws, first, wednesday), now=MONDAY)
    assert schedule.posts(ws).get(first).scheduled_at == local(2026, 11, 25, 9)  # X: 09:00, 13:00, 17:00
    assert schedule.time_on_day(ws, second, wednesday) == local(2026, 11, 25, 13)
    assert schedule.time_on_day(ws, first, wednesday) == local(2026, 11, 25, 9)  # its own slot is free to it


def test_jobs_approved_without_posts_get_them_when_scheduling(sqlite_store, tmp_path, media):
    from nexus_desktop.domain import jobs as job_states

    ws = workspace(sqlite_store, tmp_path, default_targets=["export:youtube"])
    (job_id,) = rendered_jobs(sqlite_store, ws.paths, media, 1)
    sqlite_store.jobs.transition(job_id, job_states.approve)  # approved by a path that makes no posts
    placed = schedule.schedule_all_approved(ws, now=MONDAY)
    assert list(placed.values()) == [local(2026, 11, 23, 17)]
    assert sqlite_store.jobs.get(job_id).status is JobStatus.SCHEDULED
