"""The ffmpeg filter graphs of the render stage, as plain text built from plain data.

Video, per format (bench/README.md has the measurements behind each choice):

- Each shot is a span of whole frames. Its background, drawn larger than the
  frame, is decoded once and repeated with ``loop`` (references, not copies);
  its motion is a ``crop`` whose x/y move with the frame number: free per frame,
  and whole-pixel motion that x264 encodes cheaply. zoompan or a per-frame
  ``scale`` would cost more than the encode itself. The first frames of a shot
  move faster (a push into the cut), then it drifts steadily.
- A shot's layers (text, number, icon) are small pictures overlaid where they
  belong, each from its own start time, moving by overlay x/y expressions
  (rise, slide, a float): only their rectangles are blended.
- Shots follow each other with cuts (``concat`` passes frames through): never a
  cross-dissolve of text over text.
- Captions: libass draws on a transparent strip only on the frames where the
  captions change; the strip is laid over every frame.
- The frames are tagged BT.709 (``setparams``): the encoder takes its colour
  tags from the frames, and lavfi's are "unknown".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

# Which way a background drifts, as a share of its spare room: (x, y) in -1..1.
DRIFTS: tuple[tuple[float, float], ...] = ((1, 0.4), (-1, -0.3), (0.5, -1), (-0.6, 1))
PUSH_SECONDS = 0.3  # the fast start of each shot's motion
PUSH_SHARE = 0.35  # of the drift, covered in that time
ENTER_SECONDS = 0.4  # how long a layer takes to rise or slide into place
AAC_PRIMING = 1024  # samples the AAC encoder puts before the first real one
_TERMS_PER_GROUP = 50
_SAFE_NAME = re.compile(r"^[A-Za-z0-9._/-]+$")


@dataclass(frozen=True)
class SpanLayer:
    path: str
    x: int
    y: int
    start: float  # seconds into the span
    end: float | None
    motion: str


@dataclass(frozen=True)
class Span:
    """One shot in one format: frames [first, end), its background and room to move."""

    first: int
    end: int
    background: str
    room: tuple[int, int]
    drift: int
    layers: tuple[SpanLayer, ...] = ()
    clip: str = ""  # a video clip (B-roll) instead of the still background


def frame_bounds(starts: Sequence[float], duration: float, fps: int) -> list[int]:
    """Whole-frame bounds from each shot's start time: shot k shows [b[k], b[k+1])."""
    total = max(1, round(duration * fps))
    bounds = [0]
    for start in list(starts)[1:]:
        bounds.append(min(total, max(bounds[-1], round(start * fps))))
    bounds.append(total)
    return bounds


@dataclass
class Graph:
    """Input arguments (one list per ``-i``), the filter text and its output label."""

    inputs: list[list[str]] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)
    output: str = ""
    motion: str = ""  # label of the grey motion samples, when asked for

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


def video_graph(width: int, height: int, spans: Sequence[Span], fps: int, *,
                captions: Captions | None = None, motion: tuple[int, int, int] | None = None) -> Graph:
    """The graph for one format: every span (shot) in order, cut to the next.
    ``motion`` (fps, width, height) adds a second output, ``graph.motion``: the
    video as tiny grey frames, for the quality check."""
    graph = Graph()
    labels = []
    for k, span in enumerate(spans):
        if span.end <= span.first:
            continue
        labels.append(_span(graph, k, span, width, height, fps))
    current = "base"
    if len(labels) > 1:
        graph.filters.append("".join(f"[{s}]" for s in labels) + f"concat=n={len(labels)}:v=1:a=0[{current}]")
    else:
        graph.filters.append(f"[{labels[0]}]null[{current}]")
    total = spans[-1].end if spans else 0
    if captions:
        current = _captioned(graph, current, captions, fps, total)
    graph.output = "v"
    # Tag the frames themselves: the encoder takes the colour tags from them, and lavfi's are "unknown".
    tagged = (f"[{current}]format=yuv420p,setparams=range=tv:color_primaries=bt709:color_trc=bt709:"
              f"colorspace=bt709")
    if motion is None:
        graph.filters.append(f"{tagged}[{graph.output}]")
        return graph
    rate, w, h = motion
    graph.motion = "motion"
    graph.filters.append(f"{tagged},split=2[{graph.output}][tomotion]")
    graph.filters.append(f"[tomotion]fps={rate},scale={w}:{h}:flags=area,format=gray[{graph.motion}]")
    return graph


def _input(graph: Graph, path: str) -> int:
    graph.inputs.append(["-i", path])
    return len(graph.inputs) - 1


