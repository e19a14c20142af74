"""Sending stages to the farm, sweeping up what the queue lost, checking the broker."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from ..domain.jobs import JobStatus
from ..domain.stages import PRODUCTION, Stage
from ..pipeline.flow import Workspace
from ..store.jobs import JobFilter
from .config import APP_VERSION, STAGE_QUEUES, FarmUnavailable, broker_url, redacted, time_limit

log = logging.getLogger("nexus_desktop.farm")

CHECK_SECONDS = 4.0
HARD_LIMIT_GRACE = 30.0  # after the soft limit, the stage gets this long to stop before its process is killed


def open_app(ws: Workspace, *, check: bool = True):
    """The Celery app for the workspace's broker; with ``check``, FarmUnavailable unless it answers."""
    from .config import celery_installed

    if not celery_installed():
        raise FarmUnavailable("the farm needs Celery, which is not installed", hint="pip install 'nexus-desktop[farm]'")
    from .app import make_app

    app = make_app(broker_url(ws.settings))
    if check:
        check_broker(app)
    return app


def check_broker(app, timeout: float = CHECK_SECONDS) -> None:
    url = redacted(app.conf.broker_url)
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
    except Exception as exc:
        reason = str(exc) or type(exc).__name__
        if "ACCESS_REFUSED" in reason or "403" in reason:
            raise FarmUnavailable(f"the farm's broker at {url} refused the user name or password",
                                  hint="store the right password with: nexus farm set URL") from None
        raise FarmUnavailable(f"the farm's broker at {url} is not answering ({reason})",
                              hint="start RabbitMQ there, or run the stages on this computer with: nexus run --local") from None


def send_stage(app, ws: Workspace, job_id: int, stage: Stage) -> None:
    """One task for a job's next stage, on its queue, with the stage's time limit."""
    soft = time_limit(ws.settings.farm, stage)
    app.send_task("nexus.stage", args=(job_id, stage.value, APP_VERSION), queue=STAGE_QUEUES[stage],
                  routing_key=STAGE_QUEUES[stage], soft_time_limit=soft, time_limit=soft + HARD_LIMIT_GRACE)


def _queued(ws: Workspace, job_ids: list[int] | None = None) -> list:
    views = ws.store.jobs.get_many(job_ids) if job_ids is not None else ws.store.jobs.list(JobFilter(statuses=(JobStatus.QUEUED.value,)))
    return [v for v in views if v.status is JobStatus.QUEUED and v.stage in PRODUCTION]


def enqueue(app, ws: Workspace, job_ids: list[int] | None = None) -> list[tuple[int, Stage]]:
    """Send the next stage of these queued jobs (all queued jobs by default); returns what was sent."""
    ws.store.jobs.recover_interrupted()
    views = _queued(ws, job_ids)
    sent = []
    for view in views:
        send_stage(app, ws, view.id, view.stage)
        sent.append((view.id, view.stage))
    ws.store.jobs.mark_sent([job_id for job_id, _ in sent])
    return sent


def sweep(app, ws: Workspace, *, now: datetime | None = None) -> list[int]:
    """Put back jobs whose worker died and resend stages no worker took for a while
    (a broker that restarted without its messages); returns the jobs resent. A resent stage that was not lost
    is dropped by whichever worker gets it second: the claim lets only one run it."""
    ws.store.jobs.recover_interrupted()
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(seconds=ws.settings.farm.resend_after_seconds)
    views = {v.id: v for v in _queued(ws)}
    resent = ws.store.jobs.mark_sent(list(views), unless_sent_after=cutoff)
    for job_id in resent:
        log.info("job %s: sending %s again (no worker took it for %.0f s)", job_id, views[job_id].stage.value,
                 ws.settings.farm.resend_after_seconds)
        send_stage(app, ws, job_id, views[job_id].stage)
    return resent


class Sweeper(threading.Thread):
    """Sweeps every ``interval`` seconds until stopped; a broker or database that is away is tried again next time."""

    def __init__(self, app, ws: Workspace, interval: float, outdated=None) -> None:
        super().__init__(daemon=True, name="farm-sweeper")
        self.app, self.ws, self.interval = app, ws, interval
        self.outdated = outdated  # a path that appears when this worker refused a newer app's task
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            if self.outdated is not None and self.outdated.exists():
                return  # an out-of-date worker sends nothing under its old version
            try:
                sweep(self.app, self.ws)
            except Exception as exc:
                log.warning("the farm sweep could not run: %s", exc)
