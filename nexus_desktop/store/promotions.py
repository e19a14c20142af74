"""Promotions: a rule fired for a post and placed the job on another target, as an ordinary
scheduled post. Exactly once per rule, post and target (a unique row, written in the same
transaction as the post); undone before it goes by removing that post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..domain import jobs as job_states
from ..domain.errors import IllegalTransition
from ..domain.jobs import JobStatus
from ..domain.posts import PostStatus
from .database import Database
from .jobs import apply_state, job_state
from .models import Job, Post, Promotion, utcnow
from .post_records import MOVABLE, _sync_job


@dataclass(frozen=True)
class PromotionView:
    id: int
    rule: str
    source_post_id: int
    target_id: int
    post_id: int | None
    status: str  # placed, undone
    reason: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "created_at": self.created_at.isoformat()}


def _view(p: Promotion) -> PromotionView:
    return PromotionView(p.id, p.rule, p.source_post_id, p.target_id, p.post_id, p.status, p.reason, p.created_at)


class PromotionRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def fired(self, rule: str) -> set[tuple[int, int]]:
        """(source post, target) pairs this rule already fired for, undone ones included."""
        with self.db.read() as session:
            return set(session.execute(select(Promotion.source_post_id, Promotion.target_id).where(Promotion.rule == rule)).all())

    def place(self, rule: str, source_post_id: int, target_id: int, text: dict[str, Any], when: datetime, reason: str) -> PromotionView | None:
        """The new post and its promotion row together; None when this rule already fired here
        or the job already has a post on that target."""
        with self.db.write() as session:
            source = session.get(Post, source_post_id)
            if source is None:
                return None
            done = select(Promotion.id).where(Promotion.rule == rule, Promotion.source_post_id == source_post_id,
                                              Promotion.target_id == target_id)
            taken = select(Post.id).where(Post.job_id == source.job_id, Post.target_id == target_id)
            if session.scalar(done) is not None or session.scalar(taken) is not None:
                return None
            job = session.get(Job, source.job_id, with_for_update=True)
            if JobStatus(job.status) is JobStatus.PUBLISHED:
                apply_state(job, job_states.promoted(job_state(job)))
            elif JobStatus(job.status) not in (JobStatus.SCHEDULED, JobStatus.APPROVED):
                return None
            post = Post(job_id=source.job_id, target_id=target_id, status=PostStatus.SCHEDULED.value, scheduled_at=when, text=dict(text))
            session.add(post)
            session.flush()
            promotion = Promotion(rule=rule, source_post_id=source_post_id, target_id=target_id, post_id=post.id, reason=reason)
            session.add(promotion)
            session.flush()
            return _view(promotion)

    def undo(self, promotion_id: int) -> PromotionView:
        """Take a promotion back before its post goes out (the row stays, so it never fires again)."""
        with self.db.write() as session:
            promotion = session.get(Promotion, promotion_id)
            if promotion is None:
                raise LookupError(f"there is no promotion {promotion_id}")
            post = session.get(Post, promotion.post_id) if promotion.post_id else None
            if post is not None:
                if PostStatus(post.status) not in MOVABLE:
                    raise IllegalTransition(f"post {post.id} is {PostStatus(post.status).label.lower()}; the promotion can no longer be undone")
                job_id = post.job_id
                session.delete(post)
                session.flush()
                self._settle(session, job_id)
            promotion.status, promotion.post_id, promotion.reason = "undone", None, f"{promotion.reason} (undone {utcnow():%Y-%m-%d %H:%M} UTC)"
            return _view(promotion)

    @staticmethod
    def _settle(session, job_id: int) -> None:
        """Without the promoted post, a job whose other posts are all out is published again."""
        statuses = {PostStatus(s) for s in session.scalars(select(Post.status).where(Post.job_id == job_id))}
        job = session.get(Job, job_id, with_for_update=True)
        if statuses == {PostStatus.PUBLISHED} and JobStatus(job.status) is JobStatus.SCHEDULED:
            apply_state(job, job_states.published(job_state(job)))
        else:
            _sync_job(session, job_id)

    def list(self) -> list[PromotionView]:
        with self.db.read() as session:
            return [_view(p) for p in session.scalars(select(Promotion).order_by(Promotion.id))]
