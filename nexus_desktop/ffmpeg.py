"""The one place that finds ffmpeg, runs it and reads what it prints.

- ``ffmpeg_exe``: the binary imageio-ffmpeg ships (or ``IMAGEIO_FFMPEG_EXE``),
  checked to run; a missing one is the creator's to fix, with what to do.
- ``run``: one ffmpeg process, killed within a fraction of a second of a cancel,
  with progress (``-progress pipe:1``) reported as a share of ``duration``; its
  log goes to a temporary file (a chatty ffmpeg never blocks on a full pipe) and
  a failure becomes ``FfmpegError`` quoting the last meaningful lines, or
  "the disk is full" when that is why.
- ``probe`` and ``measure_loudness``: what ``ffmpeg -i`` and the ``ebur128``
  meter print, read into frozen dataclasses (the bundled ffmpeg has no ffprobe).
"""

from __future__ import annotations

import errno
import functools
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .children import spawn
from .domain.errors import Cancelled, FfmpegError, UserFixableError

CancelCheck = Callable[[], bool]
FFMPEG_HINT = ("reinstall Nexus Desktop (it ships ffmpeg, or `pip install imageio-ffmpeg`), or set the "
               "IMAGEIO_FFMPEG_EXE environment variable to an ffmpeg binary")
DISK_FULL_HINT = "free some space on the disk that holds the data folder (or move it in Settings), then retry"
_POLL = 0.1

__all__ = ["FfmpegError", "ffmpeg_exe", "run", "probe", "parse_probe", "measure_loudness", "MediaInfo",
           "StreamInfo", "Loudness", "FFMPEG_HINT", "DISK_FULL_HINT"]


def ffmpeg_exe() -> str:
    """The ffmpeg that imageio-ffmpeg ships (or IMAGEIO_FFMPEG_EXE), checked to exist and run."""
    try:
        import imageio_ffmpeg

        exe = imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise UserFixableError(f"ffmpeg is missing: {exc}", hint=FFMPEG_HINT) from exc
    found = shutil.which(exe) if os.sep not in exe else (exe if os.access(exe, os.X_OK) else None)
    if not found:
        raise UserFixableError(f"ffmpeg is missing: {exe} does not exist or cannot be run", hint=FFMPEG_HINT)
    return found


def _is_cancelled(cancelled: CancelCheck | threading.Event | None) -> bool:
    if cancelled is None:
        return False
    return cancelled.is_set() if isinstance(cancelled, threading.Event) else bool(cancelled())


def run(args: Sequence[str], *, cwd: Path | None = None, cancelled: CancelCheck | threading.Event | None = None,
        duration: float = 0.0, on_progress: Callable[[float], None] | None = None,
        loglevel: str | None = None) -> str:
    """Run ``ffmpeg args``; return its log. ``on_progress`` gets the share (0–1) of
    ``duration`` seconds written so far. Raises Cancelled, FfmpegError, or
    UserFixableError (ffmpeg missing, disk full)."""
    if _is_cancelled(cancelled):
        raise Cancelled()
    exe = ffmpeg_exe()
    command = [exe, "-hide_banner", "-nostdin", "-nostats"]
    if loglevel:
        command += ["-loglevel", loglevel]
    if on_progress is not None:
        command += ["-progress", "pipe:1", "-stats_period", "0.5"]
    command += _for_version(exe, args)
    with tempfile.TemporaryFile() as log:
        try:
            spawned, options = spawn(command)  # dies with the app, even after kill -9
            proc = subprocess.Popen(spawned, cwd=cwd, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE if on_progress else subprocess.DEVNULL, stderr=log,
                                    creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0), **options)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise UserFixableError("the disk is full: ffmpeg could not start", hint=DISK_FULL_HINT) from exc
            raise UserFixableError(f"cannot run ffmpeg: {exc}", hint=FFMPEG_HINT) from exc
        with proc:
            _wait(proc, cancelled, duration, on_progress)
        log.seek(0)
        text = log.read().decode("utf-8", errors="replace")
    if proc.returncode != 0:
        if "No space left on device" in text or f"Errno {errno.ENOSPC}" in text:
            raise UserFixableError("the disk is full: ffmpeg could not finish writing", hint=DISK_FULL_HINT)
        raise FfmpegError(proc.returncode, text)
    if on_progress is not None:
        on_progress(1.0)
    return text


@functools.lru_cache(maxsize=8)
def major_version(exe: str) -> int | None:
    """ffmpeg's major version (``ffmpeg version 6.0-static``, ``n9.0.2-17-g…``); None if unknown (a git build)."""
    try:
        out = subprocess.run([exe, "-hide_banner", "-version"], capture_output=True, text=True, timeout=30,
                             creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0)).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.match(r"ffmpeg version n?(\d+)\.", out)
    return int(found[1]) if found else None


def _for_version(exe: str, args: Sequence[str]) -> list[str]:
    """``-/filter_complex FILE`` (ffmpeg 7 and later; 9 dropped the old spelling) as
    ``-filter_complex_script FILE`` for an ffmpeg 6 (the Linux bundle ships one: bench/README.md)."""
    args = list(args)
    if "-/filter_complex" in args and (major_version(exe) or 99) < 7:
        args[args.index("-/filter_complex")] = "-filter_complex_script"
    return args


