"""The queries behind the window's jobs table: newest first, a page at a time.

Pages are cut by job id (``id < oldest shown``), not by an offset into a moving
list, so jobs that arrive, change status or go away while the creator scrolls
never shift a page: nothing is shown twice and nothing is skipped. New jobs
are those above the newest id shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select

from ..domain.jobs import JobStatus
from .store import Store
from .jobs import JobFilter
from .models import Job, Post
from .views import JobView


@dataclass(frozen=True)
class _IdRange(JobFilter):
    below: int | None = None
    above: int | None = None

    def apply(self, query: Select) -> Select:
        query = super().apply(query)
        if self.below is not None:
            query = query.where(Job.id < self.below)
        if self.above is not None:
            query = query.where(Job.id > self.above)
        return query


def _within(where: JobFilter, *, below: int | None = None, above: int | None = None) -> _IdRange:
    return _IdRange(where.statuses, where.source, where.search, where.created_from, where.created_to, below, above)


def older_page(store: Store, where: JobFilter, below: int | None, size: int) -> list[JobView]:
    """The ``size`` newest jobs older than job ``below`` (or the newest of all), newest first.

    The ids come from the primary key's index, newest first, then the rows by id:
    neither query counts or skips rows, so the last page costs what the first does.
    """
    with store.db.read() as session:
        query = _within(where, below=below).apply(select(Job.id)).order_by(Job.id.desc()).limit(size)
        ids = list(session.scalars(query))
    views = get_many(store, ids)
    views.sort(key=lambda v: v.id, reverse=True)
    return views


def newer_than(store: Store, where: JobFilter, above: int) -> list[JobView]:
    views = store.jobs.list(_within(where, above=above))
    views.reverse()
    return views


def count_newer(store: Store, where: JobFilter, above: int) -> int:
    return store.jobs.count(_within(where, above=above))


def get_many(store: Store, job_ids: Iterable[int], chunk: int = 500) -> list[JobView]:
    """Jobs by id, in chunks that stay under the database's limit on query parameters."""
    ids = list(job_ids)
    views: list[JobView] = []
    for start in range(0, len(ids), chunk):
        views.extend(store.jobs.get_many(ids[start : start + chunk]))
    return views


def matches(view: JobView, where: JobFilter) -> bool:
    """What ``JobFilter.apply`` selects, for one job already read."""
    if where.statuses and view.status.value not in where.statuses:
        return False
    if where.source and view.source_title != where.source:
        return False
    needle = where.search.strip().lower()
    if needle and needle not in view.title.lower() and needle not in view.source_title.lower():
        return False
    if where.created_from and view.created_at < where.created_from:
        return False
    if where.created_to and view.created_at >= where.created_to:
        return False
    return True


def scheduled_times(store: Store, job_ids: Iterable[int]) -> dict[int, datetime]:
    """The next post time per job, for a page of jobs in one query (the posts
    repository reads one job at a time)."""
    ids = list(job_ids)
    if not ids:
        return {}
    with store.db.read() as session:
        rows = session.execute(
            select(Post.job_id, func.min(Post.scheduled_at))
            .where(Post.job_id.in_(ids), Post.scheduled_at.is_not(None), Post.status != JobStatus.PUBLISHED.value)
            .group_by(Post.job_id)
        ).all()
    return {job_id: moment for job_id, moment in rows if moment is not None}
