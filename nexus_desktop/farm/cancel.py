"""Cancelling jobs whose stage is on the farm: the store first, then the workers.

The store decides. The job is marked cancelled and its claim released in one
write (``JobRepo.transition``), so a worker that is still running the stage can
no longer record it: its result meets a claim that is gone and is dropped
(``ClaimLost``), and a task for the job that arrives later finds it cancelled
and is dropped too. Only then are the workers told: each task of the job that a
worker runs is revoked with ``terminate`` and SIGUSR1, which raises Celery's
SoftTimeLimitExceeded inside the stage (a render's ffmpeg is killed with it,
``ffmpeg._wait``; SIGTERM would kill the pool process, and the worker was seen
taking no task after that), and the tasks it holds for later are revoked, so a
render stops at once instead of finishing for nothing. Celery's remote control, as documented at
https://docs.celeryq.dev/en/stable/userguide/workers.html#revoke-revoking-tasks
(revoked ids are unique per sending, so a job retried later is sent afresh).

A job whose stage finished first (it is waiting for review) is refused with its
reason and no worker is touched. A broker that does not answer leaves the store
cancelled and says so: the worker's result is dropped when its stage ends.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..domain import jobs as job_states
from ..pipeline.flow import Workspace
from ..store.views import JobView

log = logging.getLogger("nexus_desktop.farm")

INSPECT_SECONDS = 1.5


@dataclass(frozen=True)
class Stopped:
    job_id: int
    stage: str
    worker: str  # Celery's node name
    running: bool  # it was running (terminated), not only held for later


@dataclass(frozen=True)
class CancelReport:
    cancelled: tuple[JobView, ...]
    refused: dict[int, str] = field(default_factory=dict)  # job → why it was not cancelled
    stopped: tuple[Stopped, ...] = ()  # the farm's tasks revoked
    farm_error: str | None = None  # the workers could not be told (the store is cancelled all the same)


def cancel_jobs(ws: Workspace, job_ids: Iterable[int], app=None, *, timeout: float = INSPECT_SECONDS) -> CancelReport:
    """Cancel these jobs in the store, then stop their tasks on the farm (``app``, when one is set)."""
    changed, refused = ws.store.jobs.transition_many(list(job_ids), job_states.cancel)
    if app is None or not changed:
        return CancelReport(tuple(changed), refused)
    try:
        stopped = revoke_tasks(app, {view.id for view in changed}, timeout=timeout)
    except Exception as exc:  # the broker went away: the store is already right
        reason = str(exc) or type(exc).__name__
        log.warning("cancelled job(s) %s; the farm could not be told (%s): a stage under way there is dropped when it ends",
                    ", ".join(str(v.id) for v in changed), reason)
        return CancelReport(tuple(changed), refused, farm_error=reason)
    for item in stopped:
        log.info("job %s: %s on %s %s", item.job_id, item.stage, item.worker,
                 "stopped" if item.running else "taken back before it started")
    return CancelReport(tuple(changed), refused, tuple(stopped))


def _job_of(request: dict) -> tuple[int, str] | None:
    args = request.get("args") or ()
    if request.get("name") not in (None, "nexus.stage") or len(args) < 2:
        return None
    try:
        return int(args[0]), str(args[1])
    except (TypeError, ValueError):
        return None


def revoke_tasks(app, job_ids: set[int], *, timeout: float = INSPECT_SECONDS) -> list[Stopped]:
    """Revoke every task of these jobs the workers run (terminated) or hold (dropped unstarted)."""
    from .dispatch import check_broker

    check_broker(app)
    inspect = app.control.inspect(timeout=timeout)
    found: dict[str, Stopped] = {}
    for running, answer in ((True, inspect.active()), (False, inspect.reserved()), (False, inspect.scheduled())):
        for worker, requests in (answer or {}).items():
            for request in requests:
                request = request.get("request", request)  # scheduled() wraps each request with its eta
                job = _job_of(request)
                if job is not None and job[0] in job_ids and request.get("id") and request["id"] not in found:
                    found[request["id"]] = Stopped(job[0], job[1], worker, running)
    active = [task_id for task_id, item in found.items() if item.running]
    held = [task_id for task_id, item in found.items() if not item.running]
    if active:
        # SIGUSR1 raises SoftTimeLimitExceeded inside the running stage: it stops there (ffmpeg is killed with it),
        # its result meets the released claim and is dropped, and the worker's process lives on for the next task.
        app.control.revoke(active, terminate=True, signal="SIGUSR1")
    if held:
        app.control.revoke(held)
    return list(found.values())
