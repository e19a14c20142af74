"""A format's pictures as the render graph reads them: two image sequences.

Every input an ffmpeg graph holds costs memory for the whole run (its decoder,
queues and decoded picture), and a job has ~25 shots with ~90 layers: one input
each peaked at 1.1 GB for a 60 s 9:16 video. So the render gives ffmpeg

- the backgrounds as one sequence ``bg-NNN.jpg`` (linked, one per shot with
  frames, all the same size: a smaller one, from a plan drawn before, is
  centred on a canvas of the common size, which its crop never leaves);
- the layers as one sequence of composed states ``st-NNNN.tga``: whenever a
  layer appears, is replaced (a count-up step) or enters part-way, the shot's
  visible layers are drawn on one transparent canvas (the bounding box of every
  layer of the format). The layer that starts first moves the whole group in
  the graph (rise, slide, float); later layers enter in a few drawn steps.
  The states are run-length-encoded TGA, not PNG: a state is mostly
  transparent, and Pillow writes it in ~4 ms against ~18 ms for PNG at its
  fastest level (~170 states a format; ffmpeg decodes both alike;
  bench/README.md).

Frames follow the graph's rule: a layer starting ``start`` seconds into a shot
appears on the first frame whose time is not before it.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, JpegImagePlugin

from .ffmpeg_graph import ENTER_SECONDS, RISE, SLIDE, Backdrops, LayerTrack, LayerWindow, Span, SpanLayer

# A zooming span's still is put in the sequence again every this many frames. ``fps`` repeats
# a still as references, in one burst up to the next still (ffmpeg runs the graph until
# nothing is ready); the zoom's scale turns each reference into a new picture, so a shot of
# 100 frames queued 100 full frames (9:16, every shot zooming: 1141 MB; repeated every 15
# frames: 551 MB, for 0.4 s more of JPEG decoding; bench/README.md).
ZOOM_REPEAT_FRAMES = 15
ENTRY_STEPS = (0.0, 0.067, 0.133)  # seconds after a later layer's start at which it is drawn part-way in
SETTLED = 0.2  # seconds after its start at which a later layer is drawn in place


@dataclass(frozen=True)
class _Placed:
    layer: SpanLayer
    first: int
    end: int
    lead: bool  # moves with the group (the graph's overlay) rather than in drawn steps


def backdrops(spans: Sequence[Span], folder: Path) -> Backdrops:
    """Link each shown span's background into one numbered sequence, all one size,
    the last one twice (it closes the sequence at the video's end)."""
    shown = [span for span in spans if span.end > span.first]
    sizes, ready = [], []
    for span in shown:
        with Image.open(span.background) as image:
            sizes.append(image.size)
            # A change of size or pixel format inside a sequence would make ffmpeg rebuild the graph.
            ready.append(image.format == "JPEG" and image.mode == "RGB" and JpegImagePlugin.get_sampling(image) == 2)
    size = (max(w for w, _ in sizes), max(h for _, h in sizes)) if sizes else (2, 2)
    frames: list[int] = []
    for span, own, same_kind in zip(shown, sizes, ready):
        target = folder / f"bg-{len(frames):03d}.jpg"
        if own == size and same_kind:
            _link_or_copy(Path(span.background), target)
        else:
            with Image.open(span.background) as image:
                canvas = Image.new("RGB", size)
                canvas.paste(image.convert("RGB"), ((size[0] - own[0]) // 2, (size[1] - own[1]) // 2))
            canvas.save(target, "JPEG", quality=88, subsampling=2)
        frames.append(span.first)
        for again in range(span.first + ZOOM_REPEAT_FRAMES, span.end, ZOOM_REPEAT_FRAMES) if span.zoom else ():
            _link_or_copy(target, folder / f"bg-{len(frames):03d}.jpg")
            frames.append(again)
    if shown:  # the last still once more, at the end: ffmpeg's fps filter drops a last frame it cannot time
        _link_or_copy(folder / f"bg-{len(frames) - 1:03d}.jpg", folder / f"bg-{len(frames):03d}.jpg")
        frames.append(shown[-1].end)
    return Backdrops((folder / "bg-%03d.jpg").as_posix(), size, tuple(frames))


def layer_track(spans: Sequence[Span], folder: Path, width: int, height: int, fps: int) -> LayerTrack | None:
    """Compose each shot's layer states into one sequence; None when no shot has layers."""
    s = min(width, height)
    rise, slide = round(s * RISE), round(s * SLIDE)
    shots = [placed for span in spans if (placed := _placed(span, fps))]
    if not shots:
        return None
    images: dict[str, Image.Image] = {}
    for placed in shots:
        for p in placed:
            if p.layer.path not in images:
                with Image.open(p.layer.path) as image:
                    images[p.layer.path] = image.convert("RGBA")
    left = min(p.layer.x - (0 if p.lead else slide) for placed in shots for p in placed)
    top = min(p.layer.y for placed in shots for p in placed)
    right = max(p.layer.x + images[p.layer.path].width for placed in shots for p in placed)
    bottom = max(p.layer.y + images[p.layer.path].height + (0 if p.lead else rise)
                 for placed in shots for p in placed)
    left, top = max(0, left - left % 2), max(0, top - top % 2)
    size = (min(width, right) - left + 1) // 2 * 2, (min(height, bottom) - top + 1) // 2 * 2
    frames: list[int] = []
    windows: list[LayerWindow] = []
    for span, placed in ((span, p) for span in spans if (p := _placed(span, fps))):
        lead = next(p for p in placed if p.lead)
        first = min(p.first for p in placed)
        end = max(p.end for p in placed)
        windows.append(LayerWindow(first, end, lead.layer.motion, lead.first))
        events = sorted({f for p in placed for f in (p.first, p.end)} |
                        {p.first + e for p in placed if not p.lead and p.layer.motion in ("rise", "slide")
                         for e in _entry_frames(fps)})
        previous = None
        for frame in (f for f in events if first <= f < end):
            state = tuple((p.layer.path, *_offset(p, frame, fps, rise, slide)) for p in placed
                          if p.first <= frame < p.end)
            if state == previous:
                continue
            previous = state
            canvas = Image.new("RGBA", size, (0, 0, 0, 0))
            for p in (p for p in placed if p.first <= frame < p.end):
                dx, dy = _offset(p, frame, fps, rise, slide)
                canvas.alpha_composite(images[p.layer.path], (p.layer.x - left + dx, p.layer.y - top + dy))
            canvas.save(folder / f"st-{len(frames):04d}.tga", "TGA", compression="tga_rle")
            frames.append(frame)
    return LayerTrack((folder / "st-%04d.tga").as_posix(), tuple(frames), left, top, tuple(windows))


def _placed(span: Span, fps: int) -> list[_Placed]:
    """The span's layers with their frames in the video; the first to start leads."""
    placed = []
    for layer in span.layers:
        first = span.first + _frame(layer.start, fps)
        end = span.end if layer.end is None else min(span.end, span.first + _frame(layer.end, fps))
        if span.first <= first < end:
            placed.append(_Placed(layer, first, end, False))
    if placed:
        lead = min(range(len(placed)), key=lambda i: placed[i].first)
        placed[lead] = _Placed(placed[lead].layer, placed[lead].first, placed[lead].end, True)
    return placed


def _frame(seconds: float, fps: int) -> int:
    return max(0, math.ceil(seconds * fps - 1e-6))


def _offset(p: _Placed, frame: int, fps: int, rise: int, slide: int) -> tuple[int, int]:
    """A later layer's drawn entry: where it is ``frame`` frames into the video."""
    since = frame - p.first
    if p.lead or p.layer.motion not in ("rise", "slide") or since >= _entry_frames(fps)[-1]:
        return 0, 0
    ease = max(0.0, 1 - since / fps / ENTER_SECONDS) ** 3
    return (-round(slide * ease), 0) if p.layer.motion == "slide" else (0, round(rise * ease))


def _entry_frames(fps: int) -> list[int]:
    """The frames (after a later layer's start) of its drawn entry, the last one in place."""
    return sorted({round(t * fps) for t in ENTRY_STEPS} | {max(1, round(SETTLED * fps))})


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)

