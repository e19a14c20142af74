"""What a post looks like outside the store, and the row-level moves every post write
goes through.

``PostView`` and ``ClaimedPost`` are the frozen records callers read; ``PostFilter``
narrows a listing. ``_move`` checks each status change against ``domain.posts``, and
``_sync_job`` keeps the job's status in step with its posts; ``posts.PostRepo`` and
``post_claims.PostClaims`` write through both, inside their own transactions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from typing import Any

from sqlalchemy import Select, select

from ..domain import jobs as job_states
from ..domain import posts as post_states
from ..domain.jobs import JobStatus
from ..domain.posts import PostStatus
from .jobs import apply_state, job_state
from .models import Job, Post, Target, utcnow
from .targets import EXPORT

P = PostStatus
# A post in these statuses holds its time slot on its target's calendar.
HOLDS_SLOT = (P.SCHEDULED, P.PUBLISHING, P.PUBLISHED, P.HELD, P.NEEDS_CHECK)
# Jobs whose posts may go out.
LIVE_JOBS = (JobStatus.APPROVED.value, JobStatus.SCHEDULED.value)
# The creator may change the time or text of a post in these statuses.
MOVABLE = (P.DRAFT, P.SCHEDULED, P.HELD, P.FAILED)


@dataclass(frozen=True)
class PostView:
    id: int
    job_id: int
    job_title: str
    target_id: int
    platform: str  # the target's platform: "youtube", ..., or "export"
    style: str  # the platform whose format and text the post takes
    target_name: str
    account_id: int | None
    status: PostStatus
    scheduled_at: datetime | None
    text: dict[str, Any]
    attempts: int
    next_attempt_at: datetime | None
    attempt_id: str | None
    remote_id: str | None
    url: str | None
    error: str | None
    published_at: datetime | None
    updated_at: datetime
    uncertain: bool = False
    claimed_by: str | None = None
    uid: str = ""  # stable across database resets, unlike id
    public_at: datetime | None = None  # uploaded ahead: when the platform makes it public
    cost: str | None = None  # what publishing it cost on a paid API (X's pay-per-use)

    @property
    def title(self) -> str:
        return str(self.text.get("title") or self.job_title)

    @property
    def due_at(self) -> datetime | None:
        """When the post may next be published: its time, or a retry's time if later."""
        if self.scheduled_at is None:
            return None
        if self.next_attempt_at is not None and self.next_attempt_at > self.scheduled_at:
            return self.next_attempt_at
        return self.scheduled_at

    @property
    def goes_public_at(self) -> datetime | None:
        """Uploaded ahead of its time (YouTube's publishAt) and not public yet: when it will be."""
        if self.status is P.PUBLISHED and self.public_at is not None and self.public_at > utcnow():
            return self.public_at
        return None

    @property
    def status_text(self) -> str:
        """What a person reads in the status column (times in UTC: ``status_in`` for a zone)."""
        return self.status_in(timezone.utc)

    def status_in(self, zone: tzinfo) -> str:
        """``status_text`` with its time in ``zone`` (the creator's, in the window), named."""
        if (public := self.goes_public_at) is not None:
            return f"Uploaded, goes public at {public.astimezone(zone):%Y-%m-%d %H:%M %Z}"
        if self.status is P.SCHEDULED and self.error:
            return f"Scheduled (retrying): {self.error}"
        if self.status in (P.FAILED, P.HELD, P.NEEDS_CHECK) and self.error:
            return f"{self.status.label}: {self.error}"
        return self.status.label

    def to_json(self) -> dict[str, Any]:
        iso = lambda t: t.isoformat() if t else None  # noqa: E731
        return {
            "id": self.id, "job_id": self.job_id, "title": self.title, "platform": self.platform, "style": self.style,
            "target": self.target_name, "status": self.status.value, "scheduled_at": iso(self.scheduled_at),
            "next_attempt_at": iso(self.next_attempt_at), "attempts": self.attempts, "url": self.url,
            "remote_id": self.remote_id, "error": self.error, "published_at": iso(self.published_at),
            "public_at": iso(self.public_at), "cost": self.cost,
        }


@dataclass(frozen=True)
class ClaimedPost:
    """A post this worker holds in ``publishing`` under ``attempt_id``."""

    post: PostView
    attempt_id: str
    uncertain: bool  # an earlier attempt may have reached the platform: ask it first
    upload_state: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)  # the target's config


@dataclass(frozen=True)
class PostFilter:
    statuses: tuple[PostStatus, ...] = ()
    job_ids: tuple[int, ...] = ()
    target_id: int | None = None
    start: datetime | None = None  # scheduled_at >= start
    end: datetime | None = None  # scheduled_at < end

    def apply(self, query: Select) -> Select:
        if self.statuses:
            query = query.where(Post.status.in_([s.value for s in self.statuses]))
        if self.job_ids:
            query = query.where(Post.job_id.in_(self.job_ids))
        if self.target_id is not None:
            query = query.where(Post.target_id == self.target_id)
        if self.start is not None:
            query = query.where(Post.scheduled_at >= self.start)
        if self.end is not None:
            query = query.where(Post.scheduled_at < self.end)
        return query


def _view(post: Post, target: Target, job_title: str) -> PostView:
    config = target.config or {}
    style = str(config.get("for") or "youtube") if target.platform == EXPORT else target.platform
    return PostView(
        id=post.id, job_id=post.job_id, job_title=job_title, target_id=target.id, platform=target.platform,
        style=style, target_name=target.name, account_id=target.account_id, status=PostStatus(post.status),
        scheduled_at=post.scheduled_at, text=dict(post.text or {}), attempts=post.attempts,
        next_attempt_at=post.next_attempt_at, attempt_id=post.attempt_id, remote_id=post.remote_id, url=post.url,
        error=post.error, published_at=post.published_at, updated_at=post.updated_at, uncertain=bool(post.uncertain),
        claimed_by=post.claimed_by, uid=post.uid or "", public_at=post.public_at, cost=post.cost,
    )


def _move(post: Post, to: PostStatus) -> None:
    post.status = post_states.check(PostStatus(post.status), to).value
    post.updated_at = utcnow()


def _release_claim(post: Post) -> None:
    post.claimed_by = post.claim_expires_at = None


def _sync_job(session, job_id: int) -> None:
    """Keep the job's status in step with its posts: scheduled once every post has a
    time, approved again when one loses it, published when all are published."""
    job = session.get(Job, job_id, with_for_update=True)
    if job is None:
        return
    statuses = [PostStatus(s) for s in session.scalars(select(Post.status).where(Post.job_id == job_id))]
    state = job_state(job)
    if not statuses:
        return
    if state.status is JobStatus.APPROVED and P.DRAFT not in statuses:
        state = job_states.scheduled(state)
    if state.status is JobStatus.SCHEDULED and P.DRAFT in statuses:
        state = job_states.unscheduled(state)
    if state.status is JobStatus.SCHEDULED and all(s is P.PUBLISHED for s in statuses):
        state = job_states.published(state)
    if state.status is not JobStatus(job.status):
        apply_state(job, state)
