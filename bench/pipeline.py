"""One article from analyze to three finished videos with the embedded defaults.

Target (issue 3, 2-core machine): under 60 s. Prints each stage's wall and CPU
time (CPU includes ffmpeg and other child processes).

    .venv/bin/python bench/pipeline.py
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nexus_desktop.domain.stages import PRODUCTION  # noqa: E402
from nexus_desktop.paths import AppPaths  # noqa: E402
from nexus_desktop.pipeline.feeds import add_feeds  # noqa: E402
from nexus_desktop.pipeline.flow import Workspace, run_stage  # noqa: E402
from nexus_desktop.pipeline.harvest import harvest  # noqa: E402
from nexus_desktop.resources import resource_dir  # noqa: E402
from nexus_desktop.settings import Settings  # noqa: E402
from nexus_desktop.store import Store  # noqa: E402


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = AppPaths.resolve(tmp)
        settings = Settings()
        store = Store.for_settings(settings, paths)
        ws = Workspace(store=store, settings=settings, paths=paths)
        add_feeds(store, settings, str(resource_dir() / "samples" / "tech-digest.rss.xml"))
        harvest(store, settings)
        job_id = store.jobs.list()[0].id
        print(f"article: {store.jobs.get(job_id).title!r}; load average {os.getloadavg()[0]:.1f}")
        wall0, cpu0 = time.perf_counter(), cpu_seconds()
        for stage in PRODUCTION:
            w, c = time.perf_counter(), cpu_seconds()
            view = run_stage(ws, job_id)
            if view is None or view.error:
                raise SystemExit(f"{stage.value} failed: {view.error if view else 'not runnable'}")
            print(f"  {stage.value:<10} {time.perf_counter() - w:6.1f} s wall  {cpu_seconds() - c:6.1f} s CPU")
        total = time.perf_counter() - wall0
        narration = store.jobs.results(job_id)["narrate"]["narration"]["duration"]
        print(f"total: {total:.1f} s wall, {cpu_seconds() - cpu0:.1f} s CPU for a {narration:.1f} s narration "
              f"in {len(settings.render.formats)} formats   target < 60 s")
        store.close()


if __name__ == "__main__":
    main()
