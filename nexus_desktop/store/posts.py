"""Posts: one job on one target, and every change of its status.

``domain.posts`` allows or refuses each move; this module writes it inside one
short write transaction: reading and listing posts, drafting them when a job is
approved, giving them times, and holding missed ones. Publishing (claims and
outcomes, exactly once) is ``post_claims``; the records callers read are in
``post_records``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, delete, func, insert, or_, select

from ..domain import jobs as job_states
from ..domain.errors import IllegalTransition
from ..domain.jobs import JobStatus
from ..domain.posts import PostStatus
from .database import Database
from .jobs import apply_state, job_state, job_view as _job_view
from .models import Job, Post, Target, utcnow
from .post_claims import Ahead, PostClaims, ready_at
from .post_records import HOLDS_SLOT, MOVABLE, P, PostFilter, PostView, _move, _sync_job, _view
from .views import JobView


class PostRepo(PostClaims):
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

    def unscheduled(self, limit: int | None = None) -> list[PostView]:
        """Drafts of approved jobs: what the calendar's side list offers for dragging (the
        first ``limit`` by job, from the index on status and job)."""
        with self.db.read() as session:
            query = self._select().where(Post.status == P.DRAFT.value, Job.status == JobStatus.APPROVED.value)
            query = query.order_by(Post.job_id, Post.id)
            return [_view(*row) for row in session.execute(query if limit is None else query.limit(limit))]

    def count_unscheduled(self) -> int:
        """How many posts ``unscheduled`` lists in all."""
        with self.db.read() as session:
            query = (select(func.count(Post.id)).join(Job, Job.id == Post.job_id)
                     .where(Post.status == P.DRAFT.value, Job.status == JobStatus.APPROVED.value))
            return int(session.scalar(query) or 0)

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

    def next_due_at(self, now: datetime | None = None, ahead: Mapping[str, Ahead] | None = None) -> datetime | None:
        """The earliest moment a scheduled post can be claimed (the scheduler's next wake-up);
        ``ahead`` as for ``claim``, from ``now`` on."""
        ahead, now = ahead or {}, now or utcnow()
        scheduled = (Post.status == P.SCHEDULED.value, Post.scheduled_at.is_not(None))
        retry_later = Post.next_attempt_at.is_not(None) & (Post.next_attempt_at > Post.scheduled_at)
        with self.db.read() as session:
            # When the first post falls due, in SQL; only posts close enough after it can be taken sooner.
            first_due = session.scalar(select(func.min(case((retry_later, Post.next_attempt_at), else_=Post.scheduled_at)))
                                       .where(*scheduled))
            if first_due is None:
                return None
            if not ahead:
                return first_due
            reach = max(window.earliest for window in ahead.values())
            rows = session.execute(
                select(Post.scheduled_at, Post.next_attempt_at, Target.platform).join(Target, Target.id == Post.target_id)
                .where(*scheduled, Target.platform.in_(list(ahead)), Post.scheduled_at <= first_due + reach)
            ).all()
        return min([first_due, *(ready_at(at, retry, ahead.get(platform), now) for at, retry, platform in rows)])

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

    def approved_without_posts(self, *, after: int = 0, limit: int | None = None) -> list[int]:
        """Approved jobs that have no post yet (approved before posts were drafted at
        approval), by id: those after ``after``, at most ``limit``."""
        with self.db.read() as session:
            has_posts = select(Post.id).where(Post.job_id == Job.id).exists()
            query = select(Job.id).where(Job.status == JobStatus.APPROVED.value, Job.id > after, ~has_posts).order_by(Job.id)
            return list(session.scalars(query if limit is None else query.limit(limit)))

    def add_drafts(self, job_id: int, drafts: dict[int, dict[str, Any]]) -> list[int]:
        with self.db.write() as session:
            return self._add_drafts(session, job_id, drafts)

    def add_drafts_many(self, drafts: Mapping[int, dict[int, dict[str, Any]]]) -> list[int]:
        """``add_drafts`` for several jobs (job id → target id → text) in one transaction and
        one multi-row INSERT; a job that is no longer approved, or has posts by now, is left
        as it is."""
        with self.db.write() as session:
            has_posts = select(Post.id).where(Post.job_id == Job.id).exists()
            ready = set(session.scalars(select(Job.id).where(
                Job.id.in_(list(drafts)), Job.status == JobStatus.APPROVED.value, ~has_posts).with_for_update()))
            rows = [{"job_id": job_id, "target_id": target_id, "status": P.DRAFT.value, "text": dict(text),
                     "uid": uuid.uuid4().hex} for job_id in sorted(ready) for target_id, text in drafts[job_id].items()]
            if not rows:
                return []
            return list(session.scalars(insert(Post).returning(Post.id, sort_by_parameter_order=True), rows))

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

    @staticmethod
    def _get(session, post_id: int) -> Post:
        post = session.get(Post, post_id, with_for_update=True)
        if post is None:
            raise LookupError(f"there is no post {post_id}")
        return post
