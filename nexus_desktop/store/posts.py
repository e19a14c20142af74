"""Posts: one job on one target, and every change of its status.

``domain.posts`` allows or refuses each move; this module writes it inside one
short write transaction. Publishing is exactly-once because a post is claimed
(scheduled → publishing, with a fresh attempt id and the claimer's name) in one
transaction that PostgreSQL guards with SKIP LOCKED and SQLite with BEGIN
IMMEDIATE, and every outcome is recorded only by the holder of that attempt id.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, or_, select

from ..domain import jobs as job_states
from ..domain import posts as post_states
from ..domain.errors import IllegalTransition
from ..domain.jobs import JobStatus
from ..domain.posts import PostStatus
from .database import Database
from .jobs import ClaimLost, apply_state, claim_is_dead, job_state, job_view as _job_view
from .models import Job, Post, Target, utcnow
from .targets import EXPORT
from .views import JobView

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
    def status_text(self) -> str:
        """What a person reads in the status column."""
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
        claimed_by=post.claimed_by, uid=post.uid or "",
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


class PostRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading -------------------------------------------------------------

    def _select(self) -> Select:
        return select(Post, Target, Job.title).join(Target, Target.id == Post.target_id).join(Job, Job.id == Post.job_id)

    def list(self, where: PostFilter = PostFilter()) -> list[PostView]:
        with self.db.read() as session:
            query = where.apply(self._select()).order_by(Post.scheduled_at.is_(None), Post.scheduled_at, Post.id)
            return [_view(p, t, title) for p, t, title in session.execute(query)]

    def get(self, post_id: int) -> PostView | None:
        with self.db.read() as session:
            row = session.execute(self._select().where(Post.id == post_id)).first()
            return _view(*row) if row else None

    def for_job(self, job_id: int) -> list[PostView]:
        return self.list(PostFilter(job_ids=(job_id,)))

    def unscheduled(self) -> list[PostView]:
        """Drafts of approved jobs: what the calendar's side list offers for dragging."""
        with self.db.read() as session:
            query = self._select().where(Post.status == P.DRAFT.value, Job.status == JobStatus.APPROVED.value)
            return [_view(*row) for row in session.execute(query.order_by(Post.job_id, Post.id))]

    def upcoming(self, now: datetime, limit: int = 200) -> list[PostView]:
        statuses = (P.SCHEDULED, P.PUBLISHING, P.HELD, P.NEEDS_CHECK, P.FAILED)
        with self.db.read() as session:
            query = PostFilter(statuses=statuses).apply(self._select())
            query = query.where(or_(Post.scheduled_at >= now, Post.status != P.SCHEDULED.value))
            query = query.order_by(Post.scheduled_at.is_(None), Post.scheduled_at, Post.id).limit(limit)
            return [_view(*row) for row in session.execute(query)]

    def taken_times(self, target_id: int) -> list[datetime]:
        """Times already used on a target, for the posting rules."""
        with self.db.read() as session:
            query = select(Post.scheduled_at).where(
                Post.target_id == target_id, Post.status.in_([s.value for s in HOLDS_SLOT]), Post.scheduled_at.is_not(None)
            )
            return sorted(session.scalars(query))

    def next_due_at(self) -> datetime | None:
        """The earliest moment a scheduled post falls due (the scheduler's next wake-up)."""
        with self.db.read() as session:
            rows = session.execute(
                select(Post.scheduled_at, Post.next_attempt_at).where(Post.status == P.SCHEDULED.value)
            ).all()
        times = [max(t for t in row if t is not None) for row in rows if row[0] is not None]
        return min(times, default=None)

    def counts_by_status(self) -> dict[str, int]:
        with self.db.read() as session:
            return dict(session.execute(select(Post.status, func.count(Post.id)).group_by(Post.status)).all())

    # -- approving, rejecting and choosing targets -----------------------------

    def approve_job(self, job_id: int, drafts: dict[int, dict[str, Any]]) -> tuple[JobView, list[int]]:
        """Approve a job and create a draft post per target (target id → post text), in one
        transaction. Targets that already have a post for the job keep it."""
        with self.db.write() as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is None:
                raise LookupError(f"there is no job {job_id}")
            apply_state(job, job_states.approve(job_state(job)))
            self._redraft(session, job_id, drafts)
            created = self._add_drafts(session, job_id, drafts)
            return _job_view(job), created

    @staticmethod
    def _redraft(session, job_id: int, drafts: dict[int, dict[str, Any]]) -> None:
        """Posts left from an earlier approval (the job was rejected or redone since) start
        over as drafts with the current script's text: nothing goes out on an old decision."""
        for post in session.scalars(select(Post).where(Post.job_id == job_id, Post.target_id.in_(list(drafts)))):
            if PostStatus(post.status) in MOVABLE:
                if post.status != P.DRAFT.value:
                    _move(post, P.DRAFT)
                post.scheduled_at = post.next_attempt_at = None
                post.text, post.error, post.attempts = dict(drafts[post.target_id]), None, 0

    def approved_without_posts(self) -> list[int]:
        """Approved jobs that have no post yet (approved before any target existed)."""
        with self.db.read() as session:
            has_posts = select(Post.id).where(Post.job_id == Job.id).exists()
            query = select(Job.id).where(Job.status == JobStatus.APPROVED.value, ~has_posts).order_by(Job.id)
            return list(session.scalars(query))

    def add_drafts(self, job_id: int, drafts: dict[int, dict[str, Any]]) -> list[int]:
        with self.db.write() as session:
            return self._add_drafts(session, job_id, drafts)

    @staticmethod
    def _add_drafts(session, job_id: int, drafts: dict[int, dict[str, Any]]) -> list[int]:
        have = set(session.scalars(select(Post.target_id).where(Post.job_id == job_id)))
        posts = [Post(job_id=job_id, target_id=t, status=P.DRAFT.value, text=dict(text)) for t, text in drafts.items() if t not in have]
        session.add_all(posts)
        session.flush()
        return [p.id for p in posts]

    def set_job_targets(self, job_id: int, drafts: dict[int, dict[str, Any]]) -> list[int]:
        """Make the job's posts go to exactly these targets: add drafts for new ones, drop the
        unpublished posts of the others. Refused for a target whose post is being published or out."""
        with self.db.write() as session:
            for post in session.scalars(select(Post).where(Post.job_id == job_id, Post.target_id.not_in(list(drafts)))):
                if PostStatus(post.status) not in MOVABLE:
                    raise IllegalTransition(f"post {post.id} is {PostStatus(post.status).label.lower()}; it cannot be removed")
                session.delete(post)
            session.flush()
            created = self._add_drafts(session, job_id, drafts)
            _sync_job(session, job_id)
            return created

    def reject_job(self, job_id: int, reason: str) -> JobView:
        """Reject a job and drop its posts that have not gone out."""
        with self.db.write() as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is None:
                raise LookupError(f"there is no job {job_id}")
            posts = list(session.scalars(select(Post).where(Post.job_id == job_id).with_for_update()))
            gone = [p for p in posts if PostStatus(p.status) not in MOVABLE]
            if gone:
                raise IllegalTransition(
                    f"job {job_id} has posts that are {', '.join(sorted({PostStatus(p.status).label.lower() for p in gone}))}; "
                    "it can no longer be rejected"
                )
            apply_state(job, job_states.reject(job_state(job), reason))
            session.execute(delete(Post).where(Post.job_id == job_id))
            return _job_view(job)

    def set_text(self, post_id: int, text: dict[str, Any]) -> PostView:
        with self.db.write() as session:
            post = self._get(session, post_id)
            if PostStatus(post.status) not in MOVABLE:
                raise IllegalTransition(f"a {PostStatus(post.status).label.lower()} post's text cannot change")
            post.text = dict(text)
            post.updated_at = utcnow()
        return self.get(post_id)

    # -- times -------------------------------------------------------------------

    def schedule(self, post_id: int, when: datetime) -> PostView:
        """Give a post a time (new, moved, or again after a failure or a hold)."""
        with self.db.write() as session:
            post = self._get(session, post_id)
            _move(post, P.SCHEDULED)
            post.scheduled_at = when
            post.attempts, post.next_attempt_at, post.error = 0, None, None
            _sync_job(session, post.job_id)
        return self.get(post_id)

    def schedule_many(self, times: dict[int, datetime]) -> None:
        """Place several posts in one transaction (``schedule all approved``)."""
        with self.db.write() as session:
            jobs = set()
            for post_id, when in times.items():
                post = self._get(session, post_id)
                _move(post, P.SCHEDULED)
                post.scheduled_at, post.attempts, post.next_attempt_at, post.error = when, 0, None, None
                jobs.add(post.job_id)
            for job_id in sorted(jobs):
                _sync_job(session, job_id)

    def unschedule(self, post_id: int) -> PostView:
        with self.db.write() as session:
            post = self._get(session, post_id)
            _move(post, P.DRAFT)
            post.scheduled_at = post.next_attempt_at = None
            _sync_job(session, post.job_id)
        return self.get(post_id)

    def release(self, post_ids: Iterable[int], when: datetime, *, checked_absent: bool = False) -> list[int]:
        """Send held, failed or needs-checking posts out at ``when`` (usually now).

        ``checked_absent``: the creator looked and the earlier attempt is not on the
        platform, so the next attempt uploads without asking it first."""
        released = []
        with self.db.write() as session:
            for post_id in post_ids:
                post = self._get(session, post_id)
                current = PostStatus(post.status)
                if current in (P.PUBLISHING, P.PUBLISHED):
                    continue
                _move(post, P.SCHEDULED)
                post.scheduled_at, post.attempts, post.next_attempt_at, post.error = when, 0, None, None
                if checked_absent or current is P.NEEDS_CHECK:
                    post.uncertain = False
                _sync_job(session, post.job_id)
                released.append(post_id)
        return released

    def mark_published_by_hand(self, post_id: int, url: str | None, now: datetime) -> PostView:
        """The creator checked a post that needed checking and found it on the platform."""
        with self.db.write() as session:
            post = self._get(session, post_id)
            if PostStatus(post.status) is not P.NEEDS_CHECK:
                raise IllegalTransition("only a post that needs checking can be marked published by hand")
            _move(post, P.PUBLISHED)
            post.url, post.published_at, post.error, post.uncertain = url, now, None, False
            _sync_job(session, post.job_id)
        return self.get(post_id)

    # -- missed posts --------------------------------------------------------------

    def missed(self, now: datetime, grace: timedelta) -> list[PostView]:
        """Scheduled posts never tried whose time passed more than ``grace`` ago."""
        with self.db.read() as session:
            query = self._select().where(
                Post.status == P.SCHEDULED.value, Post.attempts == 0, Post.scheduled_at < now - grace
            ).order_by(Post.scheduled_at, Post.id)
            return [_view(*row) for row in session.execute(query)]

    def hold(self, post_ids: Iterable[int], reason: str) -> list[int]:
        """Hold scheduled posts that were never tried (and nothing else) for the creator."""
        held = []
        with self.db.write() as session:
            for post_id in post_ids:
                post = session.get(Post, post_id, with_for_update=True)
                if post is None or post.status != P.SCHEDULED.value or post.attempts:
                    continue
                _move(post, P.HELD)
                post.error = reason
                held.append(post_id)
        return held

    # -- publishing ----------------------------------------------------------------

    def claim(self, *, now: datetime, worker: str, lease: float, post_id: int | None = None) -> ClaimedPost | None:
        """Atomically take one due post (the given one, or the earliest) into ``publishing``
        with a fresh attempt id. Two app instances never both get the same post."""
        with self.db.write() as session:
            query = select(Post).join(Job, Job.id == Post.job_id).where(
                Post.status == P.SCHEDULED.value, Post.scheduled_at <= now,
                or_(Post.next_attempt_at.is_(None), Post.next_attempt_at <= now),
                Job.status.in_(LIVE_JOBS),  # a job rejected or redone since its posts were planned sends nothing
            )
            if post_id is not None:
                query = query.where(Post.id == post_id)
            post = session.scalar(query.order_by(Post.scheduled_at, Post.id).limit(1).with_for_update(skip_locked=True))
            if post is None:
                return None
            _move(post, P.PUBLISHING)
            post.attempt_id = uuid.uuid4().hex
            post.attempts += 1
            post.claimed_by, post.claim_expires_at = worker, now + timedelta(seconds=lease)
            session.flush()
            return self._claimed(session, post)

    def take_over_stale(self, *, now: datetime, worker: str, lease: float, busy: Iterable[int] = ()) -> list[ClaimedPost]:
        """Posts left in ``publishing`` by a process that died (on this machine), whose claim
        expired, or that this worker holds but is not working on (``busy`` are the ones it is):
        this worker takes them over, keeping their attempt id, to reconcile them."""
        taken, busy = [], set(busy)
        with self.db.write() as session:
            query = select(Post).where(Post.status == P.PUBLISHING.value).with_for_update(skip_locked=True)
            for post in session.scalars(query.order_by(Post.id)):
                if post.id in busy:
                    continue
                expired = post.claim_expires_at is None or post.claim_expires_at < now
                if post.claimed_by == worker or expired or claim_is_dead(post.claimed_by):
                    post.claimed_by, post.claim_expires_at = worker, now + timedelta(seconds=lease)
                    taken.append(post)
            session.flush()
            return [self._claimed(session, post) for post in taken]

    def _claimed(self, session, post: Post) -> ClaimedPost:
        target = session.get(Target, post.target_id)
        title = session.scalar(select(Job.title).where(Job.id == post.job_id)) or ""
        return ClaimedPost(_view(post, target, title), post.attempt_id or "", bool(post.uncertain),
                           dict(post.upload_state or {}), dict(target.config or {}))

    def _owned(self, session, post_id: int, attempt_id: str) -> Post:
        post = session.get(Post, post_id, with_for_update=True)
        if post is None or post.status != P.PUBLISHING.value or post.attempt_id != attempt_id:
            raise ClaimLost(f"post {post_id} is no longer ours (attempt {attempt_id})")
        return post

    def extend(self, post_id: int, attempt_id: str, *, now: datetime, lease: float) -> bool:
        """Keep a claim alive during a long upload; False if it was lost."""
        try:
            with self.db.write() as session:
                self._owned(session, post_id, attempt_id).claim_expires_at = now + timedelta(seconds=lease)
            return True
        except ClaimLost:
            return False

    def save_upload_state(self, post_id: int, attempt_id: str, state: dict[str, Any]) -> None:
        with self.db.write() as session:
            self._owned(session, post_id, attempt_id).upload_state = dict(state)

    def published(self, post_id: int, attempt_id: str, *, remote_id: str, url: str, now: datetime) -> PostView:
        with self.db.write() as session:
            post = self._owned(session, post_id, attempt_id)
            _move(post, P.PUBLISHED)
            _release_claim(post)
            post.remote_id, post.url, post.published_at = remote_id, url, now
            post.error, post.uncertain, post.next_attempt_at, post.upload_state = None, False, None, {}
            _sync_job(session, post.job_id)
        return self.get(post_id)

    def retry_later(self, post_id: int, attempt_id: str, *, at: datetime, reason: str | None, uncertain: bool) -> PostView:
        """Back to ``scheduled``, due again at ``at``; ``uncertain`` when an attempt may have reached the platform."""
        with self.db.write() as session:
            post = self._owned(session, post_id, attempt_id)
            _move(post, P.SCHEDULED)
            _release_claim(post)
            post.next_attempt_at, post.error, post.uncertain = at, reason, uncertain
        return self.get(post_id)

    def failed(self, post_id: int, attempt_id: str, *, reason: str, uncertain: bool) -> PostView:
        return self._end(post_id, attempt_id, P.FAILED, reason, uncertain=uncertain)

    def needs_check(self, post_id: int, attempt_id: str, *, reason: str) -> PostView:
        return self._end(post_id, attempt_id, P.NEEDS_CHECK, reason, uncertain=True)

    def _end(self, post_id: int, attempt_id: str, to: PostStatus, reason: str, *, uncertain: bool) -> PostView:
        with self.db.write() as session:
            post = self._owned(session, post_id, attempt_id)
            _move(post, to)
            _release_claim(post)
            post.error, post.next_attempt_at, post.uncertain = reason, None, uncertain
        return self.get(post_id)

    def hold_account(self, post_id: int, attempt_id: str, *, account_id: int | None, reason: str) -> list[int]:
        """The account needs reconnecting: hold this post and every scheduled post of the account."""
        with self.db.write() as session:
            post = self._owned(session, post_id, attempt_id)
            _move(post, P.HELD)
            _release_claim(post)
            post.error = reason
            held = [post_id]
            if account_id is not None:
                query = select(Post).join(Target, Target.id == Post.target_id).where(
                    Target.account_id == account_id, Post.status == P.SCHEDULED.value
                ).with_for_update(skip_locked=True)
                for other in session.scalars(query):
                    _move(other, P.HELD)
                    other.error = reason
                    held.append(other.id)
            return held

    def release_account(self, account_id: int) -> list[int]:
        """The account was reconnected: its held posts go out at their times again."""
        with self.db.write() as session:
            query = select(Post).join(Target, Target.id == Post.target_id).where(
                Target.account_id == account_id, Post.status == P.HELD.value
            ).with_for_update()
            released = []
            for post in session.scalars(query):
                _move(post, P.SCHEDULED)
                post.error, post.next_attempt_at = None, None
                released.append(post.id)
            return released

    @staticmethod
    def _get(session, post_id: int) -> Post:
        post = session.get(Post, post_id, with_for_update=True)
        if post is None:
            raise LookupError(f"there is no post {post_id}")
        return post
