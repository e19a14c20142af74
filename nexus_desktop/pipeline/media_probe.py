"""Checks on finished files that the render stage, its quality check and the
tests share: a frame as PNG, the order and content of the MP4 boxes (faststart,
edit lists), keyframe times. Reading ``ffmpeg -i`` and the loudness meter lives
in ``nexus_desktop.ffmpeg``; its names are re-exported here for the callers that
only probe files.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..ffmpeg import Loudness, MediaInfo, StreamInfo, ffmpeg_exe, measure_loudness, parse_probe, probe, run

__all__ = ["Loudness", "MediaInfo", "StreamInfo", "ffmpeg_exe", "measure_loudness", "parse_probe", "probe",
           "extract_frame", "top_level_boxes", "has_edit_list", "keyframe_times", "x264_options"]


def extract_frame(video: str | Path, seconds: float, png: str | Path) -> Path:
    """The frame shown at ``seconds``, saved as a PNG (for checks and previews)."""
    run(["-loglevel", "error", "-y", "-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1", str(png)])
    return Path(png)


def _boxes(handle, start: int, end: int):
    """(name, payload offset, payload end) of each box between ``start`` and ``end``."""
    offset = start
    while offset + 8 <= end:
        handle.seek(offset)
        header = handle.read(8)
        size, name = int.from_bytes(header[:4], "big"), header[4:8].decode("latin-1")
        body = offset + 8
        if size == 1:
            size = int.from_bytes(handle.read(8), "big")
            body += 8
        elif size == 0:
            size = end - offset
        if size < 8:
            return
        yield name, body, min(end, offset + size)
        offset += size


def top_level_boxes(path: str | Path) -> list[str]:
    """The MP4 top-level box names in file order; ``moov`` before ``mdat`` means faststart."""
    with open(path, "rb") as handle:
        return [name for name, _, _ in _boxes(handle, 0, os.path.getsize(path))]


def has_edit_list(path: str | Path) -> bool:
    """Whether any track carries an edit list (moov/trak/edts/elst). YouTube's and
    Instagram's upload specs ask for none: some players start such files late."""
    with open(path, "rb") as handle:
        for name, body, end in _boxes(handle, 0, os.path.getsize(path)):
            if name != "moov":
                continue
            for trak, tbody, tend in _boxes(handle, body, end):
                if trak == "trak" and any(n == "edts" for n, _, _ in _boxes(handle, tbody, tend)):
                    return True
    return False


_PTS_TIME = re.compile(r"pts_time:\s*(-?[\d.]+)")


def keyframe_times(path: str | Path) -> list[float]:
    """When each keyframe of the first video stream is shown (only keyframes are decoded)."""
    text = run(["-skip_frame", "nokey", "-i", str(path), "-map", "0:v:0", "-vf", "showinfo", "-f", "null", "-"])
    return [float(m[1]) for m in _PTS_TIME.finditer(text)]


def x264_options(path: str | Path, limit: int = 4 << 20) -> dict[str, str]:
    """The settings x264 wrote into the stream (its SEI text), e.g. ``open_gop``, ``keyint``."""
    with open(path, "rb") as handle:
        data = handle.read(limit)
    at = data.find(b"x264 - core")
    if at < 0:
        return {}
    text = data[at:at + 4000].split(b"\x00", 1)[0].decode("latin-1")
    return dict(pair.split("=", 1) for pair in text.split(" options: ", 1)[-1].split() if "=" in pair)