def _span(graph: Graph, k: int, span: Span, width: int, height: int, fps: int) -> str:
    frames = span.end - span.first
    out = f"s{k}"
    if span.clip:  # the clip moves by itself: cover the frame, loop it if short, keep its first frames
        graph.inputs.append(["-stream_loop", "-1", "-i", span.clip])
        clip = len(graph.inputs) - 1
        graph.filters.append(
            f"[{clip}:v]scale={width}:{height}:force_original_aspect_ratio=increase:flags=bilinear,"
            f"crop={width}:{height},fps={fps},setsar=1,format=yuv420p,trim=end_frame={frames},"
            f"setpts=N/({fps}*TB)[{out}]")
        return _layers(graph, out, span, width, height)
    bg = _input(graph, span.background)
    graph.filters.append(
        f"[{bg}:v]scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,setsar=1,"
        f"loop=loop=-1:size=1,setpts=N/({fps}*TB),trim=end_frame={frames},"
        f"{_drift(width, height, span.room, DRIFTS[span.drift % len(DRIFTS)], frames, fps)}[{out}]")
    return _layers(graph, out, span, width, height)


def _layers(graph: Graph, out: str, span: Span, width: int, height: int) -> str:
    for j, layer in enumerate(span.layers):
        index = _input(graph, layer.path)
        graph.filters.append(f"[{index}:v]scale=out_color_matrix=bt709:out_range=tv,format=yuva420p[{out}l{j}]")
        x, y = _motion(layer, width, height)
        until = f"between(t,{layer.start:.3f},{layer.end - 0.001:.3f})" if layer.end is not None \
            else f"gte(t,{layer.start:.3f})"
        graph.filters.append(f"[{out}][{out}l{j}]overlay=x='{x}':y='{y}':enable='{until}':eof_action=repeat:"
                             f"format=yuv420[{out}o{j}]")
        out = f"{out}o{j}"
    return out


def _drift(width: int, height: int, room: tuple[int, int], drift: tuple[float, float], frames: int, fps: int) -> str:
    """A crop window moving across the background's spare room: fast for the first
    PUSH_SECONDS (a push into the cut), then steadily to the end of the shot."""
    push = max(1, round(PUSH_SECONDS * fps))
    steps = max(1, frames - 1)
    progress = (f"({PUSH_SHARE}*(1-pow(1-min(1,n/{push}),3))+{1 - PUSH_SHARE}*n/{steps})")

    def axis(spare: int, direction: float) -> str:
        start = spare * (0.5 - direction / 2)
        return f"{start:.1f}+{direction * spare:.1f}*{progress}" if direction else f"{spare // 2}"

    return f"crop=w={width}:h={height}:x='{axis(room[0], drift[0])}':y='{axis(room[1], drift[1])}'"


def _motion(layer: SpanLayer, width: int, height: int) -> tuple[str, str]:
    s = min(width, height)
    ease = f"pow(max(0,1-(t-{layer.start:.3f})/{ENTER_SECONDS}),3)"
    if layer.motion == "rise":
        return str(layer.x), f"{layer.y}+{round(s * 0.06)}*{ease}"
    if layer.motion == "slide":
        return f"{layer.x}-{round(s * 0.12)}*{ease}", str(layer.y)
    if layer.motion == "bob":
        return str(layer.x), f"{layer.y}+{round(s * 0.018)}*sin(2*PI*(t-{layer.start:.3f})/2.2)"
    return str(layer.x), str(layer.y)


def _captioned(graph: Graph, current: str, captions: Captions, fps: int, total: int, tag: str = "") -> str:
    # libass draws on a small strip and only when the captions change: drawing on
    # every full frame cost more than a third of the x264 encode.
    changes = _any_of([f"eq(n,{frame})" for frame in captions.changes])
    fonts = f":fontsdir={_safe(captions.fontsdir)}" if captions.fontsdir else ""
    graph.filters.append(
        f"color=c=black@0:s={captions.width}x{captions.height}:r={fps}:d={total / fps},"
        f"format=rgba,select='{changes}',ass=filename={_safe(captions.ass)}{fonts}:alpha=1,format=yuva420p[{tag}cap]")
    graph.filters.append(f"[{current}][{tag}cap]overlay=x={captions.x}:y={captions.y}:format=yuv420[{tag}captioned]")
    return f"{tag}captioned"


def _any_of(terms: list[str]) -> str:
    """A sum of terms, nested in groups: ffmpeg's expression parser refuses a flat sum of 100 or more."""
    while len(terms) > _TERMS_PER_GROUP:
        terms = [f"({'+'.join(terms[i:i + _TERMS_PER_GROUP])})" for i in range(0, len(terms), _TERMS_PER_GROUP)]
    return "+".join(terms)


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
