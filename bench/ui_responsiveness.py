"""Does the window stay responsive while a job is made? The largest gap in the
main thread's event loop while one article goes through analyze, narrate,
visualize and render (three formats) in the runner, with the window open, the
job selected in the preview and its row showing live progress.

A precise 5 ms timer on the main thread records the time between its ticks; a
tick late by more than the interval is the event loop being held up. The same
timer first runs while the app warms the voice model up in the pool (start-up),
then for a few seconds with the window idle: on a busy machine the operating
system alone delays ticks, and that baseline says by how much.

Targets (issues 4 and 13): the largest gap stays under 50 ms through the whole
job, first narration included.

Every gap longer than ``ATTRIBUTE_MS`` is attributed: the processor time each
Python thread of the process used during the gap (a worker thread that used
most of the gap held the GIL for it, since the window's thread could not run),
where that thread's stack was when the window got the GIL back, the process's
CPU in threads without Python (onnxruntime's, Qt's), and the part of the gap no
thread of ours used (the operating system ran other processes).

    .venv/bin/python bench/ui_responsiveness.py [--workers-nice 10]

``--workers-nice N`` lowers the runner's pool threads themselves to nice N, as the
app did before the fourth session (to compare: a lowered thread descheduled while
holding the GIL keeps the window waiting).
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, Qt, QTimer  # noqa: E402

from bench.gil_attribution import GapWitness  # noqa: E402
from bench.handler_timing import HandlerClock  # noqa: E402

from nexus_desktop.domain.stages import Stage  # noqa: E402
from nexus_desktop.gui.main import application, open_window  # noqa: E402
from nexus_desktop.gui.operations import jobs as job_ops  # noqa: E402
from nexus_desktop.paths import AppPaths  # noqa: E402
from nexus_desktop.pipeline.feeds import add_feeds  # noqa: E402
from nexus_desktop.pipeline.flow import Workspace  # noqa: E402
from nexus_desktop.pipeline.harvest import harvest  # noqa: E402
from nexus_desktop.resources import resource_dir  # noqa: E402
from nexus_desktop.runtime.events import Changed  # noqa: E402
from nexus_desktop.settings import Settings  # noqa: E402
from nexus_desktop.store import Store  # noqa: E402

TICK_MS = 5
IDLE_SECONDS = 5
TARGET_MS = 50
ATTRIBUTE_MS = 40  # gaps longer than this get a "who ran meanwhile" line
PAINT_NOTE_MS = 4  # with --handlers: a window paint longer than this lists the widgets it painted
OWN_WORK_MS = 10  # with --handlers: turns with more of the window's own work than this list its handlers


class GapMeter:
    """Largest time between ticks of a main-thread timer, per stage being run; and, beside
    it, the processor time the main thread itself used between two ticks (``thread_time``).

    On a shared machine the wall-clock gap also holds the time the operating system gave
    other processes and the time workers held the GIL; the main thread's own processor time
    between ticks is the work the window did on its thread, which the load does not inflate.
    """

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer(interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._on_tick)
        self.stage = "starting"
        self.gaps: dict[str, list[float]] = {}
        self.busy: dict[str, list[float]] = {}  # main-thread CPU ms between ticks
        self._cpu = 0.0
        self.witness = GapWitness(ATTRIBUTE_MS)
        self.handlers: HandlerClock | None = None

    def start(self) -> None:
        self.clock.start()
        self._cpu = time.thread_time()
        self.witness.tick(0.0, "", 0.0)
        self.timer.start()

    def _on_tick(self) -> None:
        elapsed = self.clock.nsecsElapsed() / 1e6
        self.clock.restart()
        cpu = time.thread_time()
        self.busy.setdefault(self.stage, []).append((cpu - self._cpu) * 1000)
        self.witness.tick(elapsed, self.stage, (cpu - self._cpu) * 1000)
        if self.handlers is not None:
            self.handlers.take(self.stage, elapsed, (cpu - self._cpu) * 1000)
        self._cpu = cpu
        self.gaps.setdefault(self.stage, []).append(elapsed)


class QtWork(QObject):
    """With --handlers: Qt's own work on the window's thread, timed by kind. An application-wide
    event filter delivers the events that paint and lay out (and every timer's) itself, timed."""

    # Only kinds no view filters itself (the object's own filters run after this one and would be skipped).
    TIMED = {QEvent.Type.UpdateRequest: "Qt paints a window", QEvent.Type.LayoutRequest: "Qt lays out",
             QEvent.Type.MetaCall: "queued call", QEvent.Type.Timer: "timer"}

    def __init__(self, clock: HandlerClock, parent: QObject) -> None:
        super().__init__(parent)
        self.clock = clock
        self.painted: list[tuple[int, str]] | None = None  # during a window's paint: what got painted

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.painted is not None:
            area = event.rect().width() * event.rect().height()
            self.painted.append((area, f"{type(watched).__name__} {watched.objectName()}".rstrip()))
            return False
        name = self.TIMED.get(event.type())
        if name is None or threading.get_ident() != self.clock._main:
            return False
        if event.type() in (QEvent.Type.MetaCall, QEvent.Type.Timer):
            name = f"{name} to {type(watched).__name__}"
        else:
            name = f"{name}: {type(watched).__name__} {watched.objectName()}".rstrip()
        if event.type() != QEvent.Type.UpdateRequest:
            self.clock.call(name, watched.event, event)
            return True
        self.painted = []
        started = time.thread_time()
        try:
            self.clock.call(name, watched.event, event)
        finally:
            if (time.thread_time() - started) * 1000 > PAINT_NOTE_MS:
                widest = sorted(self.painted, reverse=True)[:5]
                self.clock.note(f"painted {len(self.painted)} widgets, widest: "
                                + ", ".join(f"{what} {area // 1000}k px" for area, what in widest))
            self.painted = None
        return True


def _lower_workers(nice: int) -> None:
    """The old behaviour, for comparison: each pool thread lowers itself (children follow)."""
    from nexus_desktop.runtime import runner

    keep = runner._yield_cpu_to_the_window

    def lowered() -> None:
        if not getattr(runner._thread_state, "self_lowered", False):
            runner._thread_state.self_lowered = True
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        keep()

    runner._yield_cpu_to_the_window = lowered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers-nice", type=int, default=None, help="lower the pool threads to this nice value")
    parser.add_argument("--handlers", action="store_true",
                        help="time the window's own handlers (bench/handler_timing.py) and list them per long turn")
    args = parser.parse_args()
    if args.workers_nice is not None:
        _lower_workers(args.workers_nice)
    app = application()
    handlers = None
    if args.handlers:
        import nexus_desktop.gui.main_window  # noqa: F401 (every view's module, so their classes get clocks)
        handlers = HandlerClock(OWN_WORK_MS)
        print(f"handler clocks on {handlers.install()} methods")
        from PySide6.QtCore import qInstallMessageHandler

        qInstallMessageHandler(lambda kind, context, message: handlers.note(f"Qt says: {message[:60]}"))
        handlers.qt_work = QtWork(handlers, app)
        app.installEventFilter(handlers.qt_work)
        # An application-wide Python filter makes PySide create ~100 enum types (~25 ms) the first time
        # it is handed a dynamic-property event (the window never is): have that happen now, not mid-job.
        QObject().setProperty("warm", True)
    with tempfile.TemporaryDirectory() as tmp:
        paths = AppPaths.resolve(tmp)
        settings = Settings()
        settings.harvest.auto_run = False  # the bench starts the job after the idle baseline, not the autopilot
        settings.harvest.check_every_minutes = 0
        ws = Workspace(Store.for_settings(settings, paths), settings, paths)
        add_feeds(ws.store, settings, str(resource_dir() / "samples" / "tech-digest.rss.xml"))
        harvest(ws.store, settings)
        job_id = ws.store.jobs.list()[0].id
        window = open_window(ws)
        window.show()
        window.ctx.runner.announce(Changed(added=True))
        deadline = time.monotonic() + 30
        while window.jobs_view.model.row_of(job_id) is None and time.monotonic() < deadline:
            app.processEvents()  # the table reads its rows in the runner's read lane
            time.sleep(0.01)
        window.jobs_view.select_job(job_id)

        meter = GapMeter()
        meter.handlers = handlers
        finished: list[str] = []
        window.ctx.runner.job_progressed.connect(lambda p: setattr(meter, "stage", p.stage.value))
        window.ctx.runner.job_finished.connect(lambda done: finished.append(done.status.value))
        window.ctx.runner.job_failed.connect(lambda failed: finished.append(f"failed: {failed.reason}"))
        window.ctx.runner.job_finished.connect(lambda _: QTimer.singleShot(200, app.quit))
        window.ctx.runner.job_failed.connect(lambda _: QTimer.singleShot(200, app.quit))
        print(f"article: {ws.store.jobs.get(job_id).title!r}; load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores; pool threads at nice "
              f"{args.workers_nice if args.workers_nice is not None else os.getpriority(os.PRIO_PROCESS, 0)}")
        started: list[float] = []

        def start_job() -> None:
            if not started:
                started.append(time.perf_counter())
                meter.stage = "starting"
                job_ops.run(window.ctx, [job_id])

        def on_queue(state) -> None:
            if "Loading the voice" in state.tasks:
                meter.stage = "voice warm-up"
            elif meter.stage == "voice warm-up":
                meter.stage = "idle"
                QTimer.singleShot(IDLE_SECONDS * 1000, start_job)

        window.ctx.runner.queue_changed.connect(on_queue)
        meter.stage = "start-up"
        meter.start()
        # No voice to warm up: run anyway (not while one is loading, which a loaded machine makes slow).
        QTimer.singleShot(30_000, lambda: start_job() if meter.stage == "start-up" else None)
        app.exec()  # quitting closes the window, which stops the runner and closes the store
        total = time.perf_counter() - (started[0] if started else time.perf_counter())

    print(f"job: {finished[0] if finished else 'did not finish'} after {total:.1f} s; "
          f"load average at the end {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[1]:.1f} (5 min)")
    print(f"{'stage':<12}{'ticks':>7}{'largest gap':>14}{'99th pct':>11}{'median':>9}{'main-thread CPU, largest':>27}")
    for stage in ("start-up", "voice warm-up", "idle", "starting", *(s.value for s in (Stage.ANALYZE, Stage.NARRATE, Stage.VISUALIZE, Stage.RENDER))):
        gaps = meter.gaps.get(stage)
        if not gaps:
            continue
        p99 = statistics.quantiles(gaps, n=100)[98] if len(gaps) >= 100 else max(gaps)
        print(f"{stage:<12}{len(gaps):>7}{max(gaps):>11.1f} ms{p99:>8.1f} ms{statistics.median(gaps):>6.1f} ms"
              f"{max(meter.busy.get(stage, [0.0])):>24.1f} ms")
    render = max(meter.gaps.get(Stage.RENDER.value, [0.0]))
    overall = max(max(g) for stage, g in meter.gaps.items() if stage not in ("start-up", "voice warm-up", "idle"))
    idle = max(meter.gaps.get("idle", [0.0]))
    own = max(max(b) for stage, b in meter.busy.items() if stage not in ("start-up", "voice warm-up", "idle"))
    print(f"largest gap while rendering: {render:.1f} ms; over the whole job: {overall:.1f} ms; "
          f"idle window on this machine: {idle:.1f} ms   target < {TARGET_MS} ms")
    print(f"largest main-thread CPU between two ticks over the whole job: {own:.1f} ms (the window's own work)")
    print(meter.witness.report())
    if handlers is not None:
        print(handlers.report())
    return 0 if finished and finished[0] == "awaiting_review" else 1


if __name__ == "__main__":
    sys.exit(main())
