"""The ffmpeg filter graphs of the render stage, as plain text built from plain data.

Video, per format (bench/README.md has the measurements behind each choice):

- All backgrounds come through one input (an image sequence, one decoder); each
  is scaled once to a little more than the frame and repeated with ``loop``,
  which hands out references, not copies. The gentle pan is a ``crop`` whose
  x/y move with the frame number: free per frame, and whole-pixel motion that
  x264 encodes cheaply. zoompan or a per-frame ``scale`` would cost more than
  the encode itself.
- The foregrounds are cut, before ffmpeg sees them, into the few rectangles that
  are not transparent (the same in every scene, one image sequence each); only
  those are blended per frame.
- The scenes are concatenated with hard cuts (``concat`` passes frames through),
  and each crossfade is the outgoing scene's last ``fade`` frames laid on top with
  a fading alpha. ``xfade`` is not used: in this ffmpeg it converts every frame of
  both inputs to yuv444p, which doubled the time of the whole graph.
- Captions: libass draws on a transparent strip only on the frames where the
  captions change; the strip is laid over every frame.

All times are whole frames, so the video is exactly ``round(duration * fps)``
frames long whatever the scene lengths.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

# How far the background drifts across a scene, as a fraction of the frame.
MOTION = 0.06
# Right, up, left, down: consecutive scenes drift different ways.
DRIFTS: tuple[tuple[int, int], ...] = ((1, 0), (0, -1), (-1, 0), (0, 1))
FADE_SECONDS = 0.5
AAC_PRIMING = 1024  # samples the AAC encoder puts before the first real one
_TERMS_PER_GROUP = 50
_SAFE_NAME = re.compile(r"^[A-Za-z0-9._/-]+$")


@dataclass(frozen=True)
class Timeline:
    """Scene boundaries in frames: scene k shows from ``bounds[k]`` to ``bounds[k + 1]``."""

    fps: int
    bounds: tuple[int, ...]
    fade: int  # crossfade length in frames; 0 means hard cuts
    scenes: tuple[int, ...]  # which of the script's scenes each span shows (empty ones are dropped)

    @property
    def total(self) -> int:
        return self.bounds[-1]

    def visible(self, k: int) -> tuple[int, int]:
        """Frames [first, end) in which span ``k`` is on screen, crossfades included."""
        half = self.fade // 2
        first = 0 if k == 0 else self.bounds[k] - half
        end = self.total if k == len(self.scenes) - 1 else self.bounds[k + 1] - half + self.fade
        return first, end


def plan_timeline(starts: Sequence[float], duration: float, fps: int,
                  fade_seconds: float = FADE_SECONDS) -> Timeline:
    """Whole-frame scene spans from each scene's start time (seconds)."""
    total = max(1, round(duration * fps))
    frames = [min(total, max(0, round(s * fps))) for s in starts] or [0]
    frames[0] = 0
    bounds, scenes = [], []
    for index, frame in enumerate(frames):
        frame = max(frame, bounds[-1] if bounds else 0)
        if bounds and frame == bounds[-1]:
            scenes[-1] = index  # a scene with no time of its own gives way to the next
            continue
        bounds.append(frame)
        scenes.append(index)
    if bounds[-1] >= total:  # a last scene starting at the very end has no frames
        bounds.pop()
        scenes.pop()
    bounds.append(total)
    shortest = min(b - a for a, b in itertools.pairwise(bounds))
    fade = min(round(fade_seconds * fps), shortest // 2) if len(scenes) > 1 else 0
    return Timeline(fps, tuple(bounds), fade if fade >= 2 else 0, tuple(scenes))


@dataclass(frozen=True)
class Layer:
    """An opaque part of a scene's foreground, placed at x, y."""

    path: str
    x: int
    y: int


@dataclass
class Graph:
    """Input arguments (one list per ``-i``), the filter text and its output label."""

    inputs: list[list[str]] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)
    output: str = ""

    @property
    def text(self) -> str:
        return ";\n".join(self.filters)


@dataclass(frozen=True)
class Captions:
    """Burned-in captions: an ASS script that libass draws onto a transparent
    strip (x, y, width, height) only on the frames where the captions change;
    the strip is laid over every frame."""

    ass: str
    changes: tuple[int, ...]
    x: int
    y: int
    width: int
    height: int
    fontsdir: str | None = None


