"""What each platform's upload spec asks of a video file, and the encoder
settings that meet all of them at once.

The figures come from the platforms' published upload specifications (YouTube's
recommended upload encoding settings, Instagram's Reels video specification in
the Graph API reference, X's media best practices, LinkedIn's video API). Where
a platform names no limit the field is None. The render stage encodes every
format for the strictest of them, and the quality check reads each finished file
back against each platform's own row.
"""

from __future__ import annotations

from dataclasses import dataclass

LOUDNESS_LUFS = -14.0  # what the platforms normalize to; louder is turned down, quieter stays quiet
LOUDNESS_TOLERANCE = 1.0
TRUE_PEAK_CEILING = -1.5  # dBTP, after AAC encoding (the codec adds overs of a few tenths)
LIMITER_CEILING = -2.5  # dBTP, the limiter's ceiling before AAC, leaving room for those overs
KEYFRAME_SECONDS = 2.0
AUDIO_RATE = 48000
AUDIO_BITRATE = "192k"


@dataclass(frozen=True)
class UploadSpec:
    platform: str
    max_video_kbps: int | None  # peak video bitrate the platform accepts
    max_keyframe_seconds: float | None
    closed_gop: bool
    no_edit_list: bool
    audio_rates: tuple[int, ...]  # sample rates accepted
    max_channels: int
    faststart: bool


SPECS: tuple[UploadSpec, ...] = (
    UploadSpec("youtube", None, KEYFRAME_SECONDS, True, True, (44100, 48000, 96000), 2, True),
    UploadSpec("instagram", 25_000, KEYFRAME_SECONDS, True, True, (44100, 48000), 2, True),
    UploadSpec("x", 25_000, None, True, False, (44100, 48000), 2, True),
    UploadSpec("linkedin", 30_000, None, False, False, (44100, 48000), 2, True),
)


def video_cap_kbps() -> int:
    """The strictest peak bitrate among the platforms that name one."""
    return min(spec.max_video_kbps for spec in SPECS if spec.max_video_kbps)


def encoder_args(fps: int, preset: str, crf: int) -> list[str]:
    """x264 and MP4 settings that every platform in SPECS accepts."""
    cap = video_cap_kbps()
    keyint = max(1, int(KEYFRAME_SECONDS * fps))
    return ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p", "-r", str(fps),
            # a keyframe at least every 2 s, closed GOPs, no scene-cut keyframes that would reset the spacing
            "-g", str(keyint), "-keyint_min", str(keyint), "-sc_threshold", "0", "-flags", "+cgop",
            "-maxrate", f"{cap}k", "-bufsize", f"{cap * 2}k",
            "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv",
            # faststart: moov before mdat; no edit lists (Instagram and YouTube ask for none)
            "-movflags", "+faststart+negative_cts_offsets", "-use_editlist", "0"]
