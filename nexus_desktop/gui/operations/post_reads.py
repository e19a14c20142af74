"""What the calendar and the Publish tab read. These run in the store lane, not the read lane:
on the way an older store's approved jobs get their posts drafted and the export targets are
made, which are writes (the creator's own actions queue between them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from ...domain.jobs import JobStatus
from ...pipeline import schedule as scheduling
from ...pipeline.flow import Workspace
from ...pipeline.good_hours import GoodHours, good_hours
from ...runtime.lanes import STORE
from ...store.post_records import PostFilter, PostView
from ...store.targets import TargetView
from .base import QueryOp
from .posts import zone_of

if TYPE_CHECKING:
    from ..app_context import AppContext

WITH_POSTS = (JobStatus.APPROVED, JobStatus.SCHEDULED, JobStatus.PUBLISHED)


@dataclass(frozen=True)
class JobPosts:
    """One job's posts as the Publish tab shows them."""

    job_id: int
    status: JobStatus
    targets: list[TargetView]
    posts: list[PostView]
    thumbnails: dict[str, str]  # format → file, for the chooser
    zone: tzinfo
    defaults: tuple[int, ...]  # the default targets, ticked before approval


def _thumbnails(ws: Workspace, job_id: int) -> dict[str, str]:
    found = (ws.store.jobs.results(job_id).get("visualize") or {}).get("thumbnails") or {}
    folder = ws.paths.jobs / f"{job_id:06d}"
    return {name: str(folder / (rel.get("path") if isinstance(rel, dict) else rel)) for name, rel in found.items()}


def read_job_posts(ctx: AppContext, job_id: int, success: Callable[[JobPosts], Any],
                   failure: Callable[[BaseException], Any]) -> None:
    """The job's targets, posts and thumbnails; an approved job of an older store that has no
    posts yet gets them drafted first."""

    def load(ws: Workspace) -> JobPosts:
        job = ws.store.jobs.get(job_id)
        if job is None:
            raise LookupError(f"there is no job {job_id}")
        if job.status in WITH_POSTS:
            scheduling.ensure_posts(ws, job_id)
        defaults = [t.id for t in scheduling.default_targets(ws)] if job.status is JobStatus.AWAITING_REVIEW else []
        return JobPosts(job_id, job.status, scheduling.targets(ws).list(), scheduling.posts(ws).for_job(job_id),
                        _thumbnails(ws, job_id), zone_of(ws), tuple(defaults))

    QueryOp(ctx, load, "Reading the job's posts").success(success).failure(failure).run_in_background(lane=STORE)


@dataclass(frozen=True)
class CalendarRead:
    generation: int  # the view's count of reads asked for: an older one is dropped
    shown: list[PostView]
    unscheduled: list[PostView]  # the first ``side_limit`` of them
    unscheduled_total: int
    upcoming: list[PostView]
    good: tuple[GoodHours, ...] | None  # the good hours per platform; None when not shaded (month, list, switched off)


def read_calendar(ctx: AppContext, generation: int, *, start: datetime, end: datetime, side_limit: int,
                  now: datetime, good_hours_in: tzinfo | None, success: Callable[[CalendarRead], Any],
                  failure: Callable[[BaseException], Any]) -> None:
    """Bounded: the shown range, a page of the side list and its count, the next 200 (indexes
    from migration 0013); the good hours in that zone when the week is shaded (they make the
    export targets a new store is missing)."""

    def load(ws: Workspace) -> CalendarRead:
        repo = scheduling.posts(ws)
        good = good_hours(ws, good_hours_in) if good_hours_in is not None else None
        return CalendarRead(generation, repo.list(PostFilter(start=start, end=end)), repo.unscheduled(side_limit),
                            repo.count_unscheduled(), repo.upcoming(now), good)

    QueryOp(ctx, load, "Reading the calendar").success(success).failure(failure).run_in_background(lane=STORE)


def draft_older_posts(ctx: AppContext, after: int, success: Callable[[scheduling.Drafted], Any],
                      failure: Callable[[BaseException], Any]) -> None:
    """One batch of posts for approved jobs (of an older store) that have none, after job id
    ``after``: a short write, so the creator's own actions queue between batches."""
    QueryOp(ctx, lambda ws: scheduling.draft_missing(ws, after=after), "Drafting posts for approved jobs").success(
        success).failure(failure).run_in_background(lane=STORE)