def video_graph(width: int, height: int, backgrounds: str, layers: Sequence[Layer], timeline: Timeline, *,
                captions: Captions | None = None, first_input: int = 0, tag: str = "") -> Graph:
    """The graph for one format.

    ``backgrounds`` and each layer's path are image-sequence patterns
    (``bg-%03d.jpg``) holding one image per script scene, all of one size: each
    sequence goes through one decoder, and the graph routes image ``n`` to scene
    ``n``. ``first_input`` and ``tag`` let several formats share one process.
    """
    graph = Graph()
    big_w, big_h = _even(width * (1 + MOTION)), _even(height * (1 + MOTION))
    last = len(timeline.scenes) - 1
    copies = [2 if k < last and timeline.fade else 1 for k in range(len(timeline.scenes))]
    bg = _sequence(graph, backgrounds, timeline, copies, first_input, f"{tag}bg",
                   f"scale={big_w}:{big_h}:force_original_aspect_ratio=increase:flags=bicubic:"
                   f"out_color_matrix=bt709:out_range=tv,crop={big_w}:{big_h},setsar=1,format=yuv420p")
    fg = [_sequence(graph, layer.path, timeline, copies, first_input, f"{tag}fg{j}",
                    "scale=out_color_matrix=bt709:out_range=tv,format=yuva420p") for j, layer in enumerate(layers)]
    spans, tails = [], []
    for k, scene in enumerate(timeline.scenes):
        first, end = timeline.visible(k)
        main_end = timeline.bounds[k + 1] - timeline.fade // 2 if k < last else timeline.total
        pieces = [(first, main_end)] + ([(main_end, main_end + timeline.fade)] if copies[k] == 2 else [])
        for piece, (start, stop) in enumerate(pieces):
            out = f"{tag}s{k}p{piece}"
            chain = (f"[{bg[k][piece]}]loop=loop=-1:size=1,setpts=N/({timeline.fps}*TB),trim=end_frame={stop - start},"
                     f"{_pan(width, height, big_w, big_h, DRIFTS[scene % len(DRIFTS)], start - first, end - first)}")
            graph.filters += _overlaid(chain, [(layer, fg[j][k][piece]) for j, layer in enumerate(layers)], out)
            if piece:
                graph.filters.append(f"[{out}]format=yuva420p,fade=t=out:s=0:n={timeline.fade}:alpha=1,"
                                     f"setpts=PTS+{start}/({timeline.fps}*TB)[{out}f]")
                tails.append(f"{out}f")
            else:
                spans.append(out)
    current = f"{tag}base"
    if len(spans) > 1:
        graph.filters.append("".join(f"[{s}]" for s in spans) + f"concat=n={len(spans)}:v=1:a=0[{current}]")
    else:
        graph.filters.append(f"[{spans[0]}]null[{current}]")
    # Each crossfade: the outgoing scene's last frames, fading out, over the incoming one.
    for n, tail in enumerate(tails):
        graph.filters.append(f"[{current}][{tail}]overlay=eof_action=pass:format=yuv420[{tag}x{n}]")
        current = f"{tag}x{n}"
    if captions:
        current = _captioned(graph, current, captions, timeline, tag)
    graph.output = f"{tag}v"
    # Tag the frames themselves: the encoder takes the colour tags from them, and lavfi's are "unknown".
    graph.filters.append(f"[{current}]format=yuv420p,setparams=range=tv:color_primaries=bt709:color_trc=bt709:"
                         f"colorspace=bt709[{graph.output}]")
    return graph


def _captioned(graph: Graph, current: str, captions: Captions, timeline: Timeline, tag: str) -> str:
    # libass draws on a small strip and only when the captions change: drawing on
    # every full frame cost more than a third of the x264 encode.
    changes = _any_of([f"eq(n,{frame})" for frame in captions.changes])
    fonts = f":fontsdir={_safe(captions.fontsdir)}" if captions.fontsdir else ""
    graph.filters.append(
        f"color=c=black@0:s={captions.width}x{captions.height}:r={timeline.fps}:d={timeline.total / timeline.fps},"
        f"format=rgba,select='{changes}',ass=filename={_safe(captions.ass)}{fonts}:alpha=1,format=yuva420p[{tag}cap]")
    graph.filters.append(f"[{current}][{tag}cap]overlay=x={captions.x}:y={captions.y}:format=yuv420[{tag}captioned]")
    return f"{tag}captioned"


