"""The job runner: one QThreadPool, a lane per scarce resource, typed signals.

A job advances one stage per task (``flow.run_stage``), so each stage waits in
its own lane: renders queue behind the render limit while new articles are
still analysed. Workers get a job id, a progress callback and a cancel event,
never a widget; what they return reaches the main thread through a queued
signal, and the window re-reads the jobs named in the ``changed`` change set.

The processes pool threads start (ffmpeg) run at a lower CPU priority: when
rendering fills every core, the window's thread still gets the processor when
it needs it. The pool threads themselves do not: they hold the GIL in bursts,
and a lowered one descheduled while holding it held the window up.

Progress is not sent per call: workers overwrite the latest value per job and
a main-thread timer publishes it every ``progress_interval_ms``, so a stage
reporting a hundred times a second never floods the event loop.

Signals:
    job_progressed(JobProgress): a running stage reported progress (throttled).
    job_finished(JobDone): the runner let go of a job: it waits for review, was
        cancelled, or stopped between stages.
    job_failed(JobFailed): a stage failed; the reason is stored with the job.
    queue_changed(QueueState): what runs and how much waits, for the status bar.
    task_failed(TaskFailed): background work without its own error handler raised.
    changed(Changed): the one signal views refresh from: every jobs, feeds or posts
        change, from a stage or from the creator's operations, as a frozen change set.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, QTimer, Signal, Slot

from .. import children
from ..domain import jobs as job_states
from ..domain.jobs import JobStatus
from ..domain.stages import PRODUCTION, Stage
from ..pipeline import flow
from ..pipeline.flow import Workspace
from ..store.jobs import JobFilter
from ..store.views import JobView
from .events import Changed, JobDone, JobFailed, JobProgress, QueueState, Running, TaskFailed
from .lanes import NETWORK, READ, STAGE_LANES, STORE, Lane, lane_limits, make_lanes

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
_thread_state = threading.local()


def _yield_cpu_to_the_window() -> None:
    """Processes this pool thread starts (ffmpeg) run at a lower CPU priority, once per thread.

    The thread itself keeps the window's priority. It holds the GIL in bursts; lowered
    (nice 10, as before), it was descheduled while holding it whenever the machine was
    busy, and the window waited for it: 50-90 ms with the window's thread blocked on the
    GIL while the holder ran 2-8 ms (bench/README.md, Window, fourth session)."""
    if getattr(_thread_state, "lowered", False):
        return
    _thread_state.lowered = True
    children.start_children_in_background()


@dataclass(eq=False)
class _JobEntry:
    """A job the runner holds: waiting in a lane or running one stage."""

    job_id: int
    title: str
    stage: Stage
    cancel: threading.Event = field(default_factory=threading.Event)
    why_cancelled: str = ""  # "user" or "shutdown"; set before ``cancel``
    running: bool = False


@dataclass(eq=False)
class _Task:
    """Other background work: a function, and what to do with its result on the main thread."""

    fn: Callable[[], Any]
    lane: str
    description: str
    on_done: Callback | None
    on_failed: Callback | None
    keep_on_quit: bool = False


def _owner_gone(callback: Callback | None) -> bool:
    """Whether ``callback`` is a method of a widget Qt has deleted since the task began
    (a view closed while its read ran): calling it would touch freed C++ objects."""
    owner = getattr(callback, "__self__", None)
    return isinstance(owner, QObject) and not shiboken6.isValid(owner)


class _Relay(QObject):
    """Lives on the main thread; workers emit through it, so delivery is queued."""

    returned = Signal(object, object)  # work item, [result, exception] (emptied on the main thread)


class Runner(QObject):
    job_progressed = Signal(JobProgress)
    job_finished = Signal(JobDone)
    job_failed = Signal(JobFailed)
    queue_changed = Signal(QueueState)
    task_failed = Signal(TaskFailed)
    changed = Signal(Changed)

    def __init__(
        self,
        ws: Workspace,
        parent: QObject | None = None,
        *,
        run_stage: Callable[..., JobView | None] = flow.run_stage,
        progress_interval_ms: int = 100,
    ) -> None:
        super().__init__(parent)
        self.ws = ws
        self._run_stage = run_stage
        self._lanes: dict[str, Lane] = make_lanes(ws.settings)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(self._thread_budget())
        self._jobs: dict[int, _JobEntry] = {}
        self._running_tasks: list[_Task] = []
        self._paused = False
        self._closing = False
        self._stopped_in_time = True
        self._latest: dict[int, JobProgress] = {}
        self._latest_lock = threading.Lock()
        self._relay = _Relay(self)
        self._relay.returned.connect(self._on_work_returned, Qt.ConnectionType.QueuedConnection)
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(progress_interval_ms)
        self._progress_timer.timeout.connect(self._on_progress_tick)

    # -- jobs ----------------------------------------------------------------------------

    def run(self, job_ids: Iterable[int]) -> None:
        """Advance these jobs as far as the stages go; jobs not queued are skipped."""
        ids = [i for i in job_ids if i not in self._jobs]
        if ids:
            self.submit(lambda: self.ws.store.jobs.get_many(ids), lane=READ, on_done=self._enqueue_views)

    def run_all_queued(self) -> None:
        where = JobFilter(statuses=(JobStatus.QUEUED.value,))
        self.submit(lambda: self.ws.store.jobs.list(where), lane=READ, on_done=self._enqueue_views)

    def cancel(self, job_ids: Iterable[int], on_refused: Callback | None = None) -> None:
        """Stop these jobs: a running stage is told to stop (it releases the job as
        cancelled); a waiting or idle queued job is marked cancelled at once."""
        idle: list[int] = []
        for job_id in job_ids:
            entry = self._jobs.get(job_id)
            if entry is not None and entry.running:
                entry.why_cancelled = "user"
                entry.cancel.set()
                continue
            if entry is not None:
                self._lanes[STAGE_LANES[entry.stage]].waiting.remove(entry)
                del self._jobs[job_id]
            idle.append(job_id)
        if idle:
            self.submit(
                lambda: self.ws.store.jobs.transition_many(idle, job_states.cancel),
                lane=STORE,
                keep_on_quit=True,
                on_done=lambda outcome: self._on_idle_cancelled(outcome, on_refused),
            )
        self._emit_queue()

    def is_held(self, job_id: int) -> bool:
        """Whether the runner waits to run, or runs, this job."""
        return job_id in self._jobs

    # -- the queue -------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """Start no new stage; running stages finish."""
        self._paused = True
        self._emit_queue()

    def resume(self) -> None:
        self._paused = False
        self._dispatch()
        self._emit_queue()

    def state(self) -> QueueState:
        running = tuple(Running(e.job_id, e.title, e.stage) for e in self._jobs.values() if e.running)
        return QueueState(
            running=running,
            waiting=len(self._jobs) - len(running),
            paused=self._paused,
            tasks=tuple(t.description for t in self._running_tasks if t.description),
        )

    def apply_settings(self) -> None:
        """Take up changed settings (``ws.settings``), e.g. how many renders run at once."""
        for name, limit in lane_limits(self.ws.settings).items():
            self._lanes[name].limit = limit
        self._pool.setMaxThreadCount(self._thread_budget())
        self._dispatch()

    def _thread_budget(self) -> int:
        return sum(lane.limit for lane in self._lanes.values())

    # -- other background work -----------------------------------------------------------------

    def submit(
        self,
        fn: Callable[[], Any],
        *,
        lane: str = STORE,
        description: str = "",
        on_done: Callback | None = None,
        on_failed: Callback | None = None,
        keep_on_quit: bool = False,
    ) -> None:
        """Run ``fn()`` in the pool; ``on_done(result)`` or ``on_failed(exception)``
        then run on the main thread. Without ``on_failed`` a failure is logged and
        emitted as ``task_failed``.

        Lanes: ``READ`` for what a view shows, ``STORE`` for the creator's writes
        (one at a time), ``NETWORK`` for work that waits on other servers. A task
        still waiting when the app quits is dropped, unless ``keep_on_quit`` (a
        write the creator asked for): then it runs during the quit.
        """
        if self._closing:  # e.g. a view's timer firing while the window closes
            log.debug("not started, the runner is shutting down: %s", description or fn)
            return
        self._lanes[lane].waiting.append(_Task(fn, lane, description, on_done, on_failed, keep_on_quit))
        self._dispatch()

    def announce(self, changes: Changed) -> None:
        """Tell every view what changed (on the main thread): the one ``changed`` signal."""
        if changes != Changed():
            self.changed.emit(changes)

    # -- shutting down ---------------------------------------------------------------------------

    def shutdown(self, timeout: float = 10.0) -> bool:
        """Cancel everything, wait at most ``timeout`` seconds, close the store.

        Stages stopped here go back to the queue (not to "cancelled"): the next
        start resumes them. Returns False if some stage did not stop in time; its
        job is recovered on the next start.
        """
        if self._closing:
            return self._stopped_in_time
        self._closing = True
        self._progress_timer.stop()
        leftover = [t for lane in self._lanes.values() for t in lane.waiting if isinstance(t, _Task) and t.keep_on_quit]
        for lane in self._lanes.values():
            lane.waiting.clear()
        for entry in list(self._jobs.values()):
            if entry.running:
                entry.why_cancelled = entry.cancel.why = "shutdown"  # a farm's stage carries on (farm/remote.py)
                entry.cancel.set()
        stopped = self._stopped_in_time = self._pool.waitForDone(int(timeout * 1000))
        if not stopped:
            log.warning("some work did not stop within %.0f s; it resumes on the next start", timeout)
        for task in leftover:  # the creator's own writes are short: do them, don't drop them
            try:
                task.fn()
            except Exception:
                log.exception("%s failed during shutdown", task.description or "a queued action")
        self.ws.store.close()
        return stopped

    # -- dispatching -----------------------------------------------------------------------------

    def _enqueue_views(self, views: list[JobView]) -> None:
        added = False
        for view in views:
            if self._closing or view.id in self._jobs:
                continue
            if view.status is not JobStatus.QUEUED or view.stage not in PRODUCTION:
                log.debug("job %s is %s at %s: nothing to run", view.id, view.status.value, view.stage.value)
                continue
            entry = _JobEntry(view.id, view.title, view.stage)
            self._jobs[view.id] = entry
            self._lanes[STAGE_LANES[view.stage]].waiting.append(entry)
            added = True
        if added:
            self._dispatch()
            self._emit_queue()

    def _dispatch(self) -> None:
        if self._closing:
            return
        for lane in self._lanes.values():
            if lane.pausable and self._paused:
                continue
            while lane.has_room:
                work = lane.waiting.popleft()
                lane.running += 1
                self._start(work)

    def _start(self, work: _JobEntry | _Task) -> None:
        if isinstance(work, _JobEntry):
            work.running = True
            if not self._progress_timer.isActive():
                self._progress_timer.start()
            self._pool.start(lambda: self._work_in_thread(work))
        else:
            self._running_tasks.append(work)
            self._pool.start(lambda: self._work_in_thread(work))
        self._emit_queue()

    def _work_in_thread(self, work: _JobEntry | _Task) -> None:
        _yield_cpu_to_the_window()
        fn = (lambda: self._stage_in_thread(work)) if isinstance(work, _JobEntry) else work.fn
        try:
            result, error = fn(), None
        except BaseException as exc:  # handed to the main thread; never lost in a worker
            result, error = None, exc
        # What a view's closure, a result or a traceback refers to is released on the main
        # thread (_on_work_returned), never here: a widget freed on a pool thread crashes the app.
        outcome = [result, error]
        del fn, result, error
        self._relay.returned.emit(work, outcome)

    def _stage_in_thread(self, entry: _JobEntry) -> JobView | None:
        """One stage of one job, in a pool thread: no widgets, no Qt objects."""
        job_id, store = entry.job_id, self.ws.store

        def progress(percent: int, message: str) -> None:
            update = JobProgress(job_id, entry.stage, percent, message)
            with self._latest_lock:
                self._latest[job_id] = update

        view = self._run_stage(self.ws, job_id, progress=progress, cancel=entry.cancel)
        if view is None:
            return store.jobs.get(job_id)
        if entry.cancel.is_set():
            if entry.why_cancelled == "shutdown" and view.status is JobStatus.CANCELLED:
                view = store.jobs.transition(job_id, job_states.retry)  # quit: resume on next start
            elif entry.why_cancelled == "user" and view.status is JobStatus.QUEUED:
                view = store.jobs.transition(job_id, job_states.cancel)  # the stage ended before it saw the cancel
        return view

    # -- results, on the main thread --------------------------------------------------------------

    @Slot(object, object)
    def _on_work_returned(self, work: _JobEntry | _Task, outcome: list) -> None:
        result, error = outcome
        outcome.clear()
        if self._closing:
            return
        try:
            if isinstance(work, _JobEntry):
                self._lanes[STAGE_LANES[work.stage]].running -= 1
                self._on_stage_returned(work, result, error)
            else:
                self._lanes[work.lane].running -= 1
                self._running_tasks.remove(work)
                self._on_task_returned(work, result, error)
        finally:  # a callback that raises (a bug: it reaches the crash dialog) must not stall the queue
            if not any(e.running for e in self._jobs.values()):
                self._progress_timer.stop()
            self._dispatch()
            self._emit_queue()

    def _on_stage_returned(self, entry: _JobEntry, view: JobView | None, error: BaseException | None) -> None:
        with self._latest_lock:
            self._latest.pop(entry.job_id, None)  # a late progress tick must not follow the result
        entry.running = False
        if error is not None:
            log.error("job %s: %s could not run:\n%s", entry.job_id, entry.stage.value,
                      "".join(traceback.format_exception(error)))
            self._jobs.pop(entry.job_id, None)
            self.announce(Changed(jobs=frozenset({entry.job_id})))
            self.job_failed.emit(JobFailed(entry.job_id, entry.title, entry.stage, f"unexpected error: {error}"))
            return
        if view is None:  # deleted meanwhile
            self._jobs.pop(entry.job_id, None)
            self.announce(Changed(removed=frozenset({entry.job_id})))
            return
        self.announce(Changed(jobs=frozenset({view.id})))
        more = view.status is JobStatus.QUEUED and view.stage in PRODUCTION and not entry.cancel.is_set()
        if more:
            # A job already under way goes first in its next lane: finished videos
            # sooner, rather than every job half done.
            entry.stage = view.stage
            self._lanes[STAGE_LANES[view.stage]].waiting.appendleft(entry)
            return
        self._jobs.pop(entry.job_id, None)
        if view.status is JobStatus.FAILED:
            self.job_failed.emit(JobFailed(view.id, view.title, view.stage, view.error or "failed"))
        else:
            self.job_finished.emit(JobDone(view.id, view.title, view.status, view.stage))

    def _on_task_returned(self, task: _Task, result: Any, error: BaseException | None) -> None:
        on_done, on_failed = task.on_done, task.on_failed
        task.fn = task.on_done = task.on_failed = None  # the pool thread may drop the task last
        if _owner_gone(on_done) or _owner_gone(on_failed):
            log.debug("dropped, its window was closed meanwhile: %s", task.description)
            return
        if error is None:
            if on_done is not None:
                on_done(result)
        elif on_failed is not None:
            log.info("%s failed: %s", task.description or "background work", error)
            on_failed(error)
        else:
            log.error("%s failed:\n%s", task.description or "background work", "".join(traceback.format_exception(error)))
            self.task_failed.emit(TaskFailed(task.description or "background work", str(error) or type(error).__name__))

    def _on_idle_cancelled(self, outcome: tuple[list[JobView], dict[int, str]], on_refused: Callback | None) -> None:
        changed, refused = outcome
        if changed:
            self.announce(Changed(jobs=frozenset(v.id for v in changed)))
        for view in changed:
            self.job_finished.emit(JobDone(view.id, view.title, view.status, view.stage))
        if refused and on_refused is not None:
            on_refused(refused)

    @Slot()
    def _on_progress_tick(self) -> None:
        with self._latest_lock:
            latest, self._latest = self._latest, {}
        for update in latest.values():
            self.job_progressed.emit(update)

    def _emit_queue(self) -> None:
        if not self._closing:
            self.queue_changed.emit(self.state())


__all__ = ["Runner", "NETWORK", "READ", "STORE"]
