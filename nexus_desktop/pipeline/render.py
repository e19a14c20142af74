"""Render: narration + the shot plan's pictures + captions -> one MP4 per format, with SRT/VTT beside it.

The audio is mixed and AAC-encoded once; then each format is one ffmpeg run of
one filter graph (``ffmpeg_graph.video_graph``: each shot's background moving,
its layers entering, cuts between shots) that copies that audio in. The graph
reads the format's pictures as two image sequences (``layer_track``): the
backgrounds, and the layers composed into states, so its memory does not grow
with the number of shots and layers. The formats
run one after another rather than as three outputs of one process: the pictures
differ per format so there is little to decode once, and three x264 encoders at
once need more memory than the 600 MB budget (bench/README.md).

Every file is written under a temporary name and renamed when complete, so a
cancelled or killed render never leaves a video that looks finished.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..domain.content import Narration, Script, VideoFormat, WordTiming
from ..domain.errors import UserFixableError
from ..domain.shots import ShotPlan
from ..providers.images.fonts import FontBook, FontFace
from . import captions as cap
from .. import ffmpeg
from . import layer_track, quality
from . import upload_specs as spec
from .context import AssetRecord, StageContext, StageOutput
from .ffmpeg_graph import Captions, Graph, Span, SpanLayer, audio_graph, frame_bounds, video_graph
from ..ffmpeg import ffmpeg_exe, probe
from .formats import active_formats

log = logging.getLogger(__name__)

AUDIO_SHARE = 3  # percent of the stage's progress spent mixing audio
# A render is refused when its length strays from the narration's by more than this plus one
# frame: the last frame is rounded, and the AAC stream ends on a whole 1024-sample frame after
# its priming offset (no edit list), so a good file can run ~0.12 s long at a low frame rate.
DURATION_TOLERANCE = 0.1
# How much a photo shot zooms in (or out) over its length, beside its pan (Ken Burns). Off: with
# every shot zooming a 9:16 render costs ~45 % more CPU (51.0 s against 34.7 s); its memory is
# back under the budget (552 MB, layer_track.ZOOM_REPEAT_FRAMES), but the speed ratio with zoom
# on has not been measured on an article with photos yet (bench/README.md).
PHOTO_ZOOM = 0.0
_DISK_FULL_HINT = "free some space on that disk, or move the data folder in Settings, then retry"


def run(ctx: StageContext) -> StageOutput:
    script = Script.from_dict(ctx.results["analyze"]["script"])
    narration = Narration.from_dict(ctx.results["narrate"]["narration"])
    plan = _plan(ctx)
    formats = active_formats(ctx.settings)
    exe = ffmpeg_exe()
    videos = ctx.job_dir / "videos"
    work = None
    try:
        videos.mkdir(parents=True, exist_ok=True)
        _remove_partials(videos)
        work = Path(tempfile.mkdtemp(prefix=".render-", dir=ctx.job_dir))
        job = _Job(ctx, exe, work, script, narration)
        ctx.progress(0, "Mixing audio")
        job.mix_audio()
        weights = _weights(formats, AUDIO_SHARE)
        results, assets = {}, []
        for fmt, (low, high) in zip(formats, weights):
            entry, records = job.render_format(fmt, plan, videos, low, high)
            results[fmt.name] = entry
            assets += records
        ctx.progress(100, "Videos ready")
        return StageOutput({"videos": results}, tuple(assets))
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise UserFixableError(f"the disk is full: cannot write the videos in {videos}",
                                   hint=_DISK_FULL_HINT) from exc
        raise
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
            _remove_partials(videos)


class _Job:
    """One render: the shared audio, the caption font, and one video per format."""

    def __init__(self, ctx: StageContext, exe: str, work: Path, script: Script, narration: Narration) -> None:
        self.ctx, self.work, self.script, self.narration = ctx, work, script, narration
        self.voice = ctx.job_dir / narration.audio_path
        if not self.voice.is_file():
            raise UserFixableError(f"the narration audio {self.voice} is missing", hint="redo the narrate stage")
        self.duration = probe(self.voice).duration or narration.duration
        self.fps = ctx.settings.render.fps
        self.total_frames = max(1, round(self.duration * self.fps))
        self.loudness: ffmpeg.Loudness | None = None
        self.slug = slugify(script.title or ctx.article.title) or f"job-{ctx.job_id}"
        self.font = _caption_font(ctx, script)
        self.font.install(work / "fonts")
        self.audio = work / "audio.m4a"

    def mix_audio(self) -> None:
        """Stereo AAC at 48 kHz, at -14 LUFS with true peaks under -1.5 dBTP as the
        platforms measure it: the gain comes from the voice's own loudness, and one
        corrective pass follows when the encoded mix misses (music adds loudness,
        the limiter and AAC move it a little). AAC's "fast" coder: half the CPU of
        the default twoloop, and at 192 kb/s no worse (FFmpeg's AAC maintainer:
        https://ffmpeg.org/pipermail/ffmpeg-cvslog/2018-January/112166.html)."""
        settings = self.ctx.settings.render
        music = _music(settings.music_path)
        inputs = ["-i", str(self.voice)] + (["-stream_loop", "-1", "-i", str(music)] if music else [])
        voice = ffmpeg.measure_loudness(self.voice, cancelled=self.ctx.cancel_event.is_set)
        gain = spec.LOUDNESS_LUFS - voice.integrated if voice.integrated > -70 else 0.0
        ceiling = spec.LIMITER_CEILING
        for attempt in range(2):
            graph, label = audio_graph(self.duration, music=music is not None, music_db=settings.music_volume_db,
                                       gain_db=gain, ceiling_db=ceiling)
            self._ffmpeg([*inputs, "-filter_complex", graph, "-map", f"[{label}]", "-t", f"{self.duration:.3f}",
                          "-c:a", "aac", "-aac_coder", "fast", "-b:a", spec.AUDIO_BITRATE, "-ar", str(spec.AUDIO_RATE), "-ac", "2",
                          "-f", "mp4", str(self.audio)],
                         self.duration, lambda share: self.ctx.progress(share * AUDIO_SHARE, "Mixing audio"))
            mixed = ffmpeg.measure_loudness(self.audio, cancelled=self.ctx.cancel_event.is_set)
            self.loudness = mixed
            off = spec.LOUDNESS_LUFS - mixed.integrated
            if mixed.integrated < -70 or (abs(off) <= 0.5 and mixed.true_peak <= spec.TRUE_PEAK_CEILING):
                return
            gain += off
            if mixed.true_peak > spec.TRUE_PEAK_CEILING:
                ceiling -= mixed.true_peak - spec.TRUE_PEAK_CEILING + 0.2

    def render_format(self, fmt: VideoFormat, plan: ShotPlan, videos: Path, low: float,
                      high: float) -> tuple[dict, list[AssetRecord]]:
        label = display_name(fmt)
        self.ctx.progress(low, f"Preparing {label}")
        graph, cues = self.prepare(fmt, plan)
        graph_file = self.work / f"{fmt.name}.graph"
        graph_file.write_text(graph.text, encoding="utf-8")
        final = videos / f"{self.slug}-{fmt.name}.mp4"
        partial = final.with_name(f".{final.name}.partial")
        samples = quality.MotionSamples(self.work / f"{fmt.name}.motion", *quality.motion_size(fmt))
        args = [arg for spec in graph.inputs for arg in spec] + [
            "-i", str(self.audio), "-/filter_complex", graph_file.name,
            *self.output_args(graph.output, len(graph.inputs), partial),
            "-map", f"[{graph.motion}]", "-f", "rawvideo", str(samples.path)]
        phrase = f"Rendering {label}"
        self._ffmpeg(args, self.total_frames / self.fps,
                     lambda share: self.ctx.progress(low + share * (high - low), f"{phrase} — {round(share * 100)}%"))
        duration = self._check(partial, fmt)
        self.ctx.progress(high, f"Checking {label}")
        report = quality.check_video(partial, fmt, loudness=self.loudness, motion=samples,
                                     shots=plan.frames_for(fmt.name).shots, job_dir=self.ctx.job_dir,
                                     layout=cap.layout_for(fmt), cues=cues, fps=self.fps)
        for failed in (c for c in report.checks if not c.passed):
            log.info("job %s: %s video: quality check %s: %s", self.ctx.job_id, label, failed.name, failed.detail)
        srt = _replace_text(final.with_suffix(".srt"), cap.srt_text(cues))
        vtt = _replace_text(final.with_suffix(".vtt"), cap.vtt_text(cues))
        os.replace(partial, final)
        entry = {"path": self._rel(final), "duration": duration, "width": fmt.width, "height": fmt.height,
                 "srt": self._rel(srt), "vtt": self._rel(vtt), "quality": report.to_dict()}
        records = [self.ctx.asset("video", final, format=fmt.name, duration=duration),
                   self.ctx.asset("captions", srt, format=fmt.name),
                   self.ctx.asset("captions", vtt, format=fmt.name)]
        return entry, records

    def prepare(self, fmt: VideoFormat, plan: ShotPlan) -> tuple[Graph, list[cap.Cue]]:
        """The format's graph over the plan's pictures, and its captions."""
        folder = self.work / fmt.name
        folder.mkdir()
        spans = _spans(self.ctx.job_dir, plan, fmt, self.duration, self.fps)
        layout = cap.layout_for(fmt)
        cues = cap.build_cues(self.font.words(self.narration), self.duration, self.font.fits(layout))
        burn = None
        if self.ctx.settings.render.captions and cues:
            burn = Captions(f"{fmt.name}.ass", tuple(cap.change_frames(cues, self.fps)), layout.x, layout.y,
                            layout.width, layout.height, "fonts")
            cap.write_text(self.work / burn.ass, cap.ass_text(cues, layout, self.font.style, self.fps))
        motion = (quality.MOTION_FPS, *quality.motion_size(fmt))
        backdrops = layer_track.backdrops(spans, folder)
        layers = layer_track.layer_track(spans, folder, fmt.width, fmt.height, self.fps)
        return video_graph(fmt.width, fmt.height, spans, self.fps, backdrops, layers=layers, captions=burn,
                           motion=motion), cues

    def output_args(self, video_label: str, audio_input: int, target: Path) -> list[str]:
        render = self.ctx.settings.render
        return ["-map", f"[{video_label}]", "-map", f"{audio_input}:a",
                *spec.encoder_args(self.fps, render.preset, render.crf), "-c:a", "copy", "-f", "mp4", str(target)]

    def _check(self, video: Path, fmt: VideoFormat) -> float:
        info = probe(video)
        stream = info.video
        if stream is None or (stream.width, stream.height) != (fmt.width, fmt.height) or info.audio is None:
            raise RuntimeError(f"ffmpeg made an unexpected {display_name(fmt)} video: {info}")
        if abs(info.duration - self.duration) > DURATION_TOLERANCE + 1 / self.fps:
            raise RuntimeError(f"the {display_name(fmt)} video lasts {info.duration:.2f} s, "
                               f"the narration {self.duration:.2f} s")
        return round(info.duration, 3)

    def _ffmpeg(self, args: list[str], duration: float, on_progress: Callable[[float], None]) -> None:
        ffmpeg.run(["-y", *args], cwd=self.work, cancelled=self.ctx.cancel_event, duration=duration,
                   on_progress=on_progress, loglevel="error")

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.ctx.job_dir).as_posix()


