"""The window's runner with a farm: a stage is sent to the broker and the pool thread
that would have run it waits for the store to show it done, passing on the
worker's progress. The runner's lanes, signals and job list work as without a
farm; ``render.concurrent_renders`` is then how many renders the window keeps on
the farm at once.

Cancelling such a job in the window cancels it in the store and stops its task
on the worker (``farm.cancel``). Quitting the window does not: the farm carries
on with the stage, and the workers send the job's next stages themselves (the
runner marks that cancel with ``why = "shutdown"``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..domain.jobs import JobStatus
from ..domain.stages import PRODUCTION
from ..pipeline.flow import Workspace
from ..store.views import JobView
from .cancel import cancel_jobs
from .dispatch import send_stage

log = logging.getLogger("nexus_desktop.farm")

POLL_SECONDS = 0.5
BROKER_RETRY_SECONDS = 5.0


def stage_runner(app) -> Callable[..., JobView | None]:
    """A ``run_stage`` for ``Runner`` that runs the stage on the farm."""

    def run_on_farm(ws: Workspace, job_id: int, *, progress=lambda p, m: None, cancel: threading.Event | None = None):
        cancel = cancel or threading.Event()
        view = ws.store.jobs.get(job_id)
        if view is None or view.stage not in PRODUCTION or view.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return None
        stage = view.stage
        # A stage a worker already runs (a worker sends a job's next stage itself) is followed, not sent again:
        # the window keeps the job, so its Cancel reaches the worker.
        while view.status is JobStatus.QUEUED:
            try:
                send_stage(app, ws, job_id, stage)
                ws.store.jobs.mark_sent([job_id])
                progress(0, "sent to the farm")
                break
            except Exception as exc:  # the broker is away: keep the job queued, try again
                progress(0, f"waiting for the farm's broker ({exc})")
                if cancel.wait(BROKER_RETRY_SECONDS):
                    return ws.store.jobs.get(job_id)
        while not cancel.wait(POLL_SECONDS):
            view = ws.store.jobs.get(job_id)
            if view is None:
                return None
            if view.status is JobStatus.RUNNING:
                progress(view.progress, f"{view.progress_message or stage.value} on {view.claimed_by or 'the farm'}")
            elif view.stage is not stage or view.status is not JobStatus.QUEUED:
                return view
        if getattr(cancel, "why", "user") == "shutdown":  # the window quits: the stage goes on on the farm
            return ws.store.jobs.get(job_id)
        report = cancel_jobs(ws, [job_id], app)  # the creator cancelled: the store, then the worker
        if report.farm_error:
            progress(0, f"cancelled; the farm could not be told ({report.farm_error})")
        return ws.store.jobs.get(job_id)

    return run_on_farm
