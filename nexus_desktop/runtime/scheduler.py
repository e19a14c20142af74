"""When posts fall due, publish them: APScheduler fires, the posts table decides.

APScheduler (3.x, ``BackgroundScheduler``) keeps two jobs: a tick every
``tick_seconds`` and a one-off at the moment the next post falls due. Neither does
any work: each wakes the publishing thread, which asks the posts table what is
due and publishes it, one post at a time, through the same exactly-once path as
``nexus publish-due``. Nothing about posts lives in APScheduler, so a missed
fire, a sleep or a second instance cannot lose or double a post.

The publishing thread also catches up: at start-up it reconciles posts a crash
left in ``publishing`` and finds posts missed while the app was closed; on every
wake it checks for a jump in wall-clock time (the computer slept) and catches up
again. QtCore only: the window connects to the signals; ``nexus daemon`` runs it
without any event loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from PySide6.QtCore import QObject, Signal

from ..pipeline import schedule as scheduling
from ..pipeline.flow import Workspace
from ..pipeline.missed import CatchUp, ClockWatch, catch_up
from ..pipeline.publish import Backoff, Outcome, Publishing, PublishOutcome

log = logging.getLogger(__name__)

TICK_SECONDS = 30.0
NEXT_DUE = "next-due"
TICK = "tick"


class PostScheduler(QObject):
    """Publishes posts when they fall due, in one background thread.

    Signals:
        posts_changed(list): ids of posts whose status changed; re-query them
        post_progressed(int, int, str): post id, percent and message of an upload
        missed_found(object): a ``CatchUp`` after start-up or wake; ask the creator about ``held``
        clock_jumped(float): the wall clock jumped by this many seconds (sleep, clock change)
        publish_finished(object): a ``PublishOutcome`` for each attempt
    """

    posts_changed = Signal(list)
    post_progressed = Signal(int, int, str)
    missed_found = Signal(object)
    clock_jumped = Signal(float)
    publish_finished = Signal(object)

    def __init__(self, ws: Workspace, *, tick_seconds: float = TICK_SECONDS, backoff: Backoff | None = None,
                 clock: Callable[[], datetime] = scheduling.utcnow, watch: ClockWatch | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ws, self.clock, self.tick_seconds = ws, clock, tick_seconds
        self.publishing = Publishing(ws, clock=clock, backoff=backoff or Backoff(), on_progress=self.post_progressed.emit)
        self.watch = watch or ClockWatch(tick_seconds)
        self._wake, self._stop = threading.Event(), threading.Event()
        self._started_up = False
        self._thread = threading.Thread(target=self._run, name="post-publisher", daemon=True)
        self._aps = BackgroundScheduler(
            timezone=timezone.utc,
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # it logs every job it adds at INFO

    # -- control (any thread) --------------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        self._aps.start()
        self._aps.add_job(self.wake, "interval", seconds=self.tick_seconds, id=TICK, replace_existing=True)
        self.wake()

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop firing; an upload under way may finish within ``timeout``. True if the thread ended
        (if not, the post stays ``publishing`` and the next start reconciles it)."""
        self._stop.set()
        self._wake.set()
        if self._aps.running:
            self._aps.shutdown(wait=False)
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def wake(self) -> None:
        """Publish whatever is due now (also called by APScheduler)."""
        self._wake.set()

    def refresh(self) -> None:
        """Re-read when the next post falls due (after a post was moved on the calendar)."""
        if self._stop.is_set() or not self._aps.running:
            return
        due = scheduling.next_due_at(self.ws, self.clock())  # YouTube posts wake it early, to upload ahead
        if due is None:
            try:
                self._aps.remove_job(NEXT_DUE)
            except JobLookupError:
                pass
            return
        when = max(due, self.clock()) + timedelta(milliseconds=10)
        self._aps.add_job(self.wake, "date", run_date=when, id=NEXT_DUE, replace_existing=True)

    def publish_now(self, post_ids: Iterable[int], *, checked_absent: bool = False) -> list[int]:
        """Make posts due now and wake the publishing thread; returns the ids released."""
        released = scheduling.publish_now(self.ws, list(post_ids), now=self.clock(), checked_absent=checked_absent)
        if released:
            self.posts_changed.emit(released)
            self.wake()
        return released

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def next_fire_time(self) -> datetime | None:
        job = self._aps.get_job(NEXT_DUE) if self._aps.running else None
        return job.next_run_time if job else None

    # -- the publishing thread -------------------------------------------------------

    def _run(self) -> None:
        while True:
            self._wake.wait()
            if self._stop.is_set():
                return
            self._wake.clear()
            try:
                self.cycle()
            except Exception:
                log.exception("the publishing cycle failed; it runs again at the next tick")

    def cycle(self) -> list[PublishOutcome]:
        """One wake-up: catch up if needed, publish what is due, plan the next wake-up."""
        self._report(self.publishing.recover())  # another instance, or an unrecorded attempt, may have left one
        if not self._started_up:
            self._started_up = True
            self._caught_up(catch_up(self.ws, now=self.clock(), why="the app was closed"))
        else:
            jump = self.watch.check()
            if jump is not None:
                log.info("the wall clock jumped by %.0f s (sleep or clock change); catching up", jump)
                self.clock_jumped.emit(jump)
                self._caught_up(catch_up(self.ws, now=self.clock(), why="the computer was asleep"))
        outcomes = self.publishing.publish_due(stop=self._stop)
        self._report(outcomes)
        self.watch.mark()
        self.refresh()
        return outcomes

    def _caught_up(self, result: CatchUp) -> None:
        if result.missed:
            self.posts_changed.emit([p.id for p in result.missed])
            self.missed_found.emit(result)

    def _report(self, outcomes: list[PublishOutcome]) -> None:
        for outcome in outcomes:
            self.publish_finished.emit(outcome)
        changed = [o.post_id for o in outcomes if o.outcome is not Outcome.LOST]
        if changed:
            self.posts_changed.emit(changed)
