"""Caption drift against the voice itself, not against the narration's word timings.

    .venv/bin/python bench/caption_drift.py [--samples 3] [--fps 30]

Takes the first N sample articles through the whole pipeline with the embedded
defaults (extractive script, the bundled Piper voice), rendering one small
portrait format (the captions' timing does not depend on the picture's size),
then for each video:

1. decodes the video's own audio track (what a viewer hears, AAC priming and
   all) to 16 kHz mono;
2. force-aligns the text the voice was given (``results.narrate.spoken``) to it
   with PocketSphinx 5 and its bundled US English model (10 ms frames);
3. rebuilds the captions exactly as the render burned them and takes the frame
   on which each word lights up;
4. pairs written words with recognized ones (the same word in the same order;
   numbers said as words, and words the model's dictionary lacks, are left
   out) and prints, per video and over all, the median and 95th percentile of
   |highlight time - recognized start|, and how early or late it leans.

The narration's own timings are compared with the recognizer too, to tell a
timing error of the voice's alignment from one of the render.

Needs the ``bench`` extra (``pip install -e .[bench]``: pocketsphinx). Target
(issue 11): median drift <= 40 ms, never a frame late by rounding.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nexus_desktop.domain.content import Narration, Script  # noqa: E402
from nexus_desktop.domain.stages import PRODUCTION  # noqa: E402
from nexus_desktop.ffmpeg import ffmpeg_exe  # noqa: E402
from nexus_desktop.paths import AppPaths  # noqa: E402
from nexus_desktop.pipeline import captions as cap  # noqa: E402
from nexus_desktop.pipeline import render  # noqa: E402
from nexus_desktop.pipeline.feeds import add_feeds  # noqa: E402
from nexus_desktop.pipeline.flow import Workspace, run_stage  # noqa: E402
from nexus_desktop.pipeline.formats import active_formats  # noqa: E402
from nexus_desktop.pipeline.harvest import harvest  # noqa: E402
from nexus_desktop.resources import resource_dir  # noqa: E402
from nexus_desktop.settings import CustomSize, Settings  # noqa: E402

RATE = 16000
FORMAT = CustomSize(name="drift9x16", width=360, height=640)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--data", type=Path, help="keep the data folder here and reuse its finished jobs")
    args = parser.parse_args()
    try:
        from pocketsphinx import Decoder
    except ImportError:
        raise SystemExit("pocketsphinx is missing: pip install -e .[bench]") from None
    decoder = Decoder(lm=None, loglevel="FATAL")
    highlight_all, timing_all = [], []
    with tempfile.TemporaryDirectory(prefix="nexus-drift-") as tmp:
        paths = AppPaths.resolve(args.data or Path(tmp) / "data")
        settings = Settings()
        settings.render.custom_sizes = [FORMAT]
        settings.render.formats = [FORMAT.name]
        settings.render.fps = args.fps
        store = _store(settings, paths)
        ws = Workspace(store=store, settings=settings, paths=paths)
        if not store.jobs.list():
            add_feeds(store, settings, str(resource_dir() / "samples" / "tech-digest.rss.xml"))
            harvest(store, settings)
        fmt = active_formats(settings)[0]
        for job in store.jobs.list()[:args.samples]:
            started = time.perf_counter()
            for stage in PRODUCTION:
                if "render" in store.jobs.results(job.id):
                    break
                print(f"{job.title[:50]!r}: {stage.value}…", flush=True)
                view = run_stage(ws, job.id)
                if view is None or view.error:
                    raise SystemExit(f"{job.title}: {stage.value} failed: {view.error if view else 'not runnable'}")
            results = store.jobs.results(job.id)
            script = Script.from_dict(results["analyze"]["script"])
            narration = Narration.from_dict(results["narrate"]["narration"])
            video = paths.job_dir(job.id) / results["render"]["videos"][fmt.name]["path"]
            font = render._caption_font(SimpleNamespace(settings=settings), script)
            cues = cap.build_cues(font.words(narration), narration.duration, font.fits(cap.layout_for(fmt)))
            lit = [frame / args.fps for _, frame in cap.word_frames(cues, args.fps)]
            print("aligning…", flush=True)
            heard = recognize(decoder, video, narration.spoken or script.narration)
            pairs = pair(narration, lit, heard)
            highlight = [(h - s) * 1000 for _, _, h, s in pairs]
            timing = [(t - s) * 1000 for _, t, _, s in pairs]
            highlight_all += highlight
            timing_all += timing
            print(f"\n{job.title[:70]!r}: {len(narration.words)} words, {len(heard)} recognized, "
                  f"{len(pairs)} paired ({time.perf_counter() - started:.0f} s, load {os.getloadavg()[0]:.1f})")
            report("  highlight vs voice", highlight)
            report("  word timings vs voice", timing)
            worst = sorted(pairs, key=lambda p: -abs(p[2] - p[3]))[:5]
            print("  furthest: " + ", ".join(f"{w!r} lit {(h - s) * 1000:+.0f} ms (timing {(t - s) * 1000:+.0f})"
                                              for w, t, h, s in worst))
        store.close()
    print(f"\nall {len(highlight_all)} paired words (fps {args.fps}, load {os.getloadavg()[0]:.1f}):")
    report("  highlight vs voice", highlight_all)
    report("  word timings vs voice", timing_all)
    print("target: median |highlight - voice| <= 40 ms")


def _store(settings: Settings, paths: AppPaths):
    from nexus_desktop.store import Store

    return Store.for_settings(settings, paths)


def recognize(decoder, video: Path, text: str) -> list[tuple[str, float]]:
    """Each word of ``text`` the model knows, with the time it starts in the video's audio."""
    audio = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(video), "-vn", "-ac", "1", "-ar", str(RATE),
                            "-f", "s16le", "-"], check=True, capture_output=True).stdout
    words = [w for w in (_plain(token) for token in text.split()) if w and decoder.lookup_word(w)]
    decoder.set_align_text(" ".join(words))
    decoder.start_utt()
    decoder.process_raw(audio, no_search=False, full_utt=True)
    decoder.end_utt()
    return [(re.sub(r"\(\d+\)$", "", seg.word), seg.start_frame / 100) for seg in decoder.seg()
            if seg.word not in ("<s>", "</s>", "<sil>") and not seg.word.startswith("[")]


def pair(narration: Narration, lit: list[float], heard: list[tuple[str, float]]):
    """(word, its timing's start, its highlight time, the recognized start) for each
    written word matched in order to a recognized one."""
    written = [_plain(w.word) for w in narration.words]
    said = [w for w, _ in heard]
    matcher = difflib.SequenceMatcher(a=written, b=said, autojunk=False)
    pairs = []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            i, j = block.a + k, block.b + k
            if i < len(lit):
                pairs.append((narration.words[i].word, narration.words[i].start, lit[i], heard[j][1]))
    return pairs


def _plain(token: str) -> str:
    return re.sub(r"[^a-z']", "", token.lower().replace("’", "'")).strip("'")


def report(label: str, drifts: list[float]) -> None:
    if not drifts:
        print(f"{label}: nothing paired")
        return
    absolute = sorted(abs(d) for d in drifts)
    p95 = absolute[min(len(absolute) - 1, round(0.95 * (len(absolute) - 1)))]
    print(f"{label}: median {statistics.median(absolute):.0f} ms, p95 {p95:.0f} ms, "
          f"signed median {statistics.median(drifts):+.0f} ms (+ is after the voice), "
          f"{sum(d > 0 for d in drifts) / len(drifts):.0%} after")


if __name__ == "__main__":
    main()
