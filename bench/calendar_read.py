"""The Calendar's first read on a large store, and how long the runner's store lane is held.

The store is bench/startup.py's: 100,000 jobs, a quarter of them approved with no
posts yet (as a store from before posts were drafted at approval). The Calendar view
is built as the window builds it, offscreen, with the real runner. Measured:

- ``first read``: from building the view to its first ``refreshed`` (grid, side list
  and upcoming list shown);
- ``store lane``: how long a trivial task queued on the store lane waits, probed every
  ``PROBE_MS`` until every approved job has its posts (any write the creator makes —
  approve, move a post — waits as long);
- ``the next start``: the first read of a second view once every approved job has its posts;
- the process's CPU time (user + sys, all threads) for each, and the load average.

    .venv/bin/python bench/calendar_read.py [jobs]
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

JOBS = 100_000  # a quarter approved: 25,000
PROBE_MS = 200
LIMIT_S = 900.0


def cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def main() -> int:
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else JOBS
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from nexus_desktop.bootstrap import open_workspace
    from nexus_desktop.gui.app_context import AppContext
    from nexus_desktop.gui.calendar_view import CalendarView
    from nexus_desktop.gui.operations import Operations
    from nexus_desktop.gui.operations.base import QueryOp
    from nexus_desktop.pipeline import schedule as scheduling
    from nexus_desktop.runtime.lanes import STORE
    from nexus_desktop.runtime.runner import Runner
    from nexus_desktop.runtime.scheduler import PostScheduler
    from tests.gui_support import bulk_insert_jobs

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        ws = open_workspace(tmp, console=False)
        bulk_insert_jobs(ws.store, jobs)
        missing = ws.store.posts.approved_without_posts
        print(f"{jobs:,} jobs, {len(missing()):,} approved without posts; load average "
              f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
        runner = Runner(ws)
        ctx = AppContext(ws, runner, Operations(ws, runner))
        waits: list[float] = []
        marks: dict[str, float] = {}
        began, cpu0 = time.perf_counter(), cpu()

        def probe() -> None:
            queued = time.perf_counter()

            def back(_=None) -> None:
                waits.append(time.perf_counter() - queued)
                if time.perf_counter() - began > LIMIT_S or ("first" in marks and not missing()):
                    marks["done"], marks["done_cpu"] = time.perf_counter() - began, cpu() - cpu0
                    QTimer.singleShot(0, again)
                else:
                    QTimer.singleShot(PROBE_MS, probe)

            QueryOp(ctx, lambda ws: None, "probe").success(back).run_in_background(lane=STORE)

        def again() -> None:
            """The next start: every approved job has its posts now (the side list has them all)."""
            opened, cpu1 = time.perf_counter(), cpu()
            second = CalendarView(ctx, scheduler=PostScheduler(ws))

            def shown() -> None:
                marks["again"], marks["again_cpu"] = time.perf_counter() - opened, cpu() - cpu1
                marks["again_total"] = second.unscheduled_total if hasattr(second, "unscheduled_total") else len(
                    second.unscheduled.posts)
                app.quit()

            second.refreshed.connect(shown)

        view = CalendarView(ctx, scheduler=PostScheduler(ws))

        def first() -> None:
            if "first" not in marks:
                marks["first"], marks["first_cpu"] = time.perf_counter() - began, cpu() - cpu0

        view.refreshed.connect(first)
        QTimer.singleShot(0, probe)
        app.exec()
        shown = len(view.unscheduled.posts)
        runner.shutdown()
        print(f"first read: {marks['first']:.2f} s wall, {marks['first_cpu']:.2f} s CPU; side list shows {shown:,} posts")
        print(f"every approved job drafted after {marks['done']:.1f} s wall, {marks['done_cpu']:.1f} s CPU; "
              f"{ws.store.posts.counts_by_status()}")
        print(f"the next start's first read, {marks['again_total']:,} approved posts without a time: "
              f"{marks['again']:.2f} s wall, {marks['again_cpu']:.2f} s CPU")
        if hasattr(scheduling, "draft_missing"):
            looked, cpu2 = time.perf_counter(), cpu()
            scheduling.draft_missing(ws)
            print(f"and its look for approved jobs without posts (none left): {time.perf_counter() - looked:.3f} s wall, "
                  f"{cpu() - cpu2:.3f} s CPU")
        waits.sort()
        print(f"store-lane wait over that time ({len(waits)} probes): median {waits[len(waits) // 2] * 1000:.0f} ms, "
              f"p95 {waits[int(len(waits) * 0.95)] * 1000:.0f} ms, longest {waits[-1] * 1000:.0f} ms")
        print(f"load average now {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        ws.store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
