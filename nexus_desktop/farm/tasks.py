"""The stage task, run inside a worker's pool process.

A task carries a job id, a stage and the sender's app version. The worker:
refuses it if the versions differ (stage code and stored results must match);
drops it if the job is gone or that stage is no longer next (a redelivered task
whose stage another worker finished); puts it off while another worker holds
the job; otherwise claims the stage in the store, runs it, records the result
and sends the job's next stage. Losing the database or the broker for a moment
retries with backoff; a stage's own failure is recorded with the job, not retried.
"""

from __future__ import annotations

import logging
import os
import socket

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy.exc import DBAPIError, OperationalError

from ..domain.jobs import JobStatus
from ..domain.stages import PRODUCTION, Stage
from . import config
from .config import APP_VERSION

log = logging.getLogger("nexus_desktop.farm")

TRANSIENT = (OperationalError, DBAPIError, ConnectionError, TimeoutError)

_worker: dict = {}  # the pool process's workspace and broker app, opened on its first task


def setup_process(data_dir: str | None, name: str) -> None:
    """Remember where this worker's data folder is (the pool process opens it on first use)."""
    _worker.clear()
    _worker.update(data_dir=data_dir, name=name)


def _workspace():
    if "ws" not in _worker or _worker.get("pid") != os.getpid():
        from .serve import open_worker_workspace

        _worker["ws"] = open_worker_workspace(_worker.get("data_dir"), _worker.get("name") or socket.gethostname())
        _worker["pid"] = os.getpid()
    return _worker["ws"]


def _timeout_reason(stage: Stage, exc: BaseException) -> str | None:
    if isinstance(exc, SoftTimeLimitExceeded):
        return f"{stage.value} ran longer than its time limit on the farm (farm.{stage.value}_time_limit) and was stopped"
    return None


# Refused and held tasks wait as long as it takes (max_retries=None); a transient error is retried ten times.
# Held tasks wait as long as it takes (max_retries=None); a transient error is retried ten times.
@shared_task(bind=True, name="nexus.stage", acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT,
             retry_kwargs={"max_retries": 10}, retry_backoff=1, retry_backoff_max=60, retry_jitter=True, max_retries=None)
def stage_task(self, job_id: int, stage: str, version: str) -> str:
    if version != APP_VERSION:
        return refuse(self, job_id, stage, version)
    ws = _workspace()
    return run_task(self, ws, job_id, Stage(stage))


def _version_key(version: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in version.replace("-", ".").split("."))


def refuse(task, job_id: int, stage: str, version: str) -> str:
    """A task from another app version: stage code and stored results must match, so it does not run here.

    Sent by a newer app: this worker is out of date. It stops taking tasks (its
    queues' consumers are cancelled) and the task goes back for an up-to-date worker.
    Sent by an older app: the task is dropped; an up-to-date worker's sweep sends the
    stage again under its own version.
    """
    from celery.exceptions import Reject

    try:
        newer = _version_key(version) > _version_key(APP_VERSION)
    except TypeError:
        newer = True
    if not newer:
        log.warning("refused job %s %s: it was sent by Nexus Desktop %s, older than this worker's %s; update the app "
                    "that sent it (a worker's sweep sends the stage again)", job_id, stage, version, APP_VERSION)
        return "refused"
    reason = (f"refused job {job_id} {stage}: it was sent by Nexus Desktop {version} and this worker runs {APP_VERSION}; "
              "update the worker. It takes no more tasks until then")
    log.warning("%s", reason)
    _mark_outdated(reason)
    hostname = task.request.hostname
    for queue in config.QUEUES:
        task.app.control.cancel_consumer(queue, destination=[hostname])
    raise Reject(reason, requeue=True)


def _mark_outdated(reason: str) -> None:
    """Tell this worker's main process (its sweep) that it is out of date."""
    path = outdated_marker(_worker.get("data_dir"), _worker.get("name") or "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(reason + "\n", encoding="utf-8")


def outdated_marker(data_dir: str | None, name: str):
    from ..paths import AppPaths

    return AppPaths.resolve(data_dir).data / ".farm" / f"{name}.outdated"


def run_task(task, ws, job_id: int, stage: Stage) -> str:
    from ..pipeline.flow import run_stage
    from .dispatch import send_stage

    view = ws.store.jobs.get(job_id)
    if view is None:
        log.info("job %s was deleted; its %s task is dropped", job_id, stage.value)
        return "deleted"
    if view.stage is not stage or view.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        log.info("job %s is %s at %s; the task for %s is dropped", job_id, view.status.value, view.stage.value, stage.value)
        return "not due"
    if view.status is JobStatus.RUNNING:
        if job_id not in ws.store.jobs.recover_interrupted():
            wait = max(1.0, ws.lease / 4)  # the holder renews its claim this often; a dead one's lapses within a lease
            log.info("job %s: %s is held by %s; looking again in %.0f s", job_id, stage.value, view.claimed_by, wait)
            raise task.retry(countdown=wait)
        log.info("job %s: %s was left by %s; running it here", job_id, stage.value, view.claimed_by)
    result = run_stage(ws, job_id)
    if result is None:
        log.info("job %s: another worker claimed %s first", job_id, stage.value)
        return "taken"
    log.info("job %s: %s %s", job_id, stage.value, "done" if result.stage is not stage else result.status.value)
    if result.status is JobStatus.QUEUED and result.stage in PRODUCTION:
        try:
            send_stage(task.app, ws, result.id, result.stage)
        except Exception as exc:  # the broker went away: the stage is stored; the sweep sends the next one later
            log.warning("job %s: %s could not be sent to the farm (%s); it is sent again once the broker answers",
                        job_id, result.stage.value, exc)
    return result.status.value


__all__ = ["stage_task", "setup_process", "config"]
