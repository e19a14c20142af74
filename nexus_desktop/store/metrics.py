"""Figures of published posts over time (content_analytics) and when to read them next.

A reading is only ever added, never changed: a platform that corrects its counts
down (spam removed) shows as a lower later reading, and the earlier one stays.
Totals, top lists and curves are computed in SQL over the count columns, so the
Analytics view stays quick with years of readings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from ..domain.metrics import SCHEDULE, Figures
from ..domain.posts import PostStatus
from .database import Database
from .models import Job, LatestFigures, Metric, MetricPlan, Post, Target, utcnow
from .targets import EXPORT

# The video format a post takes by default (mirrors pipeline.schedule.PLATFORM_FORMATS; a store
# module cannot import the pipeline).
FORMATS = {"youtube": "16x9", "instagram": "9x16", "x": "16x9", "linkedin": "1x1"}
SORTS = ("views", "engagements", "impressions", "likes", "comments", "shares")


@dataclass(frozen=True)
class Reading:
    post_id: int
    recorded_at: datetime
    figures: Figures
    source: str  # api, typed, csv


@dataclass(frozen=True)
class DueReading:
    """A published post whose next reading is due."""

    post_id: int
    platform: str
    remote_id: str | None
    target_id: int
    target_name: str
    account_id: int | None
    options: dict[str, Any]
    published_at: datetime
    step: int
    status: PostStatus


@dataclass(frozen=True)
class PostFigures:
    """A post with its latest reading: a row of the Analytics view and of ``nexus metrics``."""

    post_id: int
    job_id: int
    title: str
    platform: str
    feed: str
    published_at: datetime | None
    recorded_at: datetime | None
    readings: int
    views: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    impressions: int | None
    engagements: int
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        iso = lambda t: t.isoformat() if t else None  # noqa: E731
        return {"post_id": self.post_id, "job_id": self.job_id, "title": self.title, "platform": self.platform,
                "feed": self.feed, "published_at": iso(self.published_at), "recorded_at": iso(self.recorded_at),
                "readings": self.readings, "views": self.views, "likes": self.likes, "comments": self.comments,
                "shares": self.shares, "impressions": self.impressions, "engagements": self.engagements, "url": self.url}


@dataclass(frozen=True)
class Total:
    key: str  # the platform, feed or format
    posts: int
    views: int
    likes: int
    comments: int
    shares: int
    impressions: int
    engagements: int

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class PlanView:
    post_id: int
    step: int
    next_at: datetime | None
    done: bool
    failures: int
    last_error: str | None


def _platform_of(target: Target) -> str:
    return str((target.config or {}).get("for") or "youtube") if target.platform == EXPORT else target.platform


def next_step(published_at: datetime, now: datetime, after: int = -1) -> int | None:
    """The first reading after step ``after`` whose time has not come yet, or the latest
    that has (a reading missed while the app was closed is taken once, not several times)."""
    passed = [k for k in range(after + 1, len(SCHEDULE)) if published_at + SCHEDULE[k] <= now]
    if passed:
        return passed[-1]
    return after + 1 if after + 1 < len(SCHEDULE) else None


class MetricRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- readings ----------------------------------------------------------------------------

    def record(self, post_id: int, platform: str, figures: Figures, *, at: datetime | None = None, source: str = "api") -> None:
        self.record_many([(post_id, platform, figures, at or utcnow(), source)])

    def record_many(self, rows: Iterable[tuple[int, str, Figures, datetime, str]]) -> int:
        """Add readings in one transaction (a CSV import), keeping each post's latest in step."""
        with self.db.write() as session:
            added = [self._row(*row) for row in rows]
            session.add_all(added)
            for metric in added:
                self._keep_latest(session, metric)
            return len(added)

    @staticmethod
    def _keep_latest(session, metric: Metric) -> None:
        latest = session.get(LatestFigures, metric.post_id)
        if latest is None:
            latest = LatestFigures(post_id=metric.post_id, readings=0, recorded_at=metric.recorded_at)
            session.add(latest)
        latest.readings = (latest.readings or 0) + 1
        if metric.recorded_at >= latest.recorded_at:  # an older reading from a CSV counts, but is not the latest
            latest.recorded_at, latest.platform = metric.recorded_at, metric.platform
            for name in ("views", "likes", "comments", "shares", "impressions", "engagements"):
                setattr(latest, name, getattr(metric, name))

    @staticmethod
    def _row(post_id: int, platform: str, figures: Figures, at: datetime, source: str) -> Metric:
        return Metric(post_id=post_id, platform=platform, recorded_at=at, source=source, values=figures.to_json(),
                      views=figures.views, likes=figures.likes, comments=figures.comments, shares=figures.shares,
                      impressions=figures.impressions, engagements=figures.engagements)

    def series(self, post_id: int) -> list[Reading]:
        with self.db.read() as session:
            rows = session.execute(select(Metric.recorded_at, Metric.values, Metric.source)
                                   .where(Metric.post_id == post_id).order_by(Metric.recorded_at, Metric.id)).all()
        return [Reading(post_id, at, Figures.from_json(values), source) for at, values, source in rows]

    def series_for_job(self, job_id: int) -> dict[int, list[Reading]]:
        with self.db.read() as session:
            post_ids = list(session.scalars(select(Post.id).where(Post.job_id == job_id).order_by(Post.id)))
        return {post_id: self.series(post_id) for post_id in post_ids}

    def latest(self, post_id: int) -> Reading | None:
        readings = self.series(post_id)
        return readings[-1] if readings else None

    def count(self) -> int:
        with self.db.read() as session:
            return int(session.scalar(select(func.count(Metric.id))) or 0)

    # -- the reading plan ----------------------------------------------------------------------

    def plan_published(self, now: datetime) -> list[int]:
        """Give every published post with a remote id a reading plan, once."""
        with self.db.write() as session:
            has_plan = select(MetricPlan.post_id).where(MetricPlan.post_id == Post.id).exists()
            query = (select(Post.id, Post.published_at).join(Target, Target.id == Post.target_id)
                     .where(Post.status == PostStatus.PUBLISHED.value, Target.platform != EXPORT, ~has_plan))
            planned = []
            for post_id, published_at in session.execute(query).all():
                published_at = published_at or now
                step = next_step(published_at, now)
                session.add(MetricPlan(post_id=post_id, step=step or 0, next_at=published_at + SCHEDULE[step or 0], done=step is None))
                planned.append(post_id)
            return planned

    def due(self, now: datetime, limit: int = 500) -> list[DueReading]:
        with self.db.read() as session:
            query = (select(MetricPlan, Post, Target).join(Post, Post.id == MetricPlan.post_id)
                     .join(Target, Target.id == Post.target_id)
                     .where(MetricPlan.done.is_(False), MetricPlan.next_at <= now)
                     .order_by(MetricPlan.next_at, MetricPlan.post_id).limit(limit))
            return [DueReading(post.id, _platform_of(target), post.remote_id, target.id, target.name, target.account_id,
                               dict(target.config or {}), post.published_at or now, plan.step, PostStatus(post.status))
                    for plan, post, target in session.execute(query).all()]

    def advance(self, post_id: int, now: datetime) -> PlanView:
        """The reading at the plan's step was taken: on to the next one, or done."""
        with self.db.write() as session:
            plan, post = session.get(MetricPlan, post_id), session.get(Post, post_id)
            published = (post.published_at if post else None) or now
            step = next_step(published, now, plan.step)
            plan.failures, plan.last_error = 0, None
            if step is None:
                plan.done, plan.next_at = True, None
            else:
                plan.step, plan.next_at = step, published + SCHEDULE[step]
            return _plan_view(plan)

    def postpone(self, post_id: int, until: datetime, reason: str) -> None:
        with self.db.write() as session:
            plan = session.get(MetricPlan, post_id)
            plan.next_at, plan.last_error, plan.failures = until, reason, plan.failures + 1

    def stop(self, post_id: int, reason: str) -> None:
        with self.db.write() as session:
            plan = session.get(MetricPlan, post_id)
            plan.done, plan.next_at, plan.last_error = True, None, reason

    def plan(self, post_id: int) -> PlanView | None:
        with self.db.read() as session:
            plan = session.get(MetricPlan, post_id)
            return _plan_view(plan) if plan else None

    def problems(self, limit: int = 20) -> list[PlanView]:
        with self.db.read() as session:
            query = select(MetricPlan).where(MetricPlan.last_error.is_not(None)).order_by(MetricPlan.updated_at.desc()).limit(limit)
            return [_plan_view(p) for p in session.scalars(query)]

    def next_due_at(self) -> datetime | None:
        with self.db.read() as session:
            return session.scalar(select(func.min(MetricPlan.next_at)).where(MetricPlan.done.is_(False)))

    # -- aggregates, in SQL ----------------------------------------------------------------------

    @staticmethod
    def _platform():
        return case((Target.platform == EXPORT, LatestFigures.platform), else_=Target.platform)

    def _latest_select(self):
        L = LatestFigures
        return (select(Post.id, Post.job_id, func.coalesce(Job.title, ""), self._platform().label("platform"), Job.source_title,
                       Post.published_at, L.recorded_at, L.readings, L.views, L.likes, L.comments, L.shares, L.impressions,
                       L.engagements, Post.url, Post.text)
                .select_from(L).join(Post, Post.id == L.post_id).join(Target, Target.id == Post.target_id)
                .join(Job, Job.id == Post.job_id))

    @staticmethod
    def _figures_row(row) -> PostFigures:
        title = str((row[15] or {}).get("title") or row[2])
        return PostFigures(row[0], row[1], title, row[3], row[4] or "", row[5], row[6], int(row[7]), row[8], row[9],
                           row[10], row[11], row[12], int(row[13] or 0), row[14])

    def posts(self, *, post_ids: Iterable[int] = (), job_ids: Iterable[int] = (), start: datetime | None = None,
              end: datetime | None = None, sort: str = "views", limit: int | None = None) -> list[PostFigures]:
        """Posts with their latest figures, best first by ``sort``."""
        if sort not in SORTS:
            raise ValueError(f"sort by one of {', '.join(SORTS)}")
        query = self._latest_select()
        post_ids, job_ids = list(post_ids), list(job_ids)
        if post_ids:
            query = query.where(Post.id.in_(post_ids))
        if job_ids:
            query = query.where(Post.job_id.in_(job_ids))
        if start is not None:
            query = query.where(Post.published_at >= start)
        if end is not None:
            query = query.where(Post.published_at < end)
        column = getattr(LatestFigures, sort)
        query = query.order_by(func.coalesce(column, -1).desc(), Post.id)
        if limit:
            query = query.limit(limit)
        with self.db.read() as session:
            return [self._figures_row(row) for row in session.execute(query)]

    def totals(self, by: str, *, start: datetime | None = None, end: datetime | None = None) -> list[Total]:
        """Sums of the latest figures of each post, per platform, feed or format."""
        L, platform = LatestFigures, self._platform()
        keys = {
            "platform": platform,
            "feed": func.coalesce(func.nullif(Job.source_title, ""), "(no feed)"),
            "format": case(*((platform == p, f) for p, f in FORMATS.items()), else_="16x9"),
        }
        if by not in keys:
            raise ValueError("totals by platform, feed or format")
        key = keys[by].label("key")
        total = lambda c: func.coalesce(func.sum(c), 0)  # noqa: E731
        query = (select(key, func.count(L.post_id), total(L.views), total(L.likes), total(L.comments), total(L.shares),
                        total(L.impressions), total(L.engagements))
                 .select_from(L).join(Post, Post.id == L.post_id).join(Target, Target.id == Post.target_id)
                 .join(Job, Job.id == Post.job_id))
        if start is not None:
            query = query.where(Post.published_at >= start)
        if end is not None:
            query = query.where(Post.published_at < end)
        query = query.group_by(key).order_by(total(L.views).desc())
        with self.db.read() as session:
            return [Total(str(r[0]), *(int(v) for v in r[1:])) for r in session.execute(query).all()]

    def count_posts(self, *, start: datetime | None = None) -> int:
        query = select(func.count(LatestFigures.post_id)).join(Post, Post.id == LatestFigures.post_id)
        if start is not None:
            query = query.where(Post.published_at >= start)
        with self.db.read() as session:
            return int(session.scalar(query) or 0)

    def engagement_rates(self, platform: str, *, at: timedelta | None = None) -> list[tuple[int, datetime, float]]:
        """(post, published_at, engagement rate) of each post on ``platform`` from its reading closest
        after ``at`` hours (or its latest): the raw material of best times and promotion rules."""
        platform_col = case((Target.platform == EXPORT, Metric.platform), else_=Target.platform)
        query = (select(Metric.post_id, Post.published_at, Metric.recorded_at, Metric.engagements, Metric.impressions, Metric.views)
                 .join(Post, Post.id == Metric.post_id).join(Target, Target.id == Post.target_id)
                 .where(platform_col == platform, Post.published_at.is_not(None)).order_by(Metric.post_id, Metric.recorded_at))
        chosen: dict[int, tuple[int, datetime, float]] = {}
        with self.db.read() as session:
            for post_id, published, recorded, engagements, impressions, views in session.execute(query):
                base = impressions or views
                if not base or (at is not None and (post_id in chosen or recorded - published < at)):
                    continue  # with ``at``: the first reading at or past it; without: the latest
                chosen[post_id] = (post_id, published, (engagements or 0) / base)
        return list(chosen.values())


def _plan_view(plan: MetricPlan) -> PlanView:
    return PlanView(plan.post_id, plan.step, plan.next_at, plan.done, plan.failures, plan.last_error)
