"""What the runner tells the window, as frozen dataclasses that cross threads safely."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.jobs import JobStatus
from ..domain.stages import PRODUCTION, Stage


def overall_percent(stage: Stage, percent: int) -> int:
    """A job's progress through all production stages, from one stage's percent."""
    if stage not in PRODUCTION:
        return 100 if stage.index > PRODUCTION[-1].index else 0
    return (PRODUCTION.index(stage) * 100 + max(0, min(100, percent))) // len(PRODUCTION)


@dataclass(frozen=True)
class JobProgress:
    job_id: int
    stage: Stage
    percent: int  # of the stage
    message: str

    @property
    def overall(self) -> int:
        return overall_percent(self.stage, self.percent)


@dataclass(frozen=True)
class JobDone:
    """The runner let go of a job without a failure: it waits for review, was
    cancelled, or stopped between stages (pause, quit)."""

    job_id: int
    title: str
    status: JobStatus
    stage: Stage


@dataclass(frozen=True)
class JobFailed:
    job_id: int
    title: str
    stage: Stage
    reason: str  # a sentence a person can read


@dataclass(frozen=True)
class JobsChanged:
    """Jobs whose rows must be re-read. ``added`` or ``removed`` means rows came or went."""

    job_ids: tuple[int, ...] = ()
    added: bool = False
    removed: tuple[int, ...] = ()


@dataclass(frozen=True)
class Changed:
    """One change set: what a view showing any of these must re-read. Every jobs or feeds
    change the runner announces also arrives as one of these, on ``Runner.changed``."""

    jobs: frozenset[int] = frozenset()
    posts: frozenset[int] = frozenset()
    feeds: bool = False
    added: bool = False  # new jobs came
    removed: frozenset[int] = frozenset()  # jobs that went

    @classmethod
    def of_jobs(cls, change: JobsChanged) -> "Changed":
        return cls(jobs=frozenset(change.job_ids), added=change.added, removed=frozenset(change.removed))


@dataclass(frozen=True)
class Running:
    job_id: int
    title: str
    stage: Stage


@dataclass(frozen=True)
class QueueState:
    """For the status bar: what runs now and how much waits."""

    running: tuple[Running, ...]
    waiting: int
    paused: bool
    tasks: tuple[str, ...] = ()  # other work in progress, e.g. "Checking feeds"

    @property
    def idle(self) -> bool:
        return not self.running and not self.waiting and not self.tasks


@dataclass(frozen=True)
class TaskFailed:
    """Background work other than a job stage (harvest, a batch action) raised."""

    description: str
    error: str
