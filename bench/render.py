"""Render benchmark: a 60 s narration job in all three formats vs a bare x264 encode.

    .venv/bin/python bench/render.py [--repeat N] [--one-process]

Makes its own inputs (60 s of loudness-normalized noise as the narration, 8
scenes with word timings, a background and a foreground per scene and format),
then, in separate child processes so each gets its own resource accounting:

- ours: ``pipeline.render.run`` (audio mix + one ffmpeg graph per format);
- bare: ``libx264 -preset veryfast`` of the same sizes and durations from a still
  image, decoded once and repeated with ``loop`` (the cheapest a still can be
  encoded); and the common ``-loop 1 -i still.jpg`` form, which decodes the JPEG
  for every frame;
- with --one-process: the same graphs as ours, but all three formats as three
  outputs of one ffmpeg process.

Prints wall time, CPU time (user + sys, which other work on the machine
disturbs less than wall time), their ratios to the bare encode, and peak memory
(the largest ffmpeg child's max RSS). Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import random
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

from PIL import Image, ImageDraw, ImageFilter, ImageFont

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
from nexus_desktop.pipeline.ffmpeg import ffmpeg_exe
from nexus_desktop.settings import Settings

SECONDS = 60.0
SCENES = 8
FPS = 30
FONT = ROOT / "resources" / "fonts" / "DejaVuSans-Bold.ttf"
SENTENCE = ("Engineers opened a second pilot line for solid state battery cells this week and it doubles "
            "the number of cells they can test each month")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the fastest counts")
    parser.add_argument("--one-process", action="store_true", help="also time three outputs from one process")
    parser.add_argument("--child", choices=["ours", "bare", "bare-loop1", "one"], help=argparse.SUPPRESS)
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
        kinds = ["bare", "bare-loop1", "ours"] + (["one"] if args.one_process else [])
        runs: dict[str, list[dict]] = {kind: [] for kind in kinds}
        for _ in range(args.repeat):
            for kind in kinds:
                runs[kind].append(child(kind, data))
        report(runs)


def child(kind: str, data: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--data", str(data)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(runs: dict[str, list[dict]]) -> None:
    best = {kind: min(results, key=lambda r: r["wall"]) for kind, results in runs.items()}
    cpu = {kind: min(r["cpu"] for r in results) for kind, results in runs.items()}
    bare = best["bare"]
    print(f"{'':28} {'wall s':>8} {'cpu s':>8} {'wall/bare':>10} {'cpu/bare':>9} {'peak MB':>8}")
    names = {"bare": "bare x264 (still, loop)", "bare-loop1": "bare x264 (-loop 1 still)",
             "ours": "ours (render.run)", "one": "ours, one process x3"}
    for kind, result in best.items():
        print(f"{names[kind]:28} {result['wall']:8.1f} {cpu[kind]:8.1f} {result['wall'] / bare['wall']:10.2f} "
              f"{cpu[kind] / cpu['bare']:9.2f} {max(r['peak_mb'] for r in runs[kind]):8.0f}")
    ours = best["ours"]
    print(f"ours: {ours['python_cpu']:.1f} s of the CPU time is Python (scene images, captions), "
          f"the Python process peaked at {ours['python_mb']:.0f} MB")
    print("target: ours <= 1.30 x bare, peak < 600 MB")


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


def run_ours(data: Path) -> dict:
    from nexus_desktop.pipeline import render

    ctx = context(data)
    shutil.rmtree(ctx.job_dir / "videos", ignore_errors=True)
    return _measured(lambda: render.run(ctx))


def run_one_process(data: Path) -> dict:
    """The same graphs, all formats as outputs of one ffmpeg process (the alternative we measured)."""
    from nexus_desktop.pipeline import render

    ctx = context(data)
    results = ctx.results

    def work() -> None:
        work_dir = Path(tempfile.mkdtemp(dir=ctx.job_dir, prefix=".bench-"))
        try:
            job = render._Job(ctx, ffmpeg_exe(), work_dir, Script.from_dict(results["analyze"]["script"]),
                              Narration.from_dict(results["narrate"]["narration"]))
            job.mix_audio()
            inputs, filters, outputs = [], [], []
            for n, fmt in enumerate(FORMATS.values()):
                graph, _ = job.prepare(fmt, results["visualize"]["formats"], first_input=len(inputs), tag=f"f{n}")
                inputs += graph.inputs
                filters.append(graph.text)
                outputs.append((graph.output, work_dir / f"{fmt.name}.mp4"))
            (work_dir / "all.graph").write_text(";\n".join(filters), encoding="utf-8")
            args = [a for spec in inputs for a in spec] + ["-i", str(job.audio), "-/filter_complex", "all.graph"]
            for label, target in outputs:
                args += job.output_args(label, len(inputs), target)
            job.ffmpeg.run(args, SECONDS, lambda share: None)
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)

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
            "one": run_one_process}


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
    visuals = {name: _draw_format(job, fmt) for name, fmt in FORMATS.items()}
    (data / "bare").mkdir()
    for name in FORMATS:
        shutil.copyfile(job / visuals[name]["backgrounds"][0], data / "bare" / f"{name}.jpg")
    results = {"analyze": {"script": script.to_dict()},
               "narrate": {"narration": Narration("narration/voice.wav", SECONDS, words, "bench", "noise").to_dict()},
               "visualize": {"formats": visuals}}
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


def _draw_format(job: Path, fmt) -> dict:
    folder = job / "visuals" / fmt.name
    folder.mkdir(parents=True)
    rng = random.Random(7)
    entry: dict = {"width": fmt.width, "height": fmt.height, "backgrounds": [], "foregrounds": []}
    title = ImageFont.truetype(str(FONT), round(fmt.width * 0.05))
    for i in range(SCENES):
        background = _background(fmt.width, fmt.height, rng, i)
        background.save(folder / f"bg-{i}.jpg", quality=90)
        foreground = Image.new("RGBA", (fmt.width, fmt.height), (0, 0, 0, 0))
        draw = ImageDraw.Draw(foreground)
        left, top = round(fmt.width * (fmt.safe.left + 0.02)), round(fmt.height * (fmt.safe.top + 0.02))
        right = round(fmt.width * (1 - fmt.safe.right - 0.02))
        draw.rounded_rectangle((left, top, right, top + round(title.size * 2.6)), radius=24, fill=(14, 20, 32, 215))
        draw.text((left + title.size // 2, top + round(title.size * 0.8)), f"Headline number {i + 1}", font=title,
                  fill=(245, 247, 250, 255))
        size = round(min(fmt.width, fmt.height) * 0.06)
        draw.ellipse((right - size, top - size - 8, right, top - 8), fill=(255, 176, 32, 255))
        foreground.save(folder / f"fg-{i}.png")
        entry["backgrounds"].append(f"visuals/{fmt.name}/bg-{i}.jpg")
        entry["foregrounds"].append(f"visuals/{fmt.name}/fg-{i}.png")
    return entry


def _background(width: int, height: int, rng: random.Random, index: int) -> Image.Image:
    """A gradient with soft shapes and a little grain, like a drawn card or a photo behind it."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    tint = Image.new("RGB", (width, height), (20 + 25 * index % 200, 60, 140))
    image = Image.blend(image, tint, 0.6)
    draw = ImageDraw.Draw(image, "RGBA")
    for _ in range(24):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(width // 20, width // 4)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256), 120))
    image = image.filter(ImageFilter.GaussianBlur(3))
    grain = Image.effect_noise((width, height), 24).convert("RGB")
    return Image.blend(image, grain, 0.06)


if __name__ == "__main__":
    main()