def _wait(proc: subprocess.Popen, cancelled, duration: float, on_progress) -> None:
    progress = _Progress(proc) if on_progress is not None else None
    reported = -1.0
    try:
        while True:
            try:
                proc.wait(timeout=_POLL)
                return
            except subprocess.TimeoutExpired:
                pass
            if _is_cancelled(cancelled):
                proc.kill()
                proc.wait()
                raise Cancelled()
            if progress is not None and duration > 0:
                share = min(1.0, progress.seconds / duration)
                if share - reported >= 0.01:
                    reported = share
                    on_progress(share)
    except BaseException:  # stopped from outside (a farm task revoked, Ctrl+C): ffmpeg stops too
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        raise
    finally:
        if progress is not None:
            progress.thread.join(5)


class _Progress:
    """Reads ``-progress pipe:1`` on a thread, keeping the time written so far."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.seconds = 0.0
        self.thread = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        for raw in stream:
            key, _, value = raw.decode("ascii", errors="replace").strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit():
                self.seconds = max(self.seconds, int(value) / 1e6)


# --- reading `ffmpeg -i` ---------------------------------------------------------------------

_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM = re.compile(r"Stream #\d+:(\d+)[^:]*:\s*(Video|Audio|Subtitle|Data):\s*(\w+)(.*)")
_SIZE = re.compile(r",\s*(\d{2,5})x(\d{2,5})[\s,\[]")
_FPS = re.compile(r"([\d.]+)\s*fps")
_RATE = re.compile(r"(\d+)\s*Hz")
_LAYOUT = re.compile(r"Hz,\s*([^,]+),")
_PIX = re.compile(r"^(?:\s*\([^)]*\))*,\s*(\w+)(?:\(([^)]*)\))?")
_BITRATE = re.compile(r"(\d+)\s*kb/s")


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
    color: tuple[str, str, str] = ("", "", "")  # matrix, primaries, transfer ("" when untagged)
    bitrate_kbps: int = 0


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


def probe(path: str | Path, *, cancelled: CancelCheck | None = None) -> MediaInfo:
    """Duration and streams of ``path``; a file ffmpeg cannot read is a ValueError."""
    # With no output ffmpeg exits 1 by design ("At least one output file must be specified").
    try:
        text = run(["-i", str(path)], cancelled=cancelled)
    except FfmpegError as exc:
        text = exc.log
    return parse_probe(text, path)


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
    rate = _BITRATE.search(rest)
    kbps = int(rate[1]) if rate else 0
    if kind == "video":
        size, fps, pix = _SIZE.search(rest + " "), _FPS.search(rest), _PIX.search(rest)
        return StreamInfo(index, kind, codec, int(size[1]) if size else 0, int(size[2]) if size else 0,
                          float(fps[1]) if fps else 0.0, pix[1] if pix else "",
                          color=_color_tags(pix[2] if pix else None), bitrate_kbps=kbps)
    if kind == "audio":
        rate, layout = _RATE.search(rest), _LAYOUT.search(rest + ",")
        return StreamInfo(index, kind, codec, sample_rate=int(rate[1]) if rate else 0,
                          channels=layout[1].strip() if layout else "", bitrate_kbps=kbps)
    return StreamInfo(index, kind, codec)


def _color_tags(details: str | None) -> tuple[str, str, str]:
    """From ``yuv420p(tv, bt709, progressive)`` or ``(tv, bt709/bt709/bt709)``:
    matrix, primaries, transfer. ffmpeg writes one name when all three agree."""
    for part in (details or "").split(","):
        part = part.strip()
        if re.fullmatch(r"[\w-]+(/[\w-]+){2}", part):
            matrix, primaries, transfer = part.split("/")
            return matrix, primaries, transfer
        if part.startswith(("bt", "smpte", "unknown")) or part in ("gbr", "fcc", "ycgco"):
            return part, part, part
    return "", "", ""


# --- loudness ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loudness:
    integrated: float  # LUFS
    true_peak: float  # dBTP
    loudness_range: float  # LU


_SUMMARY_VALUE = {
    "integrated": re.compile(r"I:\s+(-?[\d.]+|-?inf) LUFS"),
    "loudness_range": re.compile(r"LRA:\s+(-?[\d.]+|-?inf) LU\b"),
    "true_peak": re.compile(r"Peak:\s+(-?[\d.]+|-?inf) dBFS"),
}


def measure_loudness(path: str | Path, *, cancelled: CancelCheck | None = None) -> Loudness:
    """EBU R128 integrated loudness, true peak and loudness range of the first audio stream."""
    meter = ["-i", str(path), "-map", "0:a:0", "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"]
    text = run(meter, cancelled=cancelled)
    if "Summary:" not in text:
        raise ValueError(f"no loudness summary for {path}")
    summary = text[text.rindex("Summary:"):]
    values = {}
    for name, pattern in _SUMMARY_VALUE.items():
        found = pattern.search(summary)
        if not found:
            raise ValueError(f"no {name} in the loudness summary for {path}")
        values[name] = float(found.group(1))
    return Loudness(**values)
