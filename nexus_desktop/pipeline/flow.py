"""Ordering the stages: claim a job, run its next stage, store the result, repeat.

Each stage is claimed on its own, so a crash loses at most the stage that was
running, and a second machine can pick up the next stage. The same code runs
under the CLI and under the window's runner.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..domain.errors import Cancelled, NexusError
from ..domain.jobs import JobStatus
from ..domain.stages import PRODUCTION, Stage
from ..paths import AppPaths
from ..settings import Settings
from ..store import Store
from ..store.jobs import ClaimLost, this_worker
from ..store.views import JobView
from .context import StageContext, StageOutput

log = logging.getLogger(__name__)

StageFunction = Callable[[StageContext], StageOutput]
LEASE_SECONDS = 120.0
PROGRESS_WRITE_INTERVAL = 1.0


def stage_function(stage: Stage) -> StageFunction:
    """The ``run`` function of ``pipeline/<stage>.py``."""
    if stage not in PRODUCTION:
        raise ValueError(f"{stage} is not a production stage")
    return importlib.import_module(f"{__package__}.{stage.value}").run


@dataclass
class Workspace:
    """What every stage run needs besides the job."""

    store: Store
    settings: Settings
    paths: AppPaths
    worker: str = ""
    # How long a claim outlives a worker that stopped answering (its heartbeat renews it).
    lease: float = LEASE_SECONDS
    # Called before a stage runs, e.g. to fetch assets this machine lacks from the bucket.
    before_stage: Callable[[int, Stage], None] | None = None
    # Called after a stage's result is stored, e.g. to upload the files it made.
    after_stage: Callable[[JobView], None] | None = None
    # Says why a stage failed when the generic reason would not (a farm time limit, say); None: the generic one.
    describe_failure: Callable[[Stage, BaseException], str | None] | None = None

    def __post_init__(self) -> None:
        self.worker = self.worker or this_worker()


class _Heartbeat(threading.Thread):
    """Keeps a claim alive while a long stage runs; a claim taken away (the job was
    cancelled from another process, or another worker took it over) stops the stage."""

    def __init__(self, store: Store, job_id: int, worker: str, lease: float, cancel: threading.Event | None = None) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{job_id}")
        self.store, self.job_id, self.worker, self.lease = store, job_id, worker, lease
        self.cancel = cancel
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.lease / 4):
            try:
                if not self.store.jobs.heartbeat(self.job_id, self.worker, self.lease):
                    if self.cancel is not None and not self.stopped.is_set():
                        log.info("job %s: its claim is gone (cancelled or taken over); stopping the stage", self.job_id)
                        self.cancel.set()  # its result could not be recorded anyway
                    return
            except Exception:
                log.warning("could not extend the claim on job %s", self.job_id, exc_info=True)


def _throttled(ws: Workspace, job_id: int, report: Callable[[int, str], None]) -> Callable[[int, str], None]:
    last = [0.0]

    def progress(percent: int, message: str) -> None:
        report(percent, message)
        now = time.monotonic()
        if now - last[0] >= PROGRESS_WRITE_INTERVAL or percent >= 100:
            last[0] = now
            try:
                ws.store.jobs.set_progress(job_id, percent, message)
            except Exception:
                log.debug("progress write skipped", exc_info=True)

    return progress


def failure_reason(stage: Stage, exc: BaseException, log_file: str) -> str:
    if isinstance(exc, NexusError):
        return str(exc)
    return f"unexpected error while {stage.value.rstrip('e')}ing: {exc or type(exc).__name__} (details in {log_file})"


def _after_stage(ws: Workspace, view: JobView) -> None:
    """The stage is done and stored; a failing follow-up (an upload) must not undo that."""
    if ws.after_stage is None:
        return
    try:
        ws.after_stage(view)
    except Exception as exc:
        log.warning("job %s: after %s: %s", view.id, view.stage.value, exc, exc_info=not isinstance(exc, NexusError))


def run_stage(
    ws: Workspace,
    job_id: int,
    *,
    progress: Callable[[int, str], None] = lambda p, m: None,
    cancel: threading.Event | None = None,
) -> JobView | None:
    """Claim the job and run its next production stage; None if it was not runnable."""
    claimed = ws.store.jobs.claim(job_id, worker=ws.worker, lease=ws.lease)
    if claimed is None:
        return None
    stage = claimed.stage
    cancel = cancel or threading.Event()
    heartbeat = _Heartbeat(ws.store, job_id, ws.worker, ws.lease, cancel)
    heartbeat.start()
    try:
        if ws.before_stage is not None:
            ws.before_stage(job_id, stage)
        ctx = StageContext(
            job_id=job_id,
            article=ws.store.jobs.article(job_id),
            settings=ws.settings,
            paths=ws.paths,
            results=ws.store.jobs.results(job_id),
            progress_callback=_throttled(ws, job_id, progress),
            cancel_event=cancel,
        )
        log.info("job %s: %s started", job_id, stage.value)
        output = stage_function(stage)(ctx)
        heartbeat.stopped.set()  # from here a claim that changes is our own doing, not a cancel
        view = ws.store.jobs.record_success(job_id, stage, output.results, output.assets, ws.worker)
        log.info("job %s: %s done", job_id, stage.value)
        _after_stage(ws, view)
        return view
    except Cancelled:
        log.info("job %s: %s cancelled", job_id, stage.value)
        return ws.store.jobs.release(job_id, ws.worker, cancelled=True)
    except ClaimLost:
        log.warning("job %s: claim lost during %s; the result was dropped", job_id, stage.value)
        return ws.store.jobs.get(job_id)
    except Exception as exc:
        if isinstance(exc, NexusError):
            log.warning("job %s: %s failed: %s", job_id, stage.value, exc)
        else:
            log.exception("job %s: %s crashed", job_id, stage.value)
        reason = (ws.describe_failure and ws.describe_failure(stage, exc)) or failure_reason(stage, exc, str(ws.paths.log_file))
        try:
            return ws.store.jobs.record_failure(job_id, stage, reason, ws.worker)
        except ClaimLost:
            return ws.store.jobs.get(job_id)
    finally:
        heartbeat.stopped.set()


def run_job(
    ws: Workspace,
    job_id: int,
    *,
    progress: Callable[[Stage, int, str], None] = lambda s, p, m: None,
    cancel: threading.Event | None = None,
) -> JobView | None:
    """Run a job's production stages until it waits for review, fails or is cancelled."""
    view = ws.store.jobs.get(job_id)
    while view is not None and view.status is JobStatus.QUEUED and view.stage in PRODUCTION:
        if cancel is not None and cancel.is_set():
            break
        stage = view.stage
        result = run_stage(ws, job_id, progress=lambda p, m, s=stage: progress(s, p, m), cancel=cancel)
        if result is None:
            break
        view = result
    return view


def run_all(
    ws: Workspace,
    *,
    on_job: Callable[[JobView], None] = lambda v: None,
    progress: Callable[[int, Stage, int, str], None] = lambda j, s, p, m: None,
    cancel: threading.Event | None = None,
) -> list[JobView]:
    """Advance every job as far as the stages go (``nexus run``)."""
    ws.store.jobs.recover_interrupted()
    finished = []
    for job_id in ws.store.jobs.runnable_ids():
        if cancel is not None and cancel.is_set():
            break
        view = run_job(ws, job_id, progress=lambda s, p, m, j=job_id: progress(j, s, p, m), cancel=cancel)
        if view is not None:
            finished.append(view)
            on_job(view)
    return finished
