"""``nexus worker``: a Celery worker for the workspace.

It checks what it needs before taking any task (the database, the bucket and its
key; the broker, which it otherwise keeps waiting for), then consumes the render
and light queues. Pool processes run one stage each; a render worker runs one at
a time (``--concurrency 1``, the default). A sweep in the main process puts back
jobs whose worker died and resends stages the broker lost.
"""

from __future__ import annotations

import logging
import os
import socket
import sys

from ..bootstrap import open_workspace
from ..domain.errors import NexusError
from ..pipeline.flow import Workspace
from ..store import Store
from . import environment
from .config import QUEUES, broker_url, redacted

log = logging.getLogger("nexus_desktop.farm")

SWEEP_SECONDS = 30.0


def open_worker_workspace(data_dir: str | None, name: str, *, check: bool = False, create_bucket: bool = False) -> Workspace:
    """The workspace a worker runs stages in: claims under ``name:PID``, inputs fetched from
    the bucket before a stage, what it made uploaded after it (so the next stage can run anywhere)."""
    from ..pipeline import sync
    from .tasks import _timeout_reason

    ws = open_workspace(data_dir, console=True)
    if environment.apply(ws.settings):  # a container: the database may differ from the data folder's settings
        ws.store.close()
        ws.store = Store.for_settings(ws.settings, ws.paths)
    ws.worker = f"{name}:{os.getpid()}"
    ws.lease = ws.settings.farm.lease_seconds
    ws.describe_failure = _timeout_reason
    ws.before_stage = ws.after_stage = None
    if ws.settings.sync.enabled:
        storage = sync.open_storage(ws)
        if check:
            _check_bucket(storage, create_bucket)  # no key, a wrong key, no bucket: say so before taking any task
        ws.before_stage = sync.before_stage_hook(ws, storage)
        ws.after_stage = lambda view: _upload(ws, storage, view.id)
    return ws


def _check_bucket(storage, create: bool) -> None:
    from ..providers.storage.base import BucketMissing

    try:
        storage.check()
    except BucketMissing:
        if not create:
            raise
        try:
            storage.create_bucket()
            log.info("made the bucket %s", storage.name)
        except NexusError:
            storage.check()  # another worker made it meanwhile: fine if it answers now


def _upload(ws: Workspace, storage, job_id: int) -> None:
    from ..pipeline.sync import upload_job

    try:
        report = upload_job(ws, job_id, storage)
    except NexusError as exc:
        log.warning("job %s: its files could not be uploaded: %s", job_id, exc)
        return
    for path, reason in report.failed:
        log.warning("job %s: %s was not uploaded: %s", job_id, path, reason)


def _show_farm_lines() -> None:
    """The farm's INFO lines (a stage started, done, refused) on standard output."""
    logger = logging.getLogger("nexus_desktop.farm")
    if not any(getattr(h, "_farm", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        handler._farm = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def _say_revoked(request=None, terminated: bool = False, **_) -> None:
    """A stage stopped here because its job was cancelled (``farm.cancel``)."""
    args = tuple(getattr(request, "args", None) or ())
    if len(args) >= 2:
        what = "stopped" if terminated else "dropped before it started"
        log.info("job %s: %s %s here: the job was cancelled", args[0], args[1], what)


def run_worker(data_dir: str | None, *, name: str | None = None, queues: tuple[str, ...] = QUEUES, concurrency: int = 1,
               sweep_seconds: float = SWEEP_SECONDS, create_bucket: bool = False) -> int:
    """Serve until Ctrl+C or SIGTERM (the stage under way finishes; a second one stops at once)."""
    from celery import signals

    from . import tasks
    from .dispatch import FarmUnavailable, Sweeper, check_broker, open_app

    name = name or socket.gethostname()
    ws = open_worker_workspace(data_dir, name, check=True, create_bucket=create_bucket)
    if not ws.settings.sync.enabled:
        log.warning("sync is off: this worker can only run stages whose files are already on this machine")
    _show_farm_lines()
    app = open_app(ws, check=False)
    try:
        check_broker(app)
    except FarmUnavailable as exc:
        print(f"nexus worker: {exc}; waiting for it to answer", file=sys.stderr, flush=True)
    tasks.setup_process(data_dir, name)
    outdated = tasks.outdated_marker(data_dir, name)
    outdated.unlink(missing_ok=True)
    sweeper = Sweeper(app, ws, sweep_seconds, outdated)
    signals.worker_ready.connect(lambda **_: sweeper.start(), weak=False)
    signals.task_revoked.connect(_say_revoked, weak=False)
    print(f"Worker {name} takes {', '.join(queues)} from {redacted(broker_url(ws.settings))} "
          f"({concurrency} at a time); Ctrl+C stops it after the stage under way.", flush=True)
    worker = app.Worker(hostname=f"{name}@{socket.gethostname()}", queues=list(queues), concurrency=concurrency,
                        pool_cls="prefork", optimization="fair", without_gossip=True, without_mingle=True,
                        loglevel="WARNING", quiet=True, redirect_stdouts=False)
    try:
        worker.start()
    finally:
        sweeper.stopped.set()
        ws.store.close()
    return worker.exitcode or 0
