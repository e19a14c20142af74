"""The quality check after each render: the file read back against every
platform's upload spec, and what a viewer would notice (text outside the safe
area, a picture standing still, captions lighting up late).

The motion figures come from a tiny grey copy of the video (two frames a
second) that the render's own ffmpeg writes beside the video, so the check
decodes nothing again; the caption band is left out of it, since captions
change on their own.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..domain.content import VideoFormat
from ..domain.quality import Check, QualityReport
from ..domain.shots import ShotFrames
from . import upload_specs as spec
from .captions import Cue, CaptionLayout, word_frames
from ..ffmpeg import Loudness, probe
from .media_probe import has_edit_list, keyframe_times, top_level_boxes, x264_options

MOTION_FPS = 2
MOTION_WIDTH = 128
STILL_LEVEL = 0.6  # mean grey-level change (0-255) under which a half second counts as standing still
MAX_STILL_SECONDS = 3.5
MAX_STILL_SHARE = 0.30
MAX_DRIFT_MS = 40.0


@dataclass(frozen=True)
class MotionSamples:
    """The grey frames the render wrote: ``width``×``height``, ``MOTION_FPS`` a second."""

    path: Path
    width: int
    height: int


def motion_size(fmt: VideoFormat) -> tuple[int, int]:
    height = max(2, round(MOTION_WIDTH * fmt.height / fmt.width / 2) * 2)
    return MOTION_WIDTH, height


def check_video(video: Path, fmt: VideoFormat, *, loudness: Loudness | None, motion: MotionSamples | None,
                shots: Sequence[ShotFrames], job_dir: Path, layout: CaptionLayout, cues: Sequence[Cue],
                fps: int) -> QualityReport:
    info = probe(video)
    checks = [*_container(video, info), *_audio(info, loudness), _safe_area(fmt, shots, job_dir, layout)]
    if motion is not None:
        checks.append(_motion(motion, fmt, layout))
    checks.append(_drift(cues, fps))
    return QualityReport(fmt.name, tuple(checks))


def _platforms(test) -> tuple[str, ...]:
    return tuple(s.platform for s in spec.SPECS if test(s))


def _container(video: Path, info) -> list[Check]:
    keys = keyframe_times(video)
    gaps = [b - a for a, b in itertools.pairwise([*keys, info.duration])] or [info.duration]
    boxes = top_level_boxes(video)
    options = x264_options(video)
    stream = info.video
    kbps = stream.bitrate_kbps if stream else 0
    cap = spec.video_cap_kbps()
    color = stream.color if stream else ("", "", "")
    return [
        Check("no edit lists", not has_edit_list(video), "none" if not has_edit_list(video) else
              "the file has an edit list", _platforms(lambda s: s.no_edit_list)),
        Check("keyframes", max(gaps) <= spec.KEYFRAME_SECONDS + 0.01,
              f"longest gap {max(gaps):.2f} s (limit {spec.KEYFRAME_SECONDS:.0f} s)",
              _platforms(lambda s: s.max_keyframe_seconds is not None)),
        Check("closed GOP", options.get("open_gop", "0") == "0", f"open_gop={options.get('open_gop', '?')}",
              _platforms(lambda s: s.closed_gop)),
        Check("faststart", "moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat"),
              "moov before mdat" if "moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat")
              else "moov after mdat", _platforms(lambda s: s.faststart)),
        Check("BT.709 colour", color == ("bt709", "bt709", "bt709"),
              "matrix/primaries/transfer " + "/".join(c or "unspecified" for c in color)),
        Check("bitrate", kbps <= cap, f"{kbps} kb/s video (cap {cap} kb/s)",
              _platforms(lambda s: s.max_video_kbps is not None)),
    ]


def _audio(info, loudness: Loudness | None) -> list[Check]:
    audio = info.audio
    fine = audio is not None and audio.codec == "aac" and audio.channels == "stereo" and \
        audio.sample_rate == spec.AUDIO_RATE
    described = f"{audio.codec} {audio.channels} {audio.sample_rate} Hz" if audio else "no audio"
    checks = [Check("stereo AAC 48 kHz", fine, described)]
    if loudness is not None:
        level_ok = abs(loudness.integrated - spec.LOUDNESS_LUFS) <= spec.LOUDNESS_TOLERANCE
        peak_ok = loudness.true_peak <= spec.TRUE_PEAK_CEILING
        checks.append(Check("loudness", level_ok and peak_ok,
                            f"{loudness.integrated:.1f} LUFS (target {spec.LOUDNESS_LUFS:.0f} ± "
                            f"{spec.LOUDNESS_TOLERANCE:.0f}), true peak {loudness.true_peak:.1f} dBTP "
                            f"(limit {spec.TRUE_PEAK_CEILING} dBTP)"))
    return checks


def _safe_area(fmt: VideoFormat, shots: Sequence[ShotFrames], job_dir: Path, layout: CaptionLayout) -> Check:
    safe = fmt.safe
    area = (fmt.width * safe.left - 1, fmt.height * safe.top - 1, fmt.width * (1 - safe.right) + 1,
            fmt.height * (1 - safe.bottom) + 1)
    outside = []
    boxes = [("captions", (layout.x, layout.y, layout.x + layout.width, layout.y + layout.height))]
    for n, shot in enumerate(shots, 1):
        for layer in shot.layers:
            with Image.open(job_dir / layer.path) as image:
                boxes.append((f"shot {n}", (layer.x, layer.y, layer.x + image.width, layer.y + image.height)))
    for name, box in boxes:
        if box[0] < area[0] or box[1] < area[1] or box[2] > area[2] or box[3] > area[3]:
            outside.append(f"{name} at {box}")
    detail = "every text element inside" if not outside else "outside: " + "; ".join(outside[:3])
    return Check("safe area", not outside, detail)


def motion_figures(samples: MotionSamples, skip_rows: tuple[int, int]) -> tuple[float, float, float]:
    """(longest still stretch in seconds, share of half-second steps standing still,
    median change in grey levels) of the grey frames, leaving out rows ``skip_rows``."""
    data = np.frombuffer(samples.path.read_bytes(), dtype=np.uint8)
    count = data.size // (samples.width * samples.height)
    frames = data[:count * samples.width * samples.height].reshape(count, samples.height, samples.width)
    keep = np.ones(samples.height, dtype=bool)
    keep[skip_rows[0]:skip_rows[1]] = False
    frames = frames[:, keep, :].astype(np.int16)
    if count < 2:
        return 0.0, 0.0, 0.0
    changes = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2))
    still = changes < STILL_LEVEL
    longest = run = 0
    for s in still:
        run = run + 1 if s else 0
        longest = max(longest, run)
    # n still steps in a row: n + 1 frames alike, n / MOTION_FPS seconds with nothing changing
    return longest / MOTION_FPS, float(still.mean()), float(np.median(changes))


def _motion(samples: MotionSamples, fmt: VideoFormat, layout: CaptionLayout) -> Check:
    scale = samples.height / fmt.height
    band = (int(layout.y * scale), int((layout.y + layout.height) * scale) + 1)
    longest, share, median = motion_figures(samples, band)
    ok = longest <= MAX_STILL_SECONDS and share <= MAX_STILL_SHARE
    return Check("motion", ok, f"longest still {longest:.1f} s (limit {MAX_STILL_SECONDS} s), "
                               f"{share:.0%} of half-seconds still (limit {MAX_STILL_SHARE:.0%}), "
                               f"median change {median:.1f} grey levels")


def _drift(cues: Sequence[Cue], fps: int) -> Check:
    """How far each word's highlight is from the voice: the frame it lights up on
    against the word's start."""
    drifts = [(frame / fps - start) * 1000 for start, frame in word_frames(cues, fps)]
    if not drifts:
        return Check("caption timing", True, "no captions")
    late = max(drifts)
    median = statistics.median(abs(d) for d in drifts)
    ok = median <= MAX_DRIFT_MS and late <= 1.0
    return Check("caption timing", ok, f"median {median:.0f} ms from the voice, latest {late:+.0f} ms "
                                       f"(never later than the word)")
