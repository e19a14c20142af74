"""The ffmpeg filter graphs of the render stage, as plain text built from plain data.

Video, per format (bench/README.md has the measurements behind each choice):

- Every input held in the graph costs memory for the whole run (its decoder, its
  queues, its decoded picture: ~13 MB for one background, ~4 MB for a small
  layer), so a format has at most three picture inputs whatever its length:
  the shots' backgrounds as one image sequence (one still per shot, all the same
  size), the shots' text and icons as one image sequence of composed states
  (``layer_track``), and the caption strip drawn by libass. B-roll clips add one
  input each.
- The backgrounds' sequence is decoded one still at a time; each still is put on
  its shot's first frame (``setpts``) and repeated by ``fps`` (references, not
  copies). The motion is a ``crop`` whose x/y move with the frame number, one
  term per shot: free per frame, and whole-pixel motion that x264 encodes
  cheaply. The first frames of a shot move faster (a push into the cut), then it
  drifts steadily. Shots follow each other with cuts: never a cross-dissolve of
  text over text.
- A span may zoom slowly (Ken Burns, ``Span.zoom``): the panned frame is scaled
  by a per-frame ``scale`` and cropped back; at zoom 0 ``scale`` passes frames
  through. A zooming span's still is repeated in the sequence (``Backdrops.frames``),
  so ``fps`` never hands the scale a whole shot of references at once (1.1 GB). The
  render leaves it off for now (``render.PHOTO_ZOOM``; bench/README.md).
- The layer states are laid over the shots that have text by one ``overlay``
  whose x/y expressions move the shot's group (rise, slide, float); a state is
  shown from its frame until the next.
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
RISE, SLIDE, BOB = 0.06, 0.12, 0.018  # how far a layer rises, slides or floats, as a share of the frame's short side
BOB_SECONDS = 2.2  # one float up and down
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
    """One shot in one format: frames [first, end), its background and how far it may move."""

    first: int
    end: int
    background: str
    room: tuple[int, int]
    drift: int
    layers: tuple[SpanLayer, ...] = ()
    clip: str = ""  # a video clip (B-roll) instead of the still background
    zoom: float = 0.0  # a slow zoom over the shot (Ken Burns): + in, - out, as a share of the frame


@dataclass(frozen=True)
class Backdrops:
    """The shots' backgrounds as one image sequence: still k belongs to ``spans[k]``
    (spans without frames have none), and one more closes it at the video's end
    (the last again); all are ``size``, centred on the frame. ``frames``, when
    given, is the frame each still starts on (a zooming span's still repeats:
    see ``layer_track.ZOOM_REPEAT_FRAMES``); otherwise each span's first frame."""

    pattern: str
    size: tuple[int, int]
    frames: tuple[int, ...] = ()


@dataclass(frozen=True)
class LayerWindow:
    """Frames [first, end) during which the layer states are shown, moving as one
    group by ``motion`` from frame ``moves_from``."""

    first: int
    end: int
    motion: str
    moves_from: int


@dataclass(frozen=True)
class LayerTrack:
    """The composed layer states as one image sequence of ``size`` pictures placed
    at (x, y): state k is shown from frame ``frames[k]`` until the next one."""

    pattern: str
    frames: tuple[int, ...]
    x: int
    y: int
    windows: tuple[LayerWindow, ...]


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


def video_graph(width: int, height: int, spans: Sequence[Span], fps: int, backdrops: Backdrops, *,
                layers: LayerTrack | None = None, captions: Captions | None = None,
                motion: tuple[int, int, int] | None = None) -> Graph:
    """The graph for one format: every span (shot) in order, cut to the next.
    ``motion`` (fps, width, height) adds a second output, ``graph.motion``: the
    video as tiny grey frames, for the quality check."""
    graph = Graph()
    shown = [span for span in spans if span.end > span.first]
    total = spans[-1].end if spans else 0
    current = _backgrounds(graph, shown, width, height, fps, total, backdrops)
    for k, span in enumerate(shown):
        if span.clip:
            current = _clip(graph, current, k, span, width, height, fps)
    if layers is not None and layers.frames:
        current = _layer_track(graph, current, layers, width, height, fps)
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


def _sequence(graph: Graph, pattern: str, fps: int) -> int:
    graph.inputs.append(["-f", "image2", "-framerate", str(fps), "-i", pattern])
    return len(graph.inputs) - 1


def _at_frames(frames: Sequence[int]) -> str:
    """``setpts`` putting picture N of a sequence on frame ``frames[N]`` (time base 1/fps)."""
    return _any_of([f"eq(N,{k})*{frame}" for k, frame in enumerate(frames) if frame]) or "0"


def _backgrounds(graph: Graph, spans: Sequence[Span], width: int, height: int, fps: int, total: int,
                 backdrops: Backdrops) -> str:
    index = _sequence(graph, backdrops.pattern, fps)
    spare = (backdrops.size[0] - width, backdrops.size[1] - height)
    xs, ys, zooms = [], [], []
    for span in spans:
        if span.zoom:
            zooms.append(f"{_during(span.first, span.end, fps)}*{_zoom(span, fps)}")
        x, y = _drift(spare, span.room, DRIFTS[span.drift % len(DRIFTS)], span.first, span.end - span.first, fps)
        window = _during(span.first, span.end, fps)
        xs.append(f"{window}*({x})")
        ys.append(f"{window}*({y})")
    graph.filters.append(
        f"[{index}:v]setpts='{_at_frames(backdrops.frames or [span.first for span in spans] + [total])}',"
        f"scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,setsar=1,fps={fps},trim=end_frame={total},"
        f"crop=w={width}:h={height}:x='{_any_of(xs) or 0}':y='{_any_of(ys) or 0}'{_zoomed(width, height, zooms)}[base]")
    return "base"


