"""Audio helpers shared by the narrate and render stages.

Everything goes through ``nexus_desktop.ffmpeg`` (the binary imageio-ffmpeg ships; there
is no ffprobe): WAV facts come from the WAV header, other durations from ``ffmpeg -i``,
loudness from the ``ebur128`` filter (ITU-R BS.1770 integrated loudness and true
peak), the same meter the platforms use.
"""

from __future__ import annotations

import os
import tempfile
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..domain.errors import UserFixableError
from .. import ffmpeg
from ..ffmpeg import Loudness, measure_loudness

CancelCheck = Callable[[], bool]
DISK_FULL_HINT = ffmpeg.DISK_FULL_HINT


@contextmanager
def atomic_path(destination: Path) -> Iterator[Path]:
    """A temporary path beside ``destination`` that replaces it only if the block
    succeeds, so a crash or cancel never leaves half a file under the real name."""
    fd, name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.stem}-", suffix=destination.suffix)
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, destination)
    finally:
        temporary.unlink(missing_ok=True)


@dataclass(frozen=True)
class WavInfo:
    sample_rate: int
    channels: int
    sample_width: int  # bytes per sample
    frames: int

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


def wav_info(path: Path) -> WavInfo:
    with wave.open(str(path), "rb") as wav:
        return WavInfo(wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), wav.getnframes())


def wav_duration(path: Path) -> float:
    """Seconds of audio in a PCM WAV file, from its header."""
    return wav_info(path).duration


def media_duration(path: Path) -> float:
    """Seconds of any file ffmpeg can read, from the container's header."""
    info = ffmpeg.probe(path)
    if info.duration <= 0:
        raise ValueError(f"no duration in ffmpeg's description of {path}")
    return info.duration


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write mono 16-bit PCM."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(np.asarray(samples, dtype=np.int16).tobytes())


# Below this the file is silence as far as the meter is concerned (its gate is -70 LUFS).
SILENCE_LUFS = -60.0
_LEVEL_TOLERANCE = 0.3  # LU: how close each pass must land before we stop
_MAX_PASSES = 5


def normalize_loudness(
    source: Path,
    destination: Path,
    *,
    lufs: float = -14.0,
    true_peak: float = -1.0,
    sample_rate: int = 48000,
    cancelled: CancelCheck | None = None,
) -> Loudness:
    """Write ``source`` to ``destination`` as mono 16-bit WAV at ``lufs`` integrated
    loudness with true peaks at or below ``true_peak``; return what was measured.

    Speech peaks sit ~19 dB above its loudness, and -14 LUFS with -1 dBTP leaves
    room for 13: loudnorm's one-shot answer misses short clips by several LU
    (measured -19.7 and -15.6 for 2 s and 12 s of Piper speech). So: level the
    input, compress gently, add make-up gain, limit 4x oversampled (a true-peak
    limiter), and correct the gain from each pass's measurement until it lands.
    """
    measured = measure_loudness(source, cancelled=cancelled)
    if measured.integrated < SILENCE_LUFS:
        raise UserFixableError(
            "the voice produced only silence", hint="check that the narration contains words the voice can read"
        )
    pre_gain = -20.0 - measured.integrated
    gain, limit = lufs + 20.0, true_peak - 0.5
    tried: list[tuple[float, float]] = []
    best: tuple[float, float, float] | None = None  # (error, gain, limit)
    for _ in range(_MAX_PASSES):
        _render_level(source, destination, pre_gain, gain, limit, sample_rate, cancelled)
        result = measure_loudness(destination, cancelled=cancelled)
        error = abs(result.integrated - lufs)
        if result.true_peak <= true_peak and (best is None or error < best[0]):
            best = (error, gain, limit)
        if result.true_peak <= true_peak and error <= _LEVEL_TOLERANCE:
            return result
        if result.true_peak > true_peak:
            limit -= result.true_peak - true_peak + 0.1
        tried.append((gain, result.integrated))
        gain += (lufs - result.integrated) / _gain_slope(tried)
    if best is None:
        raise RuntimeError(f"could not bring the true peak of {source.name} under {true_peak} dBTP")
    _render_level(source, destination, pre_gain, best[1], best[2], sample_rate, cancelled)
    return measure_loudness(destination, cancelled=cancelled)


def _gain_slope(tried: list[tuple[float, float]]) -> float:
    """How many LU the output moves per dB of make-up gain: under 1, because the
    limiter takes back part of every dB."""
    if len(tried) < 2 or tried[-1][0] == tried[-2][0]:
        return 0.7
    (g1, l1), (g2, l2) = tried[-2], tried[-1]
    return min(1.0, max(0.2, (l2 - l1) / (g2 - g1)))


# A bare RIFF header: no LIST/INFO chunk, so any WAV reader (Python's wave too) reads it.
_PLAIN_WAV = ("-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact", "-f", "wav")


def _render_level(
    source: Path,
    destination: Path,
    pre_gain: float,
    gain: float,
    limit: float,
    rate: int,
    cancelled: CancelCheck | None,
) -> None:
    chain = ",".join(
        [
            f"volume={pre_gain:.2f}dB",
            "acompressor=threshold=-18dB:ratio=2.5:attack=5:release=100:knee=3",
            f"volume={gain:.2f}dB",
            "aresample=192000:resampler=soxr",
            f"alimiter=limit={10 ** (limit / 20):.4f}:attack=1:release=60:level=0:latency=1",
            f"aresample={rate}:resampler=soxr",
        ]
    )
    ffmpeg.run(
        ["-y", "-i", str(source), "-af", chain, "-ac", "1", "-c:a", "pcm_s16le", *_PLAIN_WAV, str(destination)],
        cancelled=cancelled,
    )
