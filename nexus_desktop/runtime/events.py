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
class Changed:
    """One change set: what a view showing any of these must re-read. Every change, from a
    stage the runner finished or an operation the creator started (``gui/operations``),
    arrives as one of these on ``Runner.changed``, the one signal views refresh from."""

    jobs: frozenset[int] = frozenset()
    posts: frozenset[int] = frozenset()
    feeds: bool = False
    added: bool = False  # new jobs came
    removed: frozenset[int] = frozenset()  # jobs that went
    targets: bool = False  # where posts go, or when (a target's posting times or choices)
    accounts: bool = False  # an account was connected, refreshed or disconnected
    files: bool = False  # job files went from the disk (Health's clean-up)

    @property
    def touches_jobs(self) -> bool:
        """Whether job rows changed, came or went (a posts-only or feeds-only change does not)."""
        return bool(self.jobs or self.added or self.removed)

    def touches(self, job_id: int | None) -> bool:
        """Whether this one job must be re-read (it changed or went)."""
        return job_id is not None and (job_id in self.jobs or job_id in self.removed)

    def __or__(self, other: "Changed") -> "Changed":
        return Changed(self.jobs | other.jobs, self.posts | other.posts, self.feeds or other.feeds,
                       self.added or other.added, self.removed | other.removed, self.targets or other.targets,
                       self.accounts or other.accounts, self.files or other.files)


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
