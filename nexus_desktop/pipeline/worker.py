"""The headless worker of a shared workspace (``nexus worker``, ``nexus daemon --worker``).

Several machines point at the same PostgreSQL database and the same bucket.
Each worker loops: put back jobs whose claim expired (their machine died), claim
a runnable stage atomically (``SELECT ... FOR UPDATE SKIP LOCKED`` in
``JobRepo.claim``), fetch the job's files it lacks from the bucket, run the
stage through ``flow.run_stage`` (which keeps the claim alive with a heartbeat),
then upload what the stage made so the next stage can run anywhere.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

from ..domain.errors import NexusError
from ..store.views import JobView
from .flow import Workspace, run_stage
from .sync import before_stage_hook, open_storage, upload_job

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0


def run_worker(
    ws: Workspace,
    stop_event: threading.Event,
    *,
    poll_seconds: float = POLL_SECONDS,
    lease_seconds: float | None = None,
    name: str | None = None,
    on_stage: Callable[[JobView], None] = lambda view: None,
) -> int:
    """Run stages until ``stop_event`` is set; returns how many ran.

    A stage that has started is finished before the worker stops (a second
    Ctrl+C, or SIGKILL, ends it at once; its claim then expires and another
    worker redoes that stage). ``name`` stands for this machine in claims
    ("render-box" → "render-box:PID"); ``lease_seconds`` is how long a claim
    outlives a silent worker.
    """
    if lease_seconds:
        ws.lease = lease_seconds
    if name:
        ws.worker = f"{name}:{os.getpid()}"
    storage = None
    if ws.settings.sync.enabled:
        storage = open_storage(ws)
        storage.check()
        ws.before_stage = before_stage_hook(ws, storage, stop_event)
    else:
        log.warning("sync is off: this worker can only run stages whose files are already on this machine")
    log.info("worker %s started", ws.worker)
    ran = 0
    while not stop_event.is_set():
        recovered = ws.store.jobs.recover_interrupted()
        if recovered:
            log.info("put back job(s) %s whose worker stopped answering", ", ".join(map(str, recovered)))
        view = _next_stage(ws, stop_event)
        if view is None:
            stop_event.wait(poll_seconds)
            continue
        ran += 1
        if storage is not None:
            _upload(ws, storage, view.id)
        on_stage(view)
    log.info("worker %s stopped after %d stage(s)", ws.worker, ran)
    return ran


def _next_stage(ws: Workspace, stop_event: threading.Event) -> JobView | None:
    """Run the next stage of the oldest job no one else has claimed."""
    for job_id in ws.store.jobs.runnable_ids():
        if stop_event.is_set():
            return None
        view = run_stage(ws, job_id)  # None: another worker claimed it first
        if view is not None:
            return view
    return None


def _upload(ws: Workspace, storage, job_id: int) -> None:
    try:
        report = upload_job(ws, job_id, storage)
    except NexusError as exc:
        log.warning("job %s: its files could not be uploaded: %s", job_id, exc)
        return
    for path, reason in report.failed:
        log.warning("job %s: %s was not uploaded: %s", job_id, path, reason)