def slugify(title: str, limit: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def display_name(fmt: VideoFormat) -> str:
    return re.sub(r"^(\d+)x(\d+)$", r"\1:\2", fmt.name)


def _weights(formats: Sequence[VideoFormat], start: float) -> list[tuple[float, float]]:
    total = sum(f.width * f.height for f in formats) or 1
    spans, low = [], float(start)
    for fmt in formats:
        high = low + (100 - start) * fmt.width * fmt.height / total
        spans.append((low, high))
        low = high
    return spans


def _remove_partials(folder: Path) -> None:
    for stale in folder.glob(".*.partial"):
        stale.unlink(missing_ok=True)


def _replace_text(path: Path, text: str) -> Path:
    partial = path.with_name(f".{path.name}.partial")
    cap.write_text(partial, text)
    os.replace(partial, path)
    return path


def _music(music_path: str) -> Path | None:
    if not music_path.strip():
        return None
    path = Path(music_path).expanduser()
    hint = "choose another music file in Settings › Render, or clear it to render without music"
    if not path.is_file():
        raise UserFixableError(f"render.music_path: {path} does not exist", hint=hint)
    try:
        has_audio = probe(path).audio is not None
    except ValueError as exc:
        raise UserFixableError(f"render.music_path: ffmpeg cannot read {path}", hint=hint) from exc
    if not has_audio:
        raise UserFixableError(f"render.music_path: {path} has no audio", hint=hint)
    return path


# --- the shot plan's pictures ------------------------------------------------------------------


def _plan(ctx: StageContext) -> ShotPlan:
    data = (ctx.results.get("visualize") or {}).get("plan")
    if not data:
        raise UserFixableError("the shot plan is missing", hint="redo the visualize stage")
    return ShotPlan.from_dict(data)


def _spans(job_dir: Path, plan: ShotPlan, fmt: VideoFormat, duration: float, fps: int) -> list[Span]:
    """Each shot's frames, background and layers for this format, checked to exist."""
    hint = "redo the visualize stage"
    frames = plan.frames_for(fmt.name)
    if frames is None or len(frames.shots) != len(plan.shots) or not plan.shots:
        raise UserFixableError(f"the pictures for {display_name(fmt)} are missing", hint=hint)
    bounds = frame_bounds([shot.start for shot in plan.shots], duration, fps)
    spans = []
    for k, (shot, drawn) in enumerate(zip(plan.shots, frames.shots)):
        paths = [drawn.background, *(layer.path for layer in drawn.layers), *([drawn.clip] if drawn.clip else [])]
        missing = [p for p in paths if not (job_dir / p).is_file()]
        if missing:
            raise UserFixableError(f"the picture {job_dir / missing[0]} is missing", hint=hint)
        layers = tuple(SpanLayer(str(job_dir / layer.path), layer.x, layer.y, layer.start, layer.end, layer.motion)
                       for layer in drawn.layers)
        zoom = 0.0 if drawn.clip or shot.kind != "photo" or not PHOTO_ZOOM else \
            (PHOTO_ZOOM if shot.drift % 2 == 0 else -PHOTO_ZOOM)
        spans.append(Span(bounds[k], bounds[k + 1], str(job_dir / drawn.background), drawn.room, shot.drift, layers,
                          str(job_dir / drawn.clip) if drawn.clip else "", zoom))
    return spans


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


# --- captions font -----------------------------------------------------------------------------


@dataclass
class _CaptionFont:
    face: FontFace
    style: cap.CaptionStyle
    dropped: frozenset[str]  # characters no installed font draws

    def words(self, narration: Narration) -> list[WordTiming]:
        if not self.dropped:
            return list(narration.words)
        return [WordTiming("".join(ch for ch in w.word if ch not in self.dropped), w.start, w.end)
                for w in narration.words]

    def fits(self, layout: cap.CaptionLayout) -> Callable[[str], bool]:
        font = self.face.get(layout.font_size)
        return lambda line: len(line) <= layout.max_chars and font.getlength(line) <= layout.max_width

    def install(self, folder: Path) -> None:
        """Put the font where libass looks (``fontsdir``)."""
        folder.mkdir(exist_ok=True)
        _link_or_copy(Path(self.face.path), folder / Path(self.face.path).name)


def _caption_font(ctx: StageContext, script: Script) -> _CaptionFont:
    """The brand (or bundled) font, or an installed one that covers the narration's script."""
    branding = ctx.settings.branding
    book = FontBook.from_branding(branding.font_path, language=script.language)
    face, kept = book.face_for(script.narration)
    family, style_name = face.get(32).getname()
    return _CaptionFont(
        face,
        cap.CaptionStyle(family or "Sans", "bold" in (style_name or "").lower(), branding.text_color,
                         branding.accent_color, branding.background_color),
        frozenset(set(script.narration) - set(kept)),
    )
