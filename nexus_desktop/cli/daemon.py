"""nexus daemon: the app's unattended work without a window.

Three threads over one workspace, each doing what the window does by itself:

- checking feeds on ``harvest.check_every_minutes`` (each feed's backoff,
  Retry-After and TTL honoured: runtime/feed_checks.py);
- production: new and interrupted jobs advanced to review (``harvest.auto_run``),
  woken at once when a check brings new jobs; jobs of auto-approve feeds are
  approved and placed on the calendar;
- publishing: the post scheduler (runtime/scheduler.py).

A job a killed daemon left mid-stage resumes at that stage on the next start
(``run_all`` recovers it); a post it left mid-upload is reconciled by the scheduler.
"""

from __future__ import annotations

import logging
import sys
import threading

from ..pipeline.flow import Workspace, run_all
from ..pipeline.harvest import HarvestReport
from ..runtime.feed_checks import FeedChecks, check_due_feeds, tick_seconds
from ..store.views import JobView
from . import arg, command
from .common import clip, stop_on_signals, workspace
from .posts import _print_outcome, _zone_note

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 10.0


def _print_checked(report: HarvestReport) -> None:
    for outcome in report.outcomes:
        if outcome.error:
            print(f"feed {clip(outcome.name, 50)}: {outcome.error}", flush=True)
        elif outcome.new_jobs:
            print(f"feed {clip(outcome.name, 50)}: {outcome.new_jobs} new job(s)", flush=True)


def _check_feeds(ws: Workspace, stop: threading.Event, found: threading.Event) -> None:
    """Check the due feeds, again and again; wake production when new jobs came."""
    checks = FeedChecks(ws.paths.data)
    while not stop.is_set():
        try:
            report = check_due_feeds(ws.store, ws.settings, checks, cancel=stop)
        except Exception:
            log.exception("checking the feeds failed; trying again at the next tick")
        else:
            _print_checked(report)
            if report.new_jobs:
                found.set()
        stop.wait(tick_seconds(ws.settings))


def _produce(ws: Workspace, stop: threading.Event, found: threading.Event, farm=None) -> None:
    """Advance every job as far as the stages go, again and again: here, or on the
    farm (``farm`` is its Celery app) as the window and ``nexus run`` do."""
    from ..runtime.autopilot import auto_approve

    def finished(view: JobView) -> None:
        print(f"job {view.id} «{clip(view.title, 60)}»: {view.status_text}", flush=True)
        report = auto_approve(ws, [view.id])
        if report is not None and report.done:
            print(f"job {view.id}: approved by itself (auto-approve feed); {len(report.posts)} post(s) placed", flush=True)

    if farm is not None:
        from ..farm.produce import FarmProduction

        FarmProduction(ws, farm, on_job=finished, say=lambda line: print(line, flush=True)).run(stop, found)
        return
    while not stop.is_set():
        found.clear()
        if not run_all(ws, cancel=stop, on_job=finished):
            found.wait(IDLE_POLL_SECONDS)


def _print_held(held: tuple[int, ...]) -> None:
    if held:
        print(f"{len(held)} missed post(s) held ({', '.join(map(str, held))}); publish them with: nexus publish POST --now", flush=True)


def _describe(ws: Workspace, worker: bool, farm=None) -> str:
    if worker:
        return "production work"
    parts = []
    interval = ws.settings.harvest.check_every_minutes
    parts.append(f"feeds checked every {interval:g} min" if interval > 0 else "feeds not checked (harvest.check_every_minutes is 0)")
    if not ws.settings.harvest.auto_run:
        parts.append("new jobs wait (harvest.auto_run is off)")
    elif farm is not None:
        from ..farm.config import redacted

        parts.append(f"new jobs made into videos on the farm at {redacted(ws.settings.farm.broker_url)}")
    else:
        parts.append("new jobs made into videos")
    parts.append(f"publishing (missed posts: {ws.settings.schedule.missed_posts})")
    return ", ".join(parts)


def _farm_app(ws: Workspace):
    """The farm's Celery app when a broker is set (production then goes there); None without one.
    A broker that does not answer yet is waited for (FarmProduction says so), not run around."""
    from ..farm.config import enabled

    if not enabled(ws.settings):
        return None
    from ..farm.dispatch import open_app

    return open_app(ws, check=False)  # FarmUnavailable (no Celery, not an amqp:// URL) stops the daemon with its hint


@command(
    "daemon",
    "check feeds, make videos and publish due posts without a window until stopped",
    arg("--worker", action="store_true", help="only production work, as a farm worker (the same as: nexus worker)"),
    arg("--local", action="store_true", help="run the stages on this computer even when a farm broker is set"),
)
def daemon_command(args) -> int:
    if args.worker:
        from ..farm.serve import run_worker  # the farm's Celery worker

        return run_worker(args.data_dir)
    ws = workspace(args)
    farm = None if args.local or not ws.settings.harvest.auto_run else _farm_app(ws)
    lock = None
    if not args.worker:  # one scheduler per data folder
        from ..runtime.ownership import DAEMON, SchedulerLock

        lock = SchedulerLock(ws.paths.data, DAEMON)
        if not lock.acquire():
            holder = lock.holder()
            who = holder.describe() if holder else "another process"
            print(f"nexus: {who} already publishes for this data folder; quit it first "
                  "(or run `nexus daemon --worker` for production work only)", file=sys.stderr)
            return 2
    stop = stop_on_signals("stopping after the work under way")
    found = threading.Event()
    threads = []
    threads.append(threading.Thread(target=_check_feeds, args=(ws, stop, found), name="feed-checks", daemon=True))
    if not args.worker:  # figures of published posts, read on their schedule (issue 17)
        from ..pipeline.measure import measure_loop

        threads.append(threading.Thread(target=measure_loop, args=(ws, stop), name="measuring", daemon=True))
    if ws.settings.harvest.auto_run:
        threads.append(threading.Thread(target=_produce, args=(ws, stop, found, farm), name="production", daemon=True))
    scheduler = None
    if not args.worker:
        from PySide6.QtCore import Qt

        from ..runtime.scheduler import PostScheduler  # QtCore only

        scheduler = PostScheduler(ws)
        # No event loop here: the slots run in the publishing thread.
        direct = Qt.ConnectionType.DirectConnection
        scheduler.publish_finished.connect(lambda outcome: _print_outcome(ws, outcome), direct)
        scheduler.missed_found.connect(lambda found: _print_held(found.held), direct)
        scheduler.start()
    for thread in threads:
        thread.start()
    print(f"nexus daemon: running: {_describe(ws, args.worker, farm)}. {_zone_note(ws)} Ctrl+C or SIGTERM stops it.", flush=True)
    while not stop.wait(0.5):
        pass
    found.set()  # production waiting for new jobs: let it see the stop
    if scheduler is not None:
        scheduler.stop()
    for thread in threads:
        thread.join(60)
    if lock is not None:
        lock.release()
    print("nexus daemon: stopped", flush=True)
    return 0
