"""Render benchmark: a 60 s narration job in all three formats vs a bare x264 encode.

    .venv/bin/python bench/render.py [--repeat N] [--kinds ours,reencode,bare,zoomed,bare-loop1]

Makes its own inputs (60 s of loudness-normalized noise as the narration, 8
scenes with word timings, and the real visualize stage's shot plan and pictures
for it), then, in separate child processes so each gets its own resource
accounting:

- ours: ``pipeline.render.run`` (audio mix + one ffmpeg graph per format, and
  the quality check);
- zoomed: the same with every shot zooming as a photo shot does (Ken Burns),
  the most the zoom can cost;
- reencode: libx264 at the app's preset and CRF re-encoding the three videos
  ours made (the issue's yardstick: target ours <= 1.3x);
- bare: ``libx264 -preset veryfast`` of the same sizes and durations from a still
  image, decoded once and repeated with ``loop`` (the cheapest a still can be
  encoded); and (bare-loop1, not run unless asked) the common ``-loop 1 -i
  still.jpg`` form, which decodes the JPEG for every frame.

Prints wall time, CPU time (user + sys, which other work on the machine
disturbs less than wall time), their ratios to the bare encode, and peak memory
(the largest ffmpeg child's max RSS). Not part of the test run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from datetime import UTC

from PIL import Image

from nexus_desktop.domain.content import (
    FORMATS,
    Narration,
    PlatformText,
    Scene,
    Script,
    WordTiming,
)
from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline.context import StageContext
from nexus_desktop.ffmpeg import ffmpeg_exe
from nexus_desktop.settings import Settings

SECONDS = 60.0
SCENES = 8
FPS = 30
ZOOM = 0.08  # the Ken Burns zoom the graph supports (render.PHOTO_ZOOM; off in the app for now)
SENTENCE = ("Engineers opened a second pilot line for solid state battery cells this week and it doubles "
            "the number of cells they can test each month")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest counts")
    parser.add_argument("--kinds", default="ours,reencode,bare,zoomed",
                        help="which runs, in order (reencode needs ours first)")
    parser.add_argument("--child", choices=list(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](args.data)))
        return
    with tempfile.TemporaryDirectory(prefix="nexus-bench-render-") as tmp:
        data = Path(tmp)
        started = time.perf_counter()
        make_job(data)
        print(f"inputs made in {time.perf_counter() - started:.1f} s: {SECONDS:.0f} s narration, {SCENES} scenes, "
              f"{', '.join(FORMATS)}")
        kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
        unknown = sorted(set(kinds) - set(CHILDREN))
        if unknown or ("reencode" in kinds and kinds[:kinds.index("reencode")][-1:] != ["ours"]):
            raise SystemExit(f"--kinds: unknown {unknown}, or reencode not right after ours (it re-encodes "
                             "the videos of the run before it)")
        print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
        runs: dict[str, list[dict]] = {kind: [] for kind in kinds}
        for _ in range(args.repeat):
            for kind in kinds:
                result = child(kind, data)
                runs[kind].append(result)
                print(f"  {kind}: {result['wall']:.1f} s wall, {result['cpu']:.1f} s CPU, "
                      f"peak {result['peak_mb']:.0f} MB (load {os.getloadavg()[0]:.1f})", flush=True)
        report(runs)


def child(kind: str, data: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--data", str(data)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(runs: dict[str, list[dict]]) -> None:
    best = {kind: min(results, key=lambda r: r["wall"]) for kind, results in runs.items()}
    cpu = {kind: min(r["cpu"] for r in results) for kind, results in runs.items()}
    base = "bare" if "bare" in best else next(iter(best))
    print(f"{'':28} {'wall s':>8} {'cpu s':>8} {'wall/' + base:>10} {'cpu/' + base:>9} {'peak MB':>8}")
    names = {"bare": "bare x264 (still, loop)", "bare-loop1": "bare x264 (-loop 1 still)",
             "ours": "ours (render.run)", "zoomed": "ours, every shot zooming", "reencode": "re-encode ours' 3 videos"}
    for kind, result in best.items():
        print(f"{names[kind]:28} {result['wall']:8.1f} {cpu[kind]:8.1f} {result['wall'] / best[base]['wall']:10.2f} "
              f"{cpu[kind] / cpu[base]:9.2f} {max(r['peak_mb'] for r in runs[kind]):8.0f}")
    if "ours" in best:
        ours = best["ours"]
        print(f"ours: {ours['python_cpu']:.1f} s of the CPU time is Python (layer states, captions), "
              f"the Python process peaked at {ours['python_mb']:.0f} MB")
    if "ours" in best and "reencode" in best:
        print(f"ours / re-encoding its own videos: {best['ours']['wall'] / best['reencode']['wall']:.2f}x wall, "
              f"{cpu['ours'] / cpu['reencode']:.2f}x CPU")
    if "zoomed" in best and "reencode" in best:
        print(f"zoomed / re-encoding ours' videos: {cpu['zoomed'] / cpu['reencode']:.2f}x CPU")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print("target: ours <= 1.30 x re-encoding, peak < 600 MB")


# --- children --------------------------------------------------------------------------------


def _measured(work) -> dict:
    before_self = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    work()
    wall = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    after_self = resource.getrusage(resource.RUSAGE_SELF)
    python = after_self.ru_utime - before_self.ru_utime + after_self.ru_stime - before_self.ru_stime
    cpu = children.ru_utime + children.ru_stime + python
    return {"wall": wall, "cpu": cpu, "python_cpu": python, "peak_mb": children.ru_maxrss / 1024,
            "python_mb": after_self.ru_maxrss / 1024}


def run_ours(data: Path, zoom_every_shot: bool = False) -> dict:
    """The render stage; ``zoom_every_shot`` zooms every shot as if it were a photo (the
    most the Ken Burns zoom can cost). Each run replaces the job's videos."""
    from nexus_desktop.pipeline import render

    ctx = context(data)
    if zoom_every_shot:
        spans = render._spans
        render._spans = lambda *a: [dataclasses.replace(s, zoom=ZOOM) for s in spans(*a)]
    shutil.rmtree(ctx.job_dir / "videos", ignore_errors=True)
    return _measured(lambda: render.run(ctx))


