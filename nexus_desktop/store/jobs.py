"""Jobs: listing, atomic claims, stage results, and every state change.

State changes are computed by ``domain.jobs`` (the one place that allows or
refuses them) and written here inside one short write transaction.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Select, delete, func, or_, select, update

from ..domain import jobs as job_states
from ..domain.content import Article
from ..domain.errors import IllegalTransition
from ..domain.jobs import JobState, JobStatus
from ..domain.stages import PRODUCTION, Stage
from .database import Database
from .models import Asset, Item, Job, Source, utcnow
from .views import JobDetail, JobView


def this_worker() -> str:
    """Who holds a claim: host and process, so a restart can spot its own dead claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim_is_dead(claimed_by: str | None) -> bool:
    if not claimed_by:
        return True
    host, _, pid = claimed_by.rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and not _pid_alive(int(pid))


def job_state(job: Job) -> JobState:
    return JobState.from_names(job.status, job.done, job.error)


def apply_state(job: Job, state: JobState) -> None:
    job.status = state.status.value
    job.stage = state.stage.value
    job.done = state.done_names()
    job.error = state.error
    job.updated_at = utcnow()


def job_view(job: Job) -> JobView:
    state = job_state(job)
    return JobView(
        id=job.id,
        item_id=job.item_id,
        title=job.title,
        source_title=job.source_title,
        status=state.status,
        stage=state.stage,
        done=state.done,
        error=job.error,
        progress=job.progress,
        progress_message=job.progress_message,
        created_at=job.created_at,
        updated_at=job.updated_at,
        claimed_by=job.claimed_by,
    )


class ClaimLost(Exception):
    """Another worker took the job over (our claim expired): our result is dropped."""


@dataclass(frozen=True)
class JobFilter:
    statuses: tuple[str, ...] = ()
    source: str | None = None
    search: str = ""
    created_from: datetime | None = None
    created_to: datetime | None = None

    def apply(self, query: Select) -> Select:
        if self.statuses:
            query = query.where(Job.status.in_(self.statuses))
        if self.source:
            query = query.where(Job.source_title == self.source)
        if self.search:
            pattern = f"%{self.search.strip()}%"
            query = query.where(or_(Job.title.ilike(pattern), Job.source_title.ilike(pattern)))
        if self.created_from:
            query = query.where(Job.created_at >= self.created_from)
        if self.created_to:
            query = query.where(Job.created_at < self.created_to)
        return query


class JobRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading -------------------------------------------------------------

    def list(self, where: JobFilter = JobFilter(), *, offset: int = 0, limit: int | None = None) -> list[JobView]:
        with self.db.read() as session:
            query = where.apply(select(Job)).order_by(Job.id).offset(offset)
            if limit is not None:
                query = query.limit(limit)
            return [job_view(job) for job in session.scalars(query)]

    def count(self, where: JobFilter = JobFilter()) -> int:
        with self.db.read() as session:
            return session.scalar(where.apply(select(func.count(Job.id)))) or 0

    def counts_by_status(self) -> dict[str, int]:
        with self.db.read() as session:
            return dict(session.execute(select(Job.status, func.count(Job.id)).group_by(Job.status)).all())

    def get(self, job_id: int) -> JobView | None:
        with self.db.read() as session:
            job = session.get(Job, job_id)
            return job_view(job) if job else None

    def get_many(self, job_ids: Iterable[int]) -> list[JobView]:
        ids = list(job_ids)
        with self.db.read() as session:
            return [job_view(j) for j in session.scalars(select(Job).where(Job.id.in_(ids)).order_by(Job.id))]

    def detail(self, job_id: int) -> JobDetail | None:
        with self.db.read() as session:
            job = session.get(Job, job_id)
            if job is None:
                return None
            return JobDetail(job_view(job), dict(job.results or {}), dict(job.errors or {}))

    def results(self, job_id: int) -> dict[str, Any]:
        detail = self.detail(job_id)
        return detail.results if detail else {}

    def article(self, job_id: int) -> Article:
        with self.db.read() as session:
            row = session.execute(
                select(Item, Source.title, Source.url).join(Job, Job.item_id == Item.id).outerjoin(Source, Source.id == Item.source_id)
                .where(Job.id == job_id)
            ).one()
            item, source_title, feed_url = row
            return Article(
                item_id=item.id,
                title=item.title,
                link=item.link or "",
                author=item.author,
                published=item.published,
                summary_html=item.summary,
                content_html=item.content,
                image_url=item.image_url,
                language=item.language,
                source_title=source_title or "",
                image_urls=tuple(u for u in item.image_urls or () if isinstance(u, str)),
                feed_url=feed_url or "",
            )

    def runnable_ids(self, stages: Iterable[Stage] = PRODUCTION) -> list[int]:
        with self.db.read() as session:
            query = select(Job.id).where(Job.status == JobStatus.QUEUED.value, Job.stage.in_([s.value for s in stages]))
            return list(session.scalars(query.order_by(Job.id)))

    def mark_sent(self, job_ids: Iterable[int], *, unless_sent_after: datetime | None = None) -> list[int]:
        """Note that these queued jobs' next stage went to the farm; with
        ``unless_sent_after``, only jobs untouched since then (one sender wins)."""
        ids = list(job_ids)
        if not ids:
            return []
        with self.db.write() as session:
            query = update(Job).where(Job.id.in_(ids), Job.status == JobStatus.QUEUED.value)
            if unless_sent_after is not None:
                query = query.where(Job.updated_at < unless_sent_after)
            rows = session.execute(query.values(updated_at=utcnow()).returning(Job.id))
            return sorted(rows.scalars())

    # -- claims ----------------------------------------------------------------

    def claim(
        self, job_id: int | None = None, *, worker: str | None = None, lease: float = 120.0, now: datetime | None = None,
        stages: Iterable[Stage] = PRODUCTION,
    ) -> JobView | None:
        """Atomically take a queued job (the given one, or the oldest) and mark it running.

        PostgreSQL skips rows another worker has locked; SQLite serialises writers
        with BEGIN IMMEDIATE, so two processes never claim the same job.
        """
        now = now or datetime.now(timezone.utc)
        with self.db.write() as session:
            query = select(Job).where(
                Job.status == JobStatus.QUEUED.value, Job.stage.in_([s.value for s in stages])
            )
            if job_id is not None:
                query = query.where(Job.id == job_id)
            job = session.scalar(query.order_by(Job.id).limit(1).with_for_update(skip_locked=True))
            if job is None:
                return None
            apply_state(job, job_states.start(job_state(job)))
            job.claimed_by = worker or this_worker()
            job.claim_expires_at = now + timedelta(seconds=lease)
            job.attempts += 1
            job.progress, job.progress_message = 0, f"Starting {job.stage}"
            return job_view(job)

    def heartbeat(self, job_id: int, worker: str, lease: float = 120.0) -> bool:
        """Extend a claim; False if the claim was lost."""
        # One UPDATE, not a loaded row: loading it decodes the job's results JSON (megabytes
        # after visualize) with the GIL held, which stalled the window (bench/README.md, Window).
        with self.db.write() as session:
            done = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.claimed_by == worker, Job.status == JobStatus.RUNNING.value)
                .values(claim_expires_at=datetime.now(timezone.utc) + timedelta(seconds=lease))
                .execution_options(synchronize_session=False)
            )
            return done.rowcount == 1

    def recover_interrupted(self, now: datetime | None = None) -> list[int]:
        """Running jobs whose worker died (its claim expired, or its process on this
        host is gone) go back to the queue at the stage they were on."""
        now = now or datetime.now(timezone.utc)
        recovered = []
        with self.db.write() as session:
            for job in session.scalars(select(Job).where(Job.status == JobStatus.RUNNING.value).with_for_update()):
                expired = job.claim_expires_at is None or job.claim_expires_at < now
                if expired or claim_is_dead(job.claimed_by):
                    apply_state(job, job_states.interrupted(job_state(job)))
                    job.claimed_by = job.claim_expires_at = None
                    job.progress, job.progress_message = 0, "Resuming after an interruption"
                    recovered.append(job.id)
        return recovered

    def _owned(self, session, job_id: int, worker: str) -> Job:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.claimed_by != worker or job.status != JobStatus.RUNNING.value:
            raise ClaimLost(f"job {job_id} is no longer ours")
        return job

    def record_success(self, job_id: int, stage: Stage, results: dict[str, Any], assets, worker: str) -> JobView:
        """Store a stage's output and advance the job, in one transaction."""
        with self.db.write() as session:
            job = self._owned(session, job_id, worker)
            job.results = {**(job.results or {}), stage.value: results}
            errors = dict(job.errors or {})
            errors.pop(stage.value, None)
            job.errors = errors
            for record in assets:
                self._upsert_asset(session, job_id, record)
            apply_state(job, job_states.stage_succeeded(job_state(job), stage))
            job.claimed_by = job.claim_expires_at = None
            job.progress, job.progress_message = 100, f"{stage.value.capitalize()} done"
            return job_view(job)

    def record_failure(self, job_id: int, stage: Stage, reason: str, worker: str) -> JobView:
        with self.db.write() as session:
            job = self._owned(session, job_id, worker)
            job.errors = {**(job.errors or {}), stage.value: reason}
            apply_state(job, job_states.stage_failed(job_state(job), reason))
            job.claimed_by = job.claim_expires_at = None
            job.progress_message = f"Failed at {stage.value}"
            return job_view(job)

    def release(self, job_id: int, worker: str, *, cancelled: bool) -> JobView | None:
        """Give a claimed job back: cancelled by the creator, or interrupted by shutdown."""
        with self.db.write() as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is None or job.claimed_by != worker:
                return job_view(job) if job else None
            if job.status == JobStatus.RUNNING.value:
                event = job_states.cancel if cancelled else job_states.interrupted
                apply_state(job, event(job_state(job)))
            job.claimed_by = job.claim_expires_at = None
            job.progress, job.progress_message = 0, "Cancelled" if cancelled else "Paused"
            return job_view(job)

    @staticmethod
    def _upsert_asset(session, job_id: int, record) -> None:
        asset = session.scalar(select(Asset).where(Asset.job_id == job_id, Asset.path == record.path))
        if asset is None:
            asset = Asset(job_id=job_id, path=record.path)
            session.add(asset)
        elif asset.checksum != record.checksum:
            asset.sync_status, asset.sync_error = "local", None
        asset.kind, asset.format, asset.duration = record.kind, record.format, record.duration
        asset.checksum, asset.size = record.checksum, record.size

    def set_progress(self, job_id: int, percent: int, message: str) -> None:
        with self.db.write() as session:  # one UPDATE: no results JSON decoded once a second (see heartbeat)
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == JobStatus.RUNNING.value)
                .values(progress=percent, progress_message=message[:500])
                .execution_options(synchronize_session=False)
            )

    # -- the creator's actions -------------------------------------------------

    def transition(self, job_id: int, event: Callable[..., JobState], *args) -> JobView:
        """Apply one domain event (approve, reject, retry, cancel, ...) to one job."""
        with self.db.write() as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is None:
                raise LookupError(f"there is no job {job_id}")
            apply_state(job, event(job_state(job), *args))
            if job.status != JobStatus.RUNNING.value:
                job.claimed_by = job.claim_expires_at = None
            return job_view(job)

    def transition_many(self, job_ids: Iterable[int], event: Callable[..., JobState], *args) -> tuple[list[JobView], dict[int, str]]:
        """Apply an event to each job; returns the changed jobs and, per refused job, why."""
        changed, refused = [], {}
        for job_id in job_ids:
            try:
                changed.append(self.transition(job_id, event, *args))
            except (IllegalTransition, LookupError) as exc:
                refused[job_id] = str(exc)
        return changed, refused

    def edit_results(self, job_id: int, stage: Stage, results: dict[str, Any], redo: frozenset[Stage]) -> JobView:
        """Replace one stage's results (the creator edited the script) and redo what depends on it."""
        with self.db.write() as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is None:
                raise LookupError(f"there is no job {job_id}")
            state = job_states.redo(job_state(job), redo) if redo else job_state(job)
            job.results = {**(job.results or {}), stage.value: results}
            apply_state(job, state)
            return job_view(job)

    def edit_entry(self, job_id: int, key: str, edit: Callable[[Any], Any],
                   redo: frozenset[Stage] = frozenset()) -> tuple[JobView, Any]:
        """Change a results entry that is no stage's own (the creator's shot changes) in one
        transaction, and redo ``redo``; returns the job and the entry as it was. Refused while
        a stage runs, whose stored result would not match what the creator sees."""
        with self.db.write() as session:
            job = session.get(Job, job_id, with_for_update=True)
            if job is None:
                raise LookupError(f"there is no job {job_id}")
            if job.status == JobStatus.RUNNING.value:
                raise IllegalTransition(f"job {job_id} is being made right now ({job.stage}); "
                                        "change it once that stage is done")
            before = (job.results or {}).get(key)
            state = job_states.redo(job_state(job), redo) if redo else job_state(job)
            job.results = {**(job.results or {}), key: edit(before)}
            apply_state(job, state)
            return job_view(job), before

    def delete(self, job_ids: Iterable[int]) -> int:
        """Delete jobs (not their items: a deleted job is not re-made by the next harvest)."""
        ids = list(job_ids)
        with self.db.write() as session:
            running = session.scalars(select(Job.id).where(Job.id.in_(ids), Job.status == JobStatus.RUNNING.value)).all()
            if running:
                raise IllegalTransition(f"cancel running jobs before deleting them: {', '.join(map(str, running))}")
            return session.execute(delete(Job).where(Job.id.in_(ids))).rowcount or 0

    def sources(self) -> list[str]:
        with self.db.read() as session:
            return sorted(t for t in session.scalars(select(Job.source_title).distinct()) if t)
