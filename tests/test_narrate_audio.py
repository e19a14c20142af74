"""Audio helpers the narrate and render stages share: ffmpeg, WAV facts, loudness."""

from __future__ import annotations

import numpy as np
import pytest

from nexus_desktop.domain.errors import UserFixableError
from nexus_desktop.pipeline import audio


def speechlike(seconds: float, rate: int = 22050, level: float = 0.5) -> np.ndarray:
    """Bursts of a buzzy tone with pauses, peaky like speech."""
    t = np.arange(int(seconds * rate)) / rate
    buzz = sum(np.sin(2 * np.pi * 120 * h * t) / h for h in range(1, 6))
    syllables = (np.sin(2 * np.pi * 3.5 * t) > 0.2) * (0.4 + 0.6 * np.abs(np.sin(2 * np.pi * 0.7 * t)))
    signal = buzz * syllables
    return (signal / np.abs(signal).max() * level * 32767).astype(np.int16)


@pytest.mark.parametrize("seconds, level", [(2.5, 0.05), (12.0, 1.0)])
def test_normalize_lands_on_the_target_loudness_under_the_peak_ceiling(tmp_path, seconds, level):
    source, result = tmp_path / "in.wav", tmp_path / "out.wav"
    audio.write_wav(source, speechlike(seconds, level=level), 22050)
    measured = audio.normalize_loudness(source, result, lufs=-14.0, true_peak=-1.0)
    assert measured.integrated == pytest.approx(-14.0, abs=0.5)
    assert measured.true_peak <= -1.0
    info = audio.wav_info(result)
    assert (info.sample_rate, info.channels, info.sample_width) == (48000, 1, 2)
    assert info.duration == pytest.approx(seconds, abs=0.002)  # nothing shifted or cut
    assert audio.measure_loudness(result) == measured


def test_silence_cannot_be_normalized(tmp_path):
    audio.write_wav(tmp_path / "in.wav", np.zeros(22050, dtype=np.int16), 22050)
    with pytest.raises(UserFixableError, match="only silence"):
        audio.normalize_loudness(tmp_path / "in.wav", tmp_path / "out.wav")


def test_durations_from_the_header_and_from_ffmpeg_agree(tmp_path):
    audio.write_wav(tmp_path / "a.wav", speechlike(3.25), 22050)
    assert audio.wav_duration(tmp_path / "a.wav") == pytest.approx(3.25, abs=1e-4)
    assert audio.media_duration(tmp_path / "a.wav") == pytest.approx(3.25, abs=0.01)


def test_atomic_path_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "narration.wav"
    target.write_bytes(b"old")
    with pytest.raises(ValueError):
        with audio.atomic_path(target) as scratch:
            scratch.write_bytes(b"half")
            raise ValueError("crash")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["narration.wav"]
    with audio.atomic_path(target) as scratch:
        scratch.write_bytes(b"new")
    assert target.read_bytes() == b"new" and [p.name for p in tmp_path.iterdir()] == ["narration.wav"]
