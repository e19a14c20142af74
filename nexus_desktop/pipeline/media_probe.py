"""What is inside a media file, read from ``ffmpeg -i`` (the bundled ffmpeg has no ffprobe).

Also finds the ffmpeg binary, so every caller gets the same "ffmpeg is missing"
error, and offers the few checks tests and the render stage share: a frame as
PNG, the order of the MP4 boxes (faststart), and the loudness of a mix.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..domain.errors import UserFixableError

_TIMEOUT = 120.0
_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM = re.compile(r"Stream #\d+:(\d+)[^:]*:\s*(Video|Audio|Subtitle|Data):\s*(\w+)(.*)")
_SIZE = re.compile(r",\s*(\d{2,5})x(\d{2,5})[\s,\[]")
_FPS = re.compile(r"([\d.]+)\s*fps")
_RATE = re.compile(r"(\d+)\s*Hz")
_LAYOUT = re.compile(r"Hz,\s*([^,]+),")


def ffmpeg_exe() -> str:
    """The ffmpeg that imageio-ffmpeg ships (or IMAGEIO_FFMPEG_EXE), checked to exist."""
    hint = ("reinstall Nexus Desktop (it ships ffmpeg), or set the IMAGEIO_FFMPEG_EXE environment "
            "variable to an ffmpeg binary")
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise UserFixableError(f"ffmpeg is missing: {exc}", hint=hint) from exc
    found = shutil.which(exe) if os.sep not in exe else (exe if os.access(exe, os.X_OK) else None)
    if not found:
        raise UserFixableError(f"ffmpeg is missing: {exe} does not exist or cannot be run", hint=hint)
    return found


@dataclass(frozen=True)
class StreamInfo:
    index: int
    kind: str  # "video", "audio", ...
    codec: str
    width: int = 0
    height: int = 0
    fps: float = 0.0
    pix_fmt: str = ""
    sample_rate: int = 0
    channels: str = ""  # "mono", "stereo", ...


@dataclass(frozen=True)
class MediaInfo:
    duration: float
    streams: tuple[StreamInfo, ...]

    @property
    def video(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "video"), None)

    @property
    def audio(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "audio"), None)


def probe(path: str | Path) -> MediaInfo:
    """Duration and streams of ``path``; a file ffmpeg cannot read is a ValueError."""
    # ffmpeg exits with an error here ("At least one output file must be specified"): only its report counts.
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
                          capture_output=True, text=True, errors="replace", timeout=_TIMEOUT, check=False)
    return parse_probe(proc.stderr, path)


def parse_probe(text: str, path: str | Path = "") -> MediaInfo:
    inputs = text.split("Output #", 1)[0]
    streams = tuple(_parse_stream(m) for m in _STREAM.finditer(inputs))
    if not streams:
        last = inputs.strip().splitlines()[-1:] or ["no output"]
        raise ValueError(f"ffmpeg cannot read {path}: {last[0]}")
    match = _DURATION.search(inputs)
    duration = int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3]) if match else 0.0
    return MediaInfo(duration, streams)


def _parse_stream(match: re.Match[str]) -> StreamInfo:
    index, kind, codec, rest = int(match[1]), match[2].lower(), match[3], match[4]
    if kind == "video":
        size, fps = _SIZE.search(rest + " "), _FPS.search(rest)
        pix = rest.split(",")[1].strip().split("(")[0].strip() if rest.count(",") >= 1 else ""
        return StreamInfo(index, kind, codec, int(size[1]) if size else 0, int(size[2]) if size else 0,
                          float(fps[1]) if fps else 0.0, pix)
    if kind == "audio":
        rate, layout = _RATE.search(rest), _LAYOUT.search(rest + ",")
        return StreamInfo(index, kind, codec, sample_rate=int(rate[1]) if rate else 0,
                          channels=layout[1].strip() if layout else "")
    return StreamInfo(index, kind, codec)


def extract_frame(video: str | Path, seconds: float, png: str | Path) -> Path:
    """The frame shown at ``seconds``, saved as a PNG (for checks and previews)."""
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                    "-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1", str(png)],
                   check=True, capture_output=True, timeout=_TIMEOUT)
    return Path(png)


def top_level_boxes(path: str | Path) -> list[str]:
    """The MP4 top-level box names in file order; ``moov`` before ``mdat`` means faststart."""
    names: list[str] = []
    size_left = os.path.getsize(path)
    with open(path, "rb") as handle:
        while size_left >= 8:
            header = handle.read(8)
            size, name = int.from_bytes(header[:4], "big"), header[4:8].decode("latin-1")
            skip = size - 8
            if size == 1:
                size = int.from_bytes(handle.read(8), "big")
                skip = size - 16
            elif size == 0:
                size = size_left
                skip = size - 8
            names.append(name)
            if size < 8:
                break
            handle.seek(skip, os.SEEK_CUR)
            size_left -= size
    return names


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_db: float


def measure_loudness(path: str | Path) -> Loudness:
    """EBU R128 integrated loudness and true peak of the first audio stream."""
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:a:0",
                           "-af", "ebur128=peak=true", "-f", "null", "-"],
                          capture_output=True, text=True, errors="replace", timeout=_TIMEOUT, check=False)
    summary = proc.stderr.rsplit("Summary:", 1)[-1]
    integrated = re.search(r"I:\s*(-?[\d.]+|-inf)\s*LUFS", summary)
    peak = re.search(r"Peak:\s*(-?[\d.]+|-inf)\s*dBFS", summary)
    if not integrated or not peak:
        raise ValueError(f"no loudness summary for {path}")
    return Loudness(float(integrated[1]), float(peak[1]))