def run_reencode(data: Path) -> dict:
    """Re-encoding the videos ``ours`` made with libx264 at the app's preset and CRF:
    the issue's yardstick (motion makes both sides dearer; the ratio is what counts)."""
    ctx = context(data)
    videos = sorted((ctx.job_dir / "videos").glob("*.mp4"))
    render = ctx.settings.render

    def work() -> None:
        for video in videos:
            subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(video), "-c:v",
                            "libx264", "-preset", render.preset, "-crf", str(render.crf), "-c:a", "copy",
                            str(data / "bare" / f"re-{video.name}")], check=True)

    return _measured(work)


def run_bare(data: Path, decode_every_frame: bool = False) -> dict:
    exe = ffmpeg_exe()
    frames = round(SECONDS * FPS)

    def work() -> None:
        for fmt in FORMATS.values():
            still = data / "bare" / f"{fmt.name}.jpg"
            source = (["-loop", "1", "-framerate", str(FPS), "-i", str(still), "-frames:v", str(frames)]
                      if decode_every_frame else
                      ["-framerate", str(FPS), "-i", str(still), "-vf",
                       f"loop=loop=-1:size=1,trim=end_frame={frames},format=yuv420p"])
            subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-y", *source, "-c:v", "libx264",
                            "-preset", "veryfast", "-crf", "21", "-pix_fmt", "yuv420p",
                            str(data / "bare" / f"{fmt.name}.mp4")], check=True)

    return _measured(work)


CHILDREN = {"ours": run_ours, "bare": run_bare, "bare-loop1": lambda data: run_bare(data, True),
            "reencode": run_reencode, "zoomed": lambda data: run_ours(data, True)}


# --- inputs ----------------------------------------------------------------------------------


def make_job(data: Path) -> None:
    ctx = _bare_context(data)
    job = ctx.job_dir
    (job / "narration").mkdir(parents=True)
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"anoisesrc=d={SECONDS}:c=pink:r=22050:a=0.3", "-af", "loudnorm=I=-14:TP=-2",
                    "-ar", "22050", "-ac", "1", str(job / "narration" / "voice.wav")], check=True)
    words_per_scene = 19
    scenes = [Scene(" ".join(SENTENCE.split()[:words_per_scene - 1]) + f" {i}.", f"Headline number {i + 1}")
              for i in range(SCENES)]
    tokens = " ".join(s.narration for s in scenes).split()
    step = (SECONDS - 1.0) / len(tokens)
    words = tuple(WordTiming(t, round(0.5 + i * step, 3), round(0.5 + (i + 0.8) * step, 3))
                  for i, t in enumerate(tokens))
    script = Script(title="Bench: a second pilot line", summary="s", narration=" ".join(s.narration for s in scenes),
                    scenes=tuple(scenes), titles=("t",), description="d", hashtags=(),
                    platforms=PlatformText("y", "y", "x", "i", "l"))
    narration = Narration("narration/voice.wav", SECONDS, words, "bench", "noise")
    ctx.results = {"analyze": {"script": script.to_dict()}, "narrate": {"narration": narration.to_dict()}}
    from nexus_desktop.domain.shots import ShotPlan
    from nexus_desktop.pipeline import visualize

    visuals = visualize.run(ctx).results
    plan = ShotPlan.from_dict(visuals["plan"])
    (data / "bare").mkdir()
    for fmt in FORMATS.values():  # the bare encode's still: the first shot's picture at the frame's size
        with Image.open(job / plan.frames_for(fmt.name).shots[1].background) as image:
            image.crop((0, 0, fmt.width, fmt.height)).save(data / "bare" / f"{fmt.name}.jpg", quality=90)
    results = {**ctx.results, "visualize": visuals}
    (data / "results.json").write_text(json.dumps(results), encoding="utf-8")


def _bare_context(data: Path) -> StageContext:
    from datetime import datetime

    from nexus_desktop.domain.content import Article

    article = Article(1, "Bench article", "https://example.org/a", "", datetime.now(UTC), "", "", None,
                      "en", "Bench")
    return StageContext(1, article, Settings(), AppPaths.resolve(data / "data"), {})


def context(data: Path) -> StageContext:
    ctx = _bare_context(data)
    ctx.results = json.loads((data / "results.json").read_text(encoding="utf-8"))
    return ctx


if __name__ == "__main__":
    main()
