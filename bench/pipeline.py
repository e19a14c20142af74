"""One article from analyze to three finished videos with the embedded defaults.

Targets: under 60 s on this 2-core machine (issue 3); and (issue 11) at most
1.3x the time of re-encoding the same three finished videos with libx264 at the
app's preset and CRF, render peak memory under 600 MB. Prints each stage's wall
and CPU time (CPU includes ffmpeg and other child processes), then re-encodes
the three videos and prints both ratios and the largest child's peak memory.

    .venv/bin/python bench/pipeline.py [--article N] [--keep DIR]

``--keep DIR`` runs in DIR (emptied first) and leaves the job there, to profile its graphs.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nexus_desktop.domain.stages import PRODUCTION  # noqa: E402
from nexus_desktop.paths import AppPaths  # noqa: E402
from nexus_desktop.pipeline.feeds import add_feeds  # noqa: E402
from nexus_desktop.ffmpeg import ffmpeg_exe  # noqa: E402
from nexus_desktop.pipeline.flow import Workspace, run_stage  # noqa: E402
from nexus_desktop.pipeline.harvest import harvest  # noqa: E402
from nexus_desktop.resources import resource_dir  # noqa: E402
from nexus_desktop.settings import Settings  # noqa: E402
from nexus_desktop.store import Store  # noqa: E402


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def reencode(videos: list[Path], settings: Settings) -> tuple[float, float]:
    """Wall and CPU seconds to re-encode ``videos`` with libx264 at the app's preset and CRF."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    for video in videos:
        subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(video), "-c:v", "libx264", "-preset",
                        settings.render.preset, "-crf", str(settings.render.crf), "-c:a", "copy",
                        str(video.with_suffix(".reencoded.mp4"))], check=True)
    return time.perf_counter() - wall, cpu_seconds() - cpu


def main() -> None:
    article = int(sys.argv[sys.argv.index("--article") + 1]) if "--article" in sys.argv else 0
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    if keep:
        shutil.rmtree(keep, ignore_errors=True)
        os.makedirs(keep)
    with (contextlib.nullcontext(keep) if keep else tempfile.TemporaryDirectory()) as tmp:
        paths = AppPaths.resolve(tmp)
        settings = Settings()
        store = Store.for_settings(settings, paths)
        ws = Workspace(store=store, settings=settings, paths=paths)
        add_feeds(store, settings, str(resource_dir() / "samples" / "tech-digest.rss.xml"))
        harvest(store, settings)
        job_id = store.jobs.list()[article].id
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
        cpu = cpu_seconds() - cpu0
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"total: {total:.1f} s wall, {cpu:.1f} s CPU for a {narration:.1f} s narration "
              f"in {len(settings.render.formats)} formats   target < 60 s")
        videos = [paths.job_dir(job_id) / v["path"]
                  for v in store.jobs.results(job_id)["render"]["videos"].values()]
        re_wall, re_cpu = reencode(videos, settings)
        print(f"re-encoding the {len(videos)} videos (libx264 {settings.render.preset} CRF {settings.render.crf}): "
              f"{re_wall:.1f} s wall, {re_cpu:.1f} s CPU")
        print(f"ratio: {total / re_wall:.2f}x wall, {cpu / re_cpu:.2f}x CPU   target <= 1.30x; "
              f"largest child process peak {peak:.0f} MB (target < 600 MB); load {os.getloadavg()[0]:.1f}")
        store.close()


if __name__ == "__main__":
    main()
