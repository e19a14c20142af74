"""A job's status and the only place its changes are allowed or refused.

A job's *stage* is derived: the first stage in order that is not done. Its
*status* says what is happening at that stage. Every change goes through one of
the event functions below, each of which checks ``ALLOWED`` and raises
``IllegalTransition`` for anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from .errors import IllegalTransition
from .stages import ORDER, PRODUCTION, Stage, next_stage


class JobStatus(StrEnum):
    QUEUED = "queued"  # the next production stage is ready to run
    RUNNING = "running"
    FAILED = "failed"
    CANCELLED = "cancelled"
    AWAITING_REVIEW = "awaiting_review"  # videos made; the creator previews them
    APPROVED = "approved"  # waiting for times on the calendar
    REJECTED = "rejected"
    SCHEDULED = "scheduled"  # posts have times
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


S = JobStatus
ALLOWED: dict[JobStatus, frozenset[JobStatus]] = {
    S.QUEUED: frozenset({S.RUNNING, S.CANCELLED, S.QUEUED}),
    S.RUNNING: frozenset({S.QUEUED, S.FAILED, S.CANCELLED, S.AWAITING_REVIEW}),
    S.FAILED: frozenset({S.QUEUED}),
    S.CANCELLED: frozenset({S.QUEUED}),
    S.AWAITING_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.QUEUED}),
    S.APPROVED: frozenset({S.SCHEDULED, S.REJECTED, S.QUEUED}),
    S.REJECTED: frozenset({S.AWAITING_REVIEW, S.QUEUED}),
    S.SCHEDULED: frozenset({S.APPROVED, S.PUBLISHED, S.REJECTED}),
    S.PUBLISHED: frozenset({S.SCHEDULED}),  # a promotion adds a post to a published job
}

# Statuses in which the runner may pick a job up.
RUNNABLE = frozenset({S.QUEUED})
# Statuses in which the creator may edit the script and redo stages.
EDITABLE = frozenset({S.QUEUED, S.FAILED, S.CANCELLED, S.AWAITING_REVIEW, S.REJECTED, S.APPROVED})


@dataclass(frozen=True)
class JobState:
    status: JobStatus
    done: frozenset[Stage]
    error: str | None = None  # a reason a person can read (failure or rejection)

    @property
    def stage(self) -> Stage:
        """The stage the job is at: running, failed at, or waiting for."""
        return next_stage(self.done) or ORDER[-1]

    def done_names(self) -> list[str]:
        return [s.value for s in ORDER if s in self.done]

    @classmethod
    def from_names(cls, status: str, done: list[str], error: str | None = None) -> "JobState":
        return cls(JobStatus(status), frozenset(Stage(n) for n in done), error)


def _move(state: JobState, to: JobStatus, **changes) -> JobState:
    if to not in ALLOWED[state.status]:
        raise IllegalTransition(f"a {state.status.label.lower()} job cannot become {to.label.lower()}")
    return replace(state, status=to, **changes)


def created() -> JobState:
    """A harvested item becomes a job ready for analysis."""
    return JobState(S.QUEUED, frozenset({Stage.HARVEST}))


def start(state: JobState) -> JobState:
    if state.stage not in PRODUCTION:
        raise IllegalTransition(f"nothing to run at stage {state.stage}")
    return _move(state, S.RUNNING, error=None)


def stage_succeeded(state: JobState, stage: Stage) -> JobState:
    if state.status is not S.RUNNING or stage is not state.stage:
        raise IllegalTransition(f"stage {stage} finished but the job is {state.status} at {state.stage}")
    done = state.done | {stage}
    to = S.QUEUED if next_stage(done) in PRODUCTION else S.AWAITING_REVIEW
    return _move(state, to, done=done, error=None)


def stage_failed(state: JobState, reason: str) -> JobState:
    return _move(state, S.FAILED, error=reason)


def interrupted(state: JobState) -> JobState:
    """A crash or quit during a stage: it resumes at that stage."""
    return _move(state, S.QUEUED)


def cancel(state: JobState) -> JobState:
    return _move(state, S.CANCELLED, error="cancelled")


def retry(state: JobState) -> JobState:
    if state.status not in (S.FAILED, S.CANCELLED):
        raise IllegalTransition(f"only a failed or cancelled job can be retried, not a {state.status.label.lower()} one")
    return _move(state, S.QUEUED, error=None)


def redo(state: JobState, stages: frozenset[Stage]) -> JobState:
    """Forget the given stages (and the review after them) so they run again."""
    if state.status not in EDITABLE:
        raise IllegalTransition(f"a {state.status.label.lower()} job cannot be redone")
    forget = set(stages) | {Stage.REVIEW, Stage.SCHEDULE, Stage.PUBLISH}
    return _move(state, S.QUEUED, done=state.done - forget, error=None)


def approve(state: JobState) -> JobState:
    return _move(state, S.APPROVED, done=state.done | {Stage.REVIEW}, error=None)


def reject(state: JobState, reason: str) -> JobState:
    reason = reason.strip() or "rejected"
    return _move(state, S.REJECTED, done=state.done - {Stage.REVIEW, Stage.SCHEDULE}, error=reason)


def reopen(state: JobState) -> JobState:
    """Take back a rejection: the job waits for review again."""
    if state.status is not S.REJECTED:
        raise IllegalTransition("only a rejected job can be reopened")
    return _move(state, S.AWAITING_REVIEW, error=None)


def scheduled(state: JobState) -> JobState:
    return _move(state, S.SCHEDULED, done=state.done | {Stage.SCHEDULE})


def unscheduled(state: JobState) -> JobState:
    return _move(state, S.APPROVED, done=state.done - {Stage.SCHEDULE})


def published(state: JobState) -> JobState:
    return _move(state, S.PUBLISHED, done=state.done | {Stage.PUBLISH})


def promoted(state: JobState) -> JobState:
    """A promotion rule placed a new post for a published job: it is scheduled again until that post is out."""
    return _move(state, S.SCHEDULED, done=state.done - {Stage.PUBLISH})