def _zoom(span: Span, fps: int) -> str:
    """How much larger than the frame the shot's picture is at time t: 0 to ``zoom``
    (or back from it, zooming out), eased at both ends."""
    frames = max(1, span.end - span.first - 1)
    progress = f"(1-cos(PI*min(1,(t*{fps}-{span.first})/{frames})))/2"
    amount = abs(span.zoom)
    return f"{amount}*{progress}" if span.zoom > 0 else f"{amount}*(1-{progress})"


def _zoomed(width: int, height: int, zooms: list[str]) -> str:
    """The Ken Burns zoom: the panned frame scaled up by the shots' zoom and cropped
    back to the frame around its centre. Only zooming frames are scaled: at zoom 0
    the scale passes frames through (a per-frame scale of every frame would cost a
    good share of the encode)."""
    if not zooms:
        return ""
    z = _any_of(zooms)
    return (f",scale=w='2*trunc({width / 2}*(1+{z}))':h='2*trunc({height / 2}*(1+{z}))':eval=frame:"
            f"flags=bilinear,crop=w={width}:h={height}")


def _clip(graph: Graph, current: str, k: int, span: Span, width: int, height: int, fps: int) -> str:
    """A B-roll clip covers its shot: cover the frame, loop it if short, keep its first frames."""
    graph.inputs.append(["-stream_loop", "-1", "-i", span.clip])
    clip = len(graph.inputs) - 1
    frames = span.end - span.first
    graph.filters.append(
        f"[{clip}:v]scale={width}:{height}:force_original_aspect_ratio=increase:flags=bilinear,"
        f"crop={width}:{height},fps={fps},setsar=1,format=yuv420p,trim=end_frame={frames},"
        f"setpts=N+{span.first}[clip{k}]")
    graph.filters.append(f"[{current}][clip{k}]overlay=enable='{_during(span.first, span.end, fps)}':"
                         f"eof_action=pass:format=yuv420[withclip{k}]")
    return f"withclip{k}"


def _layer_track(graph: Graph, current: str, track: LayerTrack, width: int, height: int, fps: int) -> str:
    index = _sequence(graph, track.pattern, fps)
    graph.filters.append(f"[{index}:v]setpts='{_at_frames(track.frames)}',"
                         f"scale=out_color_matrix=bt709:out_range=tv,format=yuva420p[layers]")
    xs, ys, windows = [], [], []
    for window in track.windows:
        x, y = _group_motion(window, track.x, track.y, width, height, fps)
        inside = _during(window.first, window.end, fps)
        windows.append(inside)
        xs.append(f"{inside}*({x})")
        ys.append(f"{inside}*({y})")
    graph.filters.append(f"[{current}][layers]overlay=x='{_any_of(xs)}':y='{_any_of(ys)}':"
                         f"enable='{_any_of(windows)}':eof_action=repeat:format=yuv420[layered]")
    return "layered"


def _drift(spare: tuple[int, int], room: tuple[int, int], drift: tuple[float, float], first: int, frames: int,
           fps: int) -> tuple[str, str]:
    """A crop window moving across ``room`` of the background's ``spare`` pixels,
    centred: fast for the first PUSH_SECONDS (a push into the cut), then steadily
    to the end of the shot."""
    push = max(1, round(PUSH_SECONDS * fps))
    steps = max(1, frames - 1)
    local = f"(t*{fps}-{first})"
    progress = f"({PUSH_SHARE}*(1-pow(1-min(1,{local}/{push}),3))+{1 - PUSH_SHARE}*{local}/{steps})"

    def axis(spare: int, room: int, direction: float) -> str:
        room = max(0, min(room, spare))
        start = (spare - room) / 2 + room * (0.5 - direction / 2)
        return f"{start:.1f}+{direction * room:.1f}*{progress}" if direction and room else f"{spare // 2}"

    return axis(spare[0], room[0], drift[0]), axis(spare[1], room[1], drift[1])


def _during(first: int, end: int, fps: int) -> str:
    """True on frames [first, end). Expressions go by time, not ``n``: overlay's x/y
    see its frame count one ahead of the frame they place."""
    return f"between(t*{fps},{first - 0.5},{end - 0.5})"


def _group_motion(window: LayerWindow, x: int, y: int, width: int, height: int, fps: int) -> tuple[str, str]:
    s = min(width, height)
    since = f"(t-{window.moves_from / fps:.6f})"
    ease = f"pow(max(0,1-{since}/{ENTER_SECONDS}),3)"
    if window.motion == "rise":
        return str(x), f"{y}+{round(s * RISE)}*{ease}"
    if window.motion == "slide":
        return f"{x}-{round(s * SLIDE)}*{ease}", str(y)
    if window.motion == "bob":
        return str(x), f"{y}+{round(s * BOB)}*sin(2*PI*{since}/{BOB_SECONDS})"
    return str(x), str(y)


def _captioned(graph: Graph, current: str, captions: Captions, fps: int, total: int, tag: str = "") -> str:
    # libass draws on a small strip and only when the captions change: drawing on
    # every full frame cost more than a third of the x264 encode. It draws straight
    # into yuva420p, the overlay's format (tagged BT.709 so the colours convert as the
    # frames' do): drawing in RGBA and converting each strip cost ~40 % more.
    changes = _any_of([f"eq(n,{frame})" for frame in captions.changes])
    fonts = f":fontsdir={_safe(captions.fontsdir)}" if captions.fontsdir else ""
    graph.filters.append(
        f"color=c=black@0:s={captions.width}x{captions.height}:r={fps}:d={total / fps},"
        f"format=yuva420p,setparams=range=tv:colorspace=bt709,select='{changes}',"
        f"ass=filename={_safe(captions.ass)}{fonts}:alpha=1[{tag}cap]")
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
