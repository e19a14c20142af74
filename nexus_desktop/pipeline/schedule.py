"""Approving jobs into posts, and giving posts times by each target's posting rules.

Times are stored in UTC and reasoned about in the creator's zone (the setting
``schedule.timezone``, or the computer's own): "weekdays at 09:00" means 09:00
where the creator lives, across daylight-saving changes. Every function takes
``now`` so tests run on a fake clock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..domain.content import Script
from ..domain.errors import IllegalTransition, UserFixableError
from ..domain.jobs import JobStatus
from ..providers.platforms import registry
from ..settings import Settings
from ..store.post_claims import Ahead
from ..store.post_records import PostView
from ..store.posts import PostRepo
from ..store.targets import TargetRepo, TargetView
from .flow import Workspace

log = logging.getLogger(__name__)

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# The video each platform takes best; a target's config "format" overrides it.
PLATFORM_FORMATS = {"youtube": "16x9", "instagram": "9x16", "x": "16x9", "linkedin": "1x1", "tiktok": "9x16",
                    "facebook": "9x16", "threads": "9x16", "bluesky": "16x9", "mastodon": "16x9"}
SEARCH_DAYS = 400


def posts(ws: Workspace) -> PostRepo:
    return ws.store.posts


def upload_ahead(settings: Settings) -> dict[str, Ahead]:
    """Platforms that make an uploaded post public at its time themselves (YouTube's publishAt),
    and how early their posts are taken: ``<platform>_upload_ahead_hours`` before their time, but
    never nearer to it than the platform's own margin (then they go out when due)."""
    windows = {}
    for described in registry.descriptions():
        hours = float(getattr(settings.publish, f"{described.name}_upload_ahead_hours", 0.0) or 0.0)
        if described.publishes_at_time_after is not None and hours > 0:
            windows[described.name] = Ahead(nearest=described.publishes_at_time_after, earliest=timedelta(hours=hours))
    return windows


def next_due_at(ws: Workspace, now: datetime) -> datetime | None:
    """When the publishing scheduler should next wake: the first moment from ``now`` on that a
    post can be claimed (a YouTube post's comes before its time, to upload it ahead)."""
    return posts(ws).next_due_at(now, upload_ahead(ws.settings))


def targets(ws: Workspace) -> TargetRepo:
    return ws.store.targets


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# -- time zones ------------------------------------------------------------------


def local_zone(settings: Settings) -> tzinfo:
    """The creator's zone: the setting if given, else the computer's."""
    name = settings.schedule.timezone.strip()
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise UserFixableError(f"unknown time zone '{name}'", hint="fix the setting schedule.timezone, e.g. Europe/Berlin") from exc
    import tzlocal

    try:
        return tzlocal.get_localzone()
    except (ZoneInfoNotFoundError, ValueError, LookupError):
        log.warning("could not tell the computer's time zone; using UTC")
        return timezone.utc


def zone_label(zone: tzinfo, at: datetime) -> str:
    """"Europe/Berlin (UTC+01:00)": the zone's name and its offset at ``at``."""
    local = at.astimezone(zone)
    offset = local.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    name = getattr(zone, "key", None) or local.tzname() or "UTC"
    return f"{name} (UTC{sign}{minutes // 60:02d}:{minutes % 60:02d})"


def format_local(moment: datetime | None, zone: tzinfo) -> str:
    return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M") if moment else "not scheduled"


# -- posting rules ------------------------------------------------------------------


@dataclass(frozen=True)
class PostingRules:
    """When a target may post: on these weekdays (Monday = 0) at these local times,
    at most ``max_per_day`` a day and at least ``min_hours_apart`` hours apart."""

    weekdays: frozenset[int] = frozenset(range(7))
    times: tuple[time, ...] = (time(9), time(17))
    max_per_day: int = 2
    min_hours_apart: float = 3.0

    def __post_init__(self) -> None:
        if not self.weekdays or not set(self.weekdays) <= set(range(7)):
            raise ValueError("posting rules need at least one weekday, numbered 0 (Monday) to 6")
        if not self.times:
            raise ValueError("posting rules need at least one time of day")
        if self.max_per_day < 1 or self.min_hours_apart < 0:
            raise ValueError("at most N a day needs N ≥ 1, and hours apart cannot be negative")
        object.__setattr__(self, "times", tuple(sorted(set(self.times))))

    @classmethod
    def from_config(cls, data: Mapping[str, Any], default: "PostingRules") -> "PostingRules":
        try:
            return cls(
                weekdays=frozenset(int(d) for d in data.get("weekdays", default.weekdays)),
                times=tuple(t if isinstance(t, time) else time.fromisoformat(str(t)) for t in data.get("times", default.times)),
                max_per_day=int(data.get("max_per_day", default.max_per_day)),
                min_hours_apart=float(data.get("min_hours_apart", default.min_hours_apart)),
            )
        except (TypeError, ValueError) as exc:
            raise UserFixableError(f"the posting rules are not valid: {exc}", hint="fix the target's posting rules") from exc

    def to_config(self) -> dict[str, Any]:
        return {"weekdays": sorted(self.weekdays), "times": [t.strftime("%H:%M") for t in self.times],
                "max_per_day": self.max_per_day, "min_hours_apart": self.min_hours_apart}

    def describe(self) -> str:
        days = ", ".join(WEEKDAY_NAMES[d] for d in sorted(self.weekdays))
        times = ", ".join(t.strftime("%H:%M") for t in self.times)
        return f"{days} at {times}; at most {self.max_per_day} a day, {self.min_hours_apart:g} h apart"


WEEKDAYS = frozenset(range(5))
DEFAULT_RULES: dict[str, PostingRules] = {
    "youtube": PostingRules(times=(time(17),), max_per_day=1),
    "instagram": PostingRules(times=(time(11), time(19)), max_per_day=2, min_hours_apart=4),
    "x": PostingRules(times=(time(9), time(13), time(17)), max_per_day=3, min_hours_apart=3),
    "linkedin": PostingRules(weekdays=WEEKDAYS, times=(time(8), time(12)), max_per_day=1),
    "tiktok": PostingRules(times=(time(12), time(19)), max_per_day=2, min_hours_apart=4),
    "facebook": PostingRules(times=(time(9), time(13)), max_per_day=1),
    "threads": PostingRules(times=(time(8), time(12), time(18)), max_per_day=2, min_hours_apart=3),
    "bluesky": PostingRules(times=(time(9), time(13), time(17)), max_per_day=3, min_hours_apart=3),
    "mastodon": PostingRules(times=(time(10), time(16)), max_per_day=2, min_hours_apart=4),
}


def rules_for(target: TargetView, ws: Workspace | None = None) -> PostingRules:
    """The target's own rules; else, given the workspace, times learned from the creator's
    results on that platform (``best_times``); else the platform's defaults."""
    default = DEFAULT_RULES.get(target.style, PostingRules())
    if ws is not None and not target.rules and not target.is_export:
        from .best_times import learned_rules

        default = learned_rules(ws, target.style, default, local_zone(ws.settings))
    return PostingRules.from_config(target.rules, default)


def _candidates(rules: PostingRules, day: date, zone: tzinfo) -> list[datetime]:
    if day.weekday() not in rules.weekdays:
        return []
    # Through UTC and back, so a time that does not exist on a spring-forward day moves on.
    return [datetime.combine(day, t, tzinfo=zone).astimezone(timezone.utc) for t in rules.times]


def next_free_slot(rules: PostingRules, taken: Sequence[datetime], after: datetime, zone: tzinfo) -> datetime:
    """The first time after ``after`` that the rules allow, given the times already taken (UTC)."""
    apart = timedelta(hours=rules.min_hours_apart)
    per_day: dict[date, int] = {}
    for t in taken:
        per_day[t.astimezone(zone).date()] = per_day.get(t.astimezone(zone).date(), 0) + 1
    day = after.astimezone(zone).date()
    for _ in range(SEARCH_DAYS):
        if per_day.get(day, 0) < rules.max_per_day:
            for slot in _candidates(rules, day, zone):
                if slot > after and all(abs(slot - t) >= apart for t in taken):
                    return slot
        day += timedelta(days=1)
    raise UserFixableError("no free time for this post within a year", hint="allow more posts a day or more weekdays")


# -- approving -------------------------------------------------------------------------


def post_text(script: Mapping[str, Any] | None, style: str, job_title: str) -> dict[str, Any]:
    """A post's own copy of its text, taken from the script for the platform's style."""
    if not script:
        return {"title": job_title, "description": "", "body": "", "hashtags": []}
    s = Script.from_dict(script)
    bodies = {"youtube": s.platforms.youtube_description, "instagram": s.platforms.instagram_caption,
              "x": s.platforms.x_post, "linkedin": s.platforms.linkedin_post,
              # the newer networks take the copy closest to their own limits
              "tiktok": s.platforms.instagram_caption, "facebook": s.platforms.instagram_caption,
              "threads": s.platforms.x_post, "bluesky": s.platforms.x_post, "mastodon": s.platforms.x_post}
    title = s.platforms.youtube_title if style == "youtube" else (s.titles[0] if s.titles else s.title)
    description = s.platforms.youtube_description if style == "youtube" else s.description
    return {"title": title or job_title, "description": description, "body": bodies.get(style, s.description),
            "hashtags": list(s.hashtags)}


def default_targets(ws: Workspace) -> list[TargetView]:
    """The targets named by ``schedule.default_targets``; the export folder when none is connected."""
    repo = targets(ws)
    repo.ensure_export_targets()
    repo.ensure_account_targets()
    active = [t for t in repo.list() if t.account_status in (None, "connected")]
    chosen = [t for t in active if any(t.matches(key) for key in ws.settings.schedule.default_targets)]
    if not chosen:
        log.info("none of the default targets %s is connected; posting to the export folder", ws.settings.schedule.default_targets)
        chosen = [t for t in active if t.is_export]
    return chosen


@dataclass(frozen=True)
class Report:
    """What a batch action did: per job or post the result, and per refused one why."""

    done: tuple[int, ...] = ()
    refused: dict[int, str] = field(default_factory=dict)
    posts: tuple[int, ...] = ()  # posts created or placed
    times: dict[int, datetime] = field(default_factory=dict)  # post id → its new time


def drafts_for(ws: Workspace, job_id: int, chosen: Iterable[TargetView]) -> dict[int, dict[str, Any]]:
    detail = ws.store.jobs.detail(job_id)
    if detail is None:
        raise LookupError(f"there is no job {job_id}")
    script = detail.results.get("analyze", {}).get("script")
    return {t.id: post_text(script, t.style, detail.job.title) for t in chosen}


def approve_jobs(ws: Workspace, job_ids: Iterable[int], *, now: datetime | None = None, place: bool = False) -> Report:
    """Approve jobs and create a draft post for each default target (``place``: and give
    them the next free times at once)."""
    chosen = default_targets(ws)
    done, refused, created = [], {}, []
    for job_id in job_ids:
        try:
            _, post_ids = posts(ws).approve_job(job_id, drafts_for(ws, job_id, chosen))
        except (IllegalTransition, LookupError) as exc:
            refused[job_id] = str(exc)
            continue
        done.append(job_id)
        created += post_ids
    times = place_posts(ws, created, now=now or utcnow()) if place else {}
    return Report(tuple(done), refused, tuple(created), times)


DRAFT_BATCH = 40  # approved jobs drafted per write: ~360 posts with nine targets, a short hold of the store


@dataclass(frozen=True)
class Drafted:
    """One batch of ``draft_missing``: the posts made, and where the next batch starts
    (None: no approved job after it lacks posts)."""

    posts: tuple[int, ...]
    after: int | None


def draft_missing(ws: Workspace, *, after: int = 0, limit: int | None = None) -> Drafted:
    """Draft posts for up to ``limit`` approved jobs that have none, the first with an id
    above ``after``, in one write. Approval drafts a job's posts itself; these are jobs
    approved before it did (an older store). Calling again with the returned ``after``
    goes on from there, so no job is looked at twice."""
    limit = limit or DRAFT_BATCH
    missing = posts(ws).approved_without_posts(after=after, limit=limit)
    if not missing:
        return Drafted((), None)
    chosen = default_targets(ws)
    created = posts(ws).add_drafts_many({job_id: drafts_for(ws, job_id, chosen) for job_id in missing})
    return Drafted(tuple(created), missing[-1] if len(missing) == limit else None)


def ensure_posts(ws: Workspace, job_id: int | None = None) -> list[int]:
    """Draft posts for approved jobs that have none (every one, or just ``job_id``), so
    every approved job shows up to be scheduled."""
    if job_id is not None:
        job = ws.store.jobs.get(job_id)
        if job is None or job.status is not JobStatus.APPROVED or posts(ws).for_job(job_id):
            return []
        return posts(ws).add_drafts_many({job_id: drafts_for(ws, job_id, default_targets(ws))})
    created: list[int] = []
    after: int | None = 0
    while after is not None:
        batch = draft_missing(ws, after=after)
        created += batch.posts
        after = batch.after
    return created


def reject_jobs(ws: Workspace, job_ids: Iterable[int], reason: str) -> Report:
    done, refused = [], {}
    for job_id in job_ids:
        try:
            posts(ws).reject_job(job_id, reason)
            done.append(job_id)
        except (IllegalTransition, LookupError) as exc:
            refused[job_id] = str(exc)
    return Report(tuple(done), refused)


def choose_targets(ws: Workspace, job_id: int, target_ids: Iterable[int]) -> list[int]:
    """The preview pane's target choice for one job: posts for exactly these targets."""
    wanted = set(target_ids)
    chosen = [t for t in targets(ws).list() if t.id in wanted]
    return posts(ws).set_job_targets(job_id, drafts_for(ws, job_id, chosen))


# -- placing posts on the calendar ---------------------------------------------------------


class ScheduledInThePast(UserFixableError):
    """The creator picked a time that has passed: ask whether to publish now instead."""


def suggest_time(ws: Workspace, post_id: int, *, now: datetime | None = None) -> datetime:
    """The next free slot on the post's target (its own current time does not count as taken)."""
    post = _post(ws, post_id)
    target = targets(ws).get(post.target_id)
    taken = posts(ws).taken_times(post.target_id)
    if post.scheduled_at in taken:
        taken.remove(post.scheduled_at)
    return next_free_slot(rules_for(target, ws), taken, now or utcnow(), local_zone(ws.settings))


def place_posts(ws: Workspace, post_ids: Iterable[int], *, now: datetime) -> dict[int, datetime]:
    """Give each post the next free slot on its target, spreading them over the free slots."""
    zone = local_zone(ws.settings)
    repo, plan = posts(ws), {}
    taken: dict[int, list[datetime]] = {}
    rules: dict[int, PostingRules] = {}
    for post_id in post_ids:
        post = _post(ws, post_id)
        if post.target_id not in taken:
            taken[post.target_id] = repo.taken_times(post.target_id)
            rules[post.target_id] = rules_for(targets(ws).get(post.target_id), ws)
        slot = next_free_slot(rules[post.target_id], taken[post.target_id], now, zone)
        taken[post.target_id].append(slot)
        plan[post_id] = slot
    if plan:
        repo.schedule_many(plan)
    return plan


def schedule_all_approved(ws: Workspace, *, now: datetime | None = None) -> dict[int, datetime]:
    """``schedule all approved``: every draft post of an approved job gets a free slot."""
    ensure_posts(ws)
    return place_posts(ws, [p.id for p in posts(ws).unscheduled()], now=now or utcnow())


def time_on_day(ws: Workspace, post_id: int, day: date) -> datetime:
    """Where a post dropped on a day (not an hour) goes: the first free posting time of its
    target that day, else its own time of day, else the target's first posting time."""
    zone, post = local_zone(ws.settings), _post(ws, post_id)
    rules = rules_for(targets(ws).get(post.target_id), ws)
    taken = [t for t in posts(ws).taken_times(post.target_id) if t != post.scheduled_at]
    apart = timedelta(hours=rules.min_hours_apart)
    for slot in (datetime.combine(day, t, tzinfo=zone).astimezone(timezone.utc) for t in rules.times):
        if all(abs(slot - t) >= apart for t in taken):
            return slot
    own = post.scheduled_at.astimezone(zone).time() if post.scheduled_at else rules.times[0]
    return datetime.combine(day, own, tzinfo=zone).astimezone(timezone.utc)


def plan_all_approved(ws: Workspace, *, now: datetime | None = None) -> dict[int, datetime]:
    """Where ``schedule_all_approved`` would place each post, without placing any (approved
    jobs that have no posts yet do get their draft posts)."""
    ensure_posts(ws)
    zone, repo = local_zone(ws.settings), posts(ws)
    taken: dict[int, list[datetime]] = {}
    plan = {}
    for post in repo.unscheduled():
        slots = taken.setdefault(post.target_id, repo.taken_times(post.target_id))
        plan[post.id] = next_free_slot(rules_for(targets(ws).get(post.target_id), ws), slots, now or utcnow(), zone)
        slots.append(plan[post.id])
    return plan


def reschedule(ws: Workspace, post_id: int, when: datetime, *, now: datetime | None = None) -> PostView:
    """Move a post to ``when`` (a drag on the calendar). A time in the past is refused
    with ``ScheduledInThePast`` so the caller can offer to publish now."""
    if when.tzinfo is None:
        raise ValueError("reschedule needs a time with its zone")
    if when <= (now or utcnow()):
        raise ScheduledInThePast(
            f"{format_local(when, local_zone(ws.settings))} has already passed", hint="publish it now, or pick a later time"
        )
    return posts(ws).schedule(post_id, when)


def unschedule(ws: Workspace, post_id: int) -> PostView:
    return posts(ws).unschedule(post_id)


def publish_now(ws: Workspace, post_ids: Iterable[int], *, now: datetime | None = None, checked_absent: bool = False) -> list[int]:
    """Make posts due right now (from the calendar, a missed-posts prompt, or ``nexus publish --now``).
    The scheduler, or ``publish_due``, then publishes them once."""
    return posts(ws).release(list(post_ids), now or utcnow(), checked_absent=checked_absent)


def _post(ws: Workspace, post_id: int) -> PostView:
    post = posts(ws).get(post_id)
    if post is None:
        raise LookupError(f"there is no post {post_id}")
    return post
