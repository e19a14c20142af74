"""Steering shots: what the creator waits for when they change a shot and re-render.

    PYTHONPATH=. .venv/bin/python bench/shot_steering.py [--seconds 30] [--fps 30]

Makes a job whose script and voice are done (the test sentences repeated to about
``--seconds`` of narration, pink noise as the voice), in the default three formats,
then measures:

- first: visualize + render of the job, as the pipeline makes it (wall and CPU);
- list: ``shot_edits.load`` plus a still of every shot (what the Shots tab reads in
  the runner), and turning those stills into the strip's pixmaps on the GUI thread
  (``ShotListModel.set_loaded``: the only part that runs there);
- change: storing one change (``shot_edits.change``);
- re-render: visualize + render again after removing one shot and turning another
  into kinetic text (only this job's stages), against the first.

CPU is this process's and its children's (ffmpeg) user + sys time, which other work
on the machine disturbs less than wall time. Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn):
    wall, used = time.perf_counter(), cpu()
    result = fn()
    return result, time.perf_counter() - wall, cpu() - used


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--fps", type=int, default=30)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from nexus_desktop.paths import AppPaths
    from nexus_desktop.pipeline import flow, shot_edits
    from nexus_desktop.pipeline.flow import Workspace
    from nexus_desktop.settings import Settings
    from nexus_desktop.store import Store
    from tests import shots_support as support

    app = QApplication([])  # noqa: F841 (the pixmaps need one)
    from nexus_desktop.gui.shot_list_model import ShotListModel, read

    folder = Path(tempfile.mkdtemp(prefix="bench-shots-"))
    settings = Settings()
    settings.harvest.auto_run = False
    settings.render.fps = args.fps
    paths = AppPaths.resolve(folder / "data")
    ws = Workspace(store=Store.for_settings(settings, paths), settings=settings, paths=paths)
    text = " ".join(support.SENTENCES)
    repeat = max(1, round(args.seconds / support.narration_for(text).duration))
    support.SENTENCES[:] = support.SENTENCES * repeat  # a longer article: the same sentences again
    job_id = support.make_job(ws)
    print(f"load average {os.getloadavg()[0]:.1f}; formats {settings.render.formats} at {args.fps} fps")

    _, wall, used = timed(lambda: flow.run_job(ws, job_id))
    first = (wall, used)
    shots = shot_edits.load(ws, job_id)
    print(f"first      visualize+render {wall:6.1f} s wall {used:6.1f} s CPU  "
          f"({len(shots.rows)} shots, {shots.rows[-1].shot.end:.1f} s of video)")

    loaded, wall, used = timed(lambda: read(ws, job_id))
    print(f"list       read + stills   {wall * 1000:6.0f} ms wall {used * 1000:6.0f} ms CPU  (runner)")
    model = ShotListModel()
    _, wall, _ = timed(lambda: model.set_loaded(loaded))
    print(f"list       strip pixmaps   {wall * 1000:6.1f} ms  (GUI thread)")

    quote = support.number_of(shots, "quote")
    stat = support.number_of(shots, "stat")
    _, wall, _ = timed(lambda: shot_edits.change(ws, job_id, quote, remove=True))
    shot_edits.change(ws, job_id, stat, kind="title")
    print(f"change     store one       {wall * 1000:6.1f} ms")

    def again():
        shot_edits.rerender(ws, job_id)
        return flow.run_job(ws, job_id)

    view, wall, used = timed(again)
    assert view.status.value == "awaiting_review", view.error
    print(f"re-render  visualize+render {wall:6.1f} s wall {used:6.1f} s CPU  "
          f"({wall / first[0]:.2f}x / {used / first[1]:.2f}x the first); load average {os.getloadavg()[0]:.1f}")
    ws.store.close()


if __name__ == "__main__":
    main()