def _any_of(terms: list[str]) -> str:
    """A sum of terms, nested in groups: ffmpeg's expression parser refuses a flat sum of 100 or more."""
    while len(terms) > _TERMS_PER_GROUP:
        terms = [f"({'+'.join(terms[i:i + _TERMS_PER_GROUP])})" for i in range(0, len(terms), _TERMS_PER_GROUP)]
    return "+".join(terms)


def _sequence(graph: Graph, pattern: str, timeline: Timeline, copies: list[int], first_input: int, name: str,
              prepare: str) -> list[list[str]]:
    """One input for a whole image sequence, prepared once per image; for each
    scene span, ``copies`` references to its image."""
    graph.inputs.append(["-framerate", str(timeline.fps), "-i", pattern])
    index = first_input + len(graph.inputs) - 1
    routes = [f"{name}r{k}" for k in range(len(timeline.scenes))]
    graph.filters.append(f"[{index}:v]{prepare}" + _split(routes))
    labels = []
    for k, scene in enumerate(timeline.scenes):
        labels.append([f"{routes[k]}c{c}" for c in range(copies[k])])
        graph.filters.append(f"[{routes[k]}]select='eq(n,{scene})'" + _split(labels[-1]))
    return labels


def _split(labels: list[str]) -> str:
    outs = "".join(f"[{label}]" for label in labels)
    return f",split={len(labels)}{outs}" if len(labels) > 1 else outs


def _overlaid(chain: str, layers: list[tuple[Layer, str]], out: str) -> list[str]:
    if not layers:
        return [f"{chain}[{out}]"]
    filters = [f"{chain}[{out}0]"]
    for j, (layer, label) in enumerate(layers):
        target = out if j == len(layers) - 1 else f"{out}{j + 1}"
        filters.append(f"[{out}{j}][{label}]overlay=x={layer.x}:y={layer.y}:format=yuv420[{target}]")
    return filters


def _pan(width: int, height: int, big_w: int, big_h: int, drift: tuple[int, int], offset: int,
         span: int) -> str:
    """crop whose window moves from one side of the enlarged background to the other."""
    steps = max(1, span - 1)

    def axis(room: int, direction: int) -> str:
        if direction == 0:
            return str(room // 2)
        start = 0 if direction > 0 else room
        return f"{start}+{direction * room}*(n+{offset})/{steps}"

    return f"crop=w={width}:h={height}:x='{axis(big_w - width, drift[0])}':y='{axis(big_h - height, drift[1])}'"


def _even(value: float) -> int:
    return int(math.ceil(value / 2) * 2)


def _safe(name: str) -> str:
    # Filter arguments have their own quoting; the stage only ever passes simple relative names.
    if not _SAFE_NAME.match(name):
        raise ValueError(f"unsafe name in filter graph: {name!r}")
    return name


def audio_graph(duration: float, *, music: bool, music_db: float, gain_db: float = 0.0,
                ceiling_db: float = -2.5) -> tuple[str, str]:
    """The audio filter and its output label: stereo at 48 kHz, ``gain_db`` applied,
    then a true-peak limiter (4x oversampled, so inter-sample peaks count) at
    ``ceiling_db``.

    With music, the music loops under the voice, is compressed whenever the voice
    speaks (sidechaincompress) and fades in and out. Mono narration is upmixed at
    -3 dB per side, which keeps its loudness.
    """
    finish = (f"volume={gain_db:.2f}dB,aresample=192000,"
              f"alimiter=limit={10 ** (ceiling_db / 20):.4f}:attack=1:release=60:level=0:latency=1,"
              "aresample=48000,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo,"
              # With no edit list to hide it, AAC's 1024 priming samples would play first and put the
              # voice 21 ms behind the picture: start the mix those samples late instead.
              f"atrim=start_sample={AAC_PRIMING},asetpts=N/SR/TB[a]")
    if not music:
        return f"[0:a]aresample=48000,aformat=channel_layouts=stereo,{finish}", "a"
    fade_out = max(0.0, duration - 2.0)
    graph = (
        "[0:a]aresample=48000,aformat=channel_layouts=stereo,asplit=2[voice][key];"
        f"[1:a]aresample=48000,aformat=channel_layouts=stereo,atrim=duration={duration:.3f},"
        f"volume={music_db:.1f}dB,afade=t=in:d=1,afade=t=out:st={fade_out:.3f}:d=2[bed];"
        "[bed][key]sidechaincompress=threshold=0.02:ratio=8:attack=20:release=350[ducked];"
        f"[voice][ducked]amix=inputs=2:duration=first:normalize=0,{finish}"
    )
    return graph, "a"
