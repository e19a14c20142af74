"""Starting the window: the application object, the workspace, the crash reporter, the main window."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from ..bootstrap import open_workspace
from ..domain.errors import NexusError
from ..pipeline.flow import Workspace
from ..runtime.autopilot import Autopilot
from ..runtime.feed_checks import FeedChecks
from ..runtime.ownership import WINDOW, SchedulerLock
from ..runtime.runner import Runner
from ..runtime.events import Changed
from ..runtime.lanes import NARRATE, STORE
from ..runtime.scheduler import PostScheduler
from ..runtime.warmup import warm_up
from . import icons, qt_messages, theme, welcome, workers_panel
from .app_context import AppContext
from .crash_dialog import CrashReporter
from .operations import Operations
from .operations.base import reason
from .single_instance import InstanceServer, ask_first_to_show

log = logging.getLogger(__name__)

WARM_UP_DELAY_MS = 1500


def application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Nexus Desktop")
    app.setOrganizationName("nexus-desktop")
    app.setDesktopFileName("io.github.nexusdesktop.NexusDesktop")  # matches the installed .desktop file (Wayland)
    app.setWindowIcon(icons.app_icon())
    return app


def open_window(ws: Workspace):
    """The main window over a workspace; jobs interrupted last time go back in the queue.

    The window publishes and checks feeds only when it holds the data folder's
    scheduler lock; when ``nexus daemon`` holds it, the window shows that instead.
    Nothing here reads the store on the GUI thread: the recovery is the runner's first
    store-lane task, and the Autopilot starts (and runs the queue) once it is done."""
    from .main_window import MainWindow  # after the QApplication exists: views build widgets

    theme.apply(QApplication.instance(), ws.settings.ui.theme)
    runner = Runner(ws, run_stage=workers_panel.stage_runner(ws))  # on the farm when a broker is set
    checks = FeedChecks(ws.paths.data)
    lock = SchedulerLock(ws.paths.data, WINDOW)
    owner = lock.acquire()
    publisher = None if owner else lock.holder()
    if publisher is not None:
        log.info("%s publishes for this data folder; this window does not", publisher.describe())
    scheduler = PostScheduler(ws, parent=runner) if owner else None
    autopilot = Autopilot(ws, runner, checks, runner) if owner else None
    ctx = AppContext(ws, runner, Operations(ws, runner, checks=checks), autopilot, scheduler, publisher)
    _recover_interrupted(ctx)  # first in the store lane, before the views' own reads there
    window = MainWindow(ctx, scheduler_lock=lock)
    if scheduler is not None:
        scheduler.start()
    # The stages' modules and the voice load in the narrate lane soon after the window shows, not in the first job.
    QTimer.singleShot(WARM_UP_DELAY_MS, lambda: runner.submit(lambda: warm_up(ws), lane=NARRATE,
                                                              description="Loading the voice"))
    # What start-up made lives as long as the app. Frozen, the collector stops
    # walking it: a full collection otherwise holds every thread (the window's
    # too) for around 100 ms, the longest stalls measured while a job renders.
    gc.freeze()
    return window


def _recover_interrupted(ctx: AppContext) -> None:
    """Jobs a quit or a crash left running go back to the queue (in the runner's store lane);
    then the Autopilot starts, so its first run of the queue includes them."""
    runner, autopilot = ctx.runner, ctx.autopilot

    def recovered(job_ids: list[int]) -> None:
        if job_ids:
            log.info("%d job(s) interrupted last time are back in the queue", len(job_ids))
            runner.announce(Changed(jobs=frozenset(job_ids)))
        if autopilot is not None:
            autopilot.start()

    def failed(exc: BaseException) -> None:
        log.warning("could not put the jobs interrupted last time back in the queue: %s", exc)
        ctx.ops.problem.emit("Interrupted jobs were not resumed",
                             f"{reason(exc)}\n\nThey stay as they were; the next start tries again.")
        if autopilot is not None:
            autopilot.start()

    runner.submit(ctx.ws.store.jobs.recover_interrupted, lane=STORE, description="Resuming interrupted jobs",
                  on_done=recovered, on_failed=failed)


def run_gui(args: argparse.Namespace) -> int:
    app = application()
    qt_messages.route_to_logging()
    try:
        ws = open_workspace(args.data_dir, verbose=getattr(args, "verbose", False))
    except NexusError as exc:
        QMessageBox.critical(None, "Nexus Desktop cannot start", str(exc))
        return 2
    instance = InstanceServer(ws.paths.data)
    if not instance.claim():  # a window is open on this folder already: bring it forward instead
        if not ask_first_to_show(ws.paths.data):
            QMessageBox.information(None, "Nexus Desktop is already open",
                                    "Nexus Desktop is already running for this data folder.")
        ws.store.close()
        return 0
    reporter = CrashReporter(ws.paths.log_file)
    reporter.install()
    _quit_on_signals(app)
    try:
        window = open_window(ws)
        instance.activated.connect(window.bring_forward)
        window.show()
        welcome.show_if_first_run(window.ctx, window)
        runner = window.ctx.runner
        code = app.exec()  # quitting closes the window, which stops the runner (bounded) and closes the store
    finally:
        reporter.uninstall()
        instance.release()
    return leave(runner, code)


def _quit_on_signals(app: QApplication) -> None:
    """Ctrl+C in a terminal, or the session ending, quits like the Quit action does.

    Python runs signal handlers only between its own instructions; a slow timer
    brings the interpreter back from Qt's event loop often enough to notice.
    """
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: app.quit())
    wake = QTimer(app, interval=250)
    wake.timeout.connect(lambda: None)
    wake.start()


def leave(runner: Runner, code: int) -> int:
    """The exit code; or, if some background work did not stop in time, exit now
    instead of waiting for it (the store is closed; its job resumes next start)."""
    if runner.shutdown():
        return code
    log.warning("leaving while background work is still running; it is picked up at the next start")
    logging.shutdown()
    os._exit(code)
