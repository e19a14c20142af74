"""Publishing a post exactly once: claiming it, keeping the claim, and recording the outcome.

A post is claimed (scheduled → publishing, with a fresh attempt id and the claimer's
name) in one transaction that PostgreSQL guards with SKIP LOCKED and SQLite with BEGIN
IMMEDIATE, and every outcome is recorded only by the holder of that attempt id. A
process that died mid-publish leaves its posts for another to take over and reconcile.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from ..domain.posts import PostStatus
from .database import Database
from .jobs import ClaimLost, claim_is_dead
from .models import Job, Post, Target
from .post_records import LIVE_JOBS, ClaimedPost, P, PostView, _move, _release_claim, _sync_job, _view


@dataclass(frozen=True)
class Ahead:
    """A platform's posts may be taken up to ``earliest`` before their time, but not once they
    are nearer to it than ``nearest`` (then they wait until they are due)."""

    nearest: timedelta
    earliest: timedelta


def _ready(now: datetime, ahead: Mapping[str, Ahead]) -> ColumnElement[bool]:
    """Due now, or within its platform's window for uploading ahead."""
    ready: ColumnElement[bool] = Post.scheduled_at <= now
    for platform, window in sorted(ahead.items()):
        if window.earliest > window.nearest:
            ready = or_(ready, and_(Target.platform == platform, Post.scheduled_at > now + window.nearest,
                                    Post.scheduled_at <= now + window.earliest))
    return ready


def ready_at(scheduled_at: datetime, next_attempt_at: datetime | None, window: Ahead | None, now: datetime) -> datetime:
    """The first moment from ``now`` on that ``claim`` takes a scheduled post (maybe already past)."""
    due = max(scheduled_at, next_attempt_at or scheduled_at)
    if window is not None and window.earliest > window.nearest:
        start = max(scheduled_at - window.earliest, next_attempt_at or scheduled_at - window.earliest)
        end = scheduled_at - window.nearest  # nearer than this it waits until due
        if start < end and now < end:
            return start
    return due


class PostClaims:
    """The publishing half of ``PostRepo``: everything between a post falling due and its outcome."""

    db: Database
    get: Callable[[int], PostView | None]  # PostRepo's reading

    # -- publishing ----------------------------------------------------------------

    def claim(self, *, now: datetime, worker: str, lease: float, post_id: int | None = None,
              ahead: Mapping[str, Ahead] | None = None) -> ClaimedPost | None:
        """Atomically take one due post (the given one, or the earliest) into ``publishing``
        with a fresh attempt id. Two app instances never both get the same post.

        ``ahead``: platforms that make a post public at its time themselves (YouTube's
        publishAt), and how early their posts may be taken (see ``Ahead``)."""
        with self.db.write() as session:
            query = select(Post).join(Job, Job.id == Post.job_id).join(Target, Target.id == Post.target_id).where(
                Post.status == P.SCHEDULED.value, _ready(now, ahead or {}),
                or_(Post.next_attempt_at.is_(None), Post.next_attempt_at <= now),
                Job.status.in_(LIVE_JOBS),  # a job rejected or redone since its posts were planned sends nothing
            )
            if post_id is not None:
                query = query.where(Post.id == post_id)
            query = query.order_by(Post.scheduled_at, Post.id).limit(1)
            post = session.scalar(query.with_for_update(skip_locked=True, of=(Post, Job)))
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

    def published(self, post_id: int, attempt_id: str, *, remote_id: str, url: str, now: datetime,
                  public_at: datetime | None = None, cost: str | None = None) -> PostView:
        """The post is out. ``public_at``: it was uploaded ahead and the platform makes it public
        then, so that is when it counts as published (its figures are read from then on).
        ``cost``: what it cost on a paid API, kept with the post."""
        with self.db.write() as session:
            post = self._owned(session, post_id, attempt_id)
            _move(post, P.PUBLISHED)
            _release_claim(post)
            post.remote_id, post.url, post.cost = remote_id, url, cost
            post.public_at = public_at if public_at is not None and public_at > now else None
            post.published_at = post.public_at or now
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
