"""The queries behind the Health view and ``nexus health``: success rates, recent errors,
what each job cost, and which published jobs have files to clean up. Counted in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..domain.jobs import JobStatus
from ..domain.posts import PostStatus
from .database import Database
from .models import Job, Post, Target
from .targets import EXPORT


@dataclass(frozen=True)
class Rate:
    key: str  # a stage ("analyze") or a platform ("youtube")
    succeeded: int
    failed: int

    @property
    def rate(self) -> float | None:
        total = self.succeeded + self.failed
        return self.succeeded / total if total else None


@dataclass(frozen=True)
class JobCost:
    job_id: int
    title: str
    created_at: datetime
    tokens: int
    voice_characters: int
    x_posts: int


@dataclass(frozen=True)
class RecentError:
    at: datetime
    what: str  # "job 3 (render)", "post 9 (youtube)"
    reason: str


class HealthQueries:
    def __init__(self, db: Database) -> None:
        self.db = db

    def stage_rates(self, since: datetime) -> list[Rate]:
        """Per production stage, among jobs touched since ``since``: done, or failed there last."""
        counts: dict[str, list[int]] = {}
        with self.db.read() as session:
            for done, errors, status, stage in session.execute(
                    select(Job.done, Job.errors, Job.status, Job.stage).where(Job.updated_at >= since)):
                for name in done or []:
                    counts.setdefault(name, [0, 0])[0] += 1
                if status == JobStatus.FAILED.value and stage:
                    counts.setdefault(stage, [0, 0])[1] += 1
                for name in (errors or {}):
                    if name not in (done or []) and not (status == JobStatus.FAILED.value and name == stage):
                        counts.setdefault(name, [0, 0])[1] += 1
        order = ("analyze", "narrate", "visualize", "render")  # media generation; publishing is per platform
        return [Rate(k, *counts[k]) for k in order if k in counts]

    def publish_rates(self, since: datetime) -> list[Rate]:
        """Per platform: posts published since ``since`` against posts that failed or need checking."""
        ok = {PostStatus.PUBLISHED.value}
        bad = {PostStatus.FAILED.value, PostStatus.NEEDS_CHECK.value}
        with self.db.read() as session:
            rows = session.execute(
                select(Target.platform, Post.status, func.count(Post.id)).join(Target, Target.id == Post.target_id)
                .where(Post.updated_at >= since, Post.status.in_(ok | bad)).group_by(Target.platform, Post.status)).all()
        counts: dict[str, list[int]] = {}
        for platform, status, n in rows:
            counts.setdefault(platform, [0, 0])[0 if status in ok else 1] += int(n)
        return [Rate(k, *v) for k, v in sorted(counts.items())]

    def recent_errors(self, limit: int = 10) -> list[RecentError]:
        found: list[RecentError] = []
        with self.db.read() as session:
            for job_id, stage, error, at in session.execute(
                    select(Job.id, Job.stage, Job.error, Job.updated_at).where(Job.error.is_not(None), Job.error != "")
                    .order_by(Job.updated_at.desc()).limit(limit)):
                found.append(RecentError(at, f"job {job_id} ({stage})", error))
            for post_id, platform, error, at in session.execute(
                    select(Post.id, Target.platform, Post.error, Post.updated_at).join(Target, Target.id == Post.target_id)
                    .where(Post.error.is_not(None), Post.error != "").order_by(Post.updated_at.desc()).limit(limit)):
                found.append(RecentError(at, f"post {post_id} ({platform})", error))
        return sorted(found, key=lambda e: e.at, reverse=True)[:limit]

    def job_costs(self, since: datetime | None = None) -> list[JobCost]:
        query = select(Job.id, Job.title, Job.created_at, Job.results).order_by(Job.id)
        if since is not None:
            query = query.where(Job.created_at >= since)
        x_posts = self._x_posts()
        costs = []
        with self.db.read() as session:
            for job_id, title, created, results in session.execute(query):
                script = ((results or {}).get("analyze") or {}).get("script") or {}
                narration = ((results or {}).get("narrate") or {}).get("narration") or {}
                characters = len(str(script.get("narration") or "")) if narration.get("provider") == "elevenlabs" else 0
                costs.append(JobCost(job_id, title, created, int(script.get("tokens_used") or 0), characters, x_posts.get(job_id, 0)))
        return costs

    def _x_posts(self) -> dict[int, int]:
        with self.db.read() as session:
            rows = session.execute(select(Post.job_id, func.count(Post.id)).join(Target, Target.id == Post.target_id)
                                   .where(Target.platform == "x", Post.status == PostStatus.PUBLISHED.value)
                                   .group_by(Post.job_id)).all()
        return {job_id: int(n) for job_id, n in rows}

    def published_jobs_before(self, before: datetime) -> list[tuple[int, dict[str, Any]]]:
        """Published jobs last changed before ``before``, with their results (to know the final files)."""
        with self.db.read() as session:
            return [(job_id, dict(results or {})) for job_id, results in session.execute(
                select(Job.id, Job.results).where(Job.status == JobStatus.PUBLISHED.value, Job.updated_at < before))]

    def export_posts(self) -> int:
        with self.db.read() as session:
            return int(session.scalar(select(func.count(Post.id)).join(Target, Target.id == Post.target_id)
                                      .where(Target.platform == EXPORT)) or 0)
