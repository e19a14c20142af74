"""Helpers for the narrate tests (no tests here): a script's results and the checks every
narration must pass (asserts are rewritten: conftest.py registers this module)."""

from __future__ import annotations

import json
import wave

import pytest

from nexus_desktop import ffmpeg
from nexus_desktop.domain.content import Narration, PlatformText, Script

TWO_SENTENCES = (
    "A second pilot line for solid-state battery cells opened this week. "
    "Engineers say early cells kept 91 percent of their capacity after 800 full cycles!"
)


def script_results(narration: str, language: str = "en") -> dict:
    script = Script(
        title="Solid-state batteries reach a second pilot line",
        summary="A second pilot line opened.",
        narration=narration,
        scenes=(),
        titles=("Solid-state batteries",),
        description="",
        hashtags=(),
        platforms=PlatformText("", "", "", "", ""),
        language=language,
    )
    return {"analyze": {"script": script.to_dict()}}


def loudnorm_reading(path) -> dict:
    """Loudness as ffmpeg's loudnorm filter measures it: a second meter, not the
    one the stage uses."""
    log = ffmpeg.run(["-i", str(path), "-af", "loudnorm=print_format=json", "-f", "null", "-"])
    reading = json.loads(log[log.rindex("{") : log.rindex("}") + 1])
    return {key: float(value) for key, value in reading.items() if key.startswith("input_")}


def check_narration(ctx, output, text: str, *, loudness: bool = True) -> Narration:
    """What the render and caption stages rely on."""
    narration = Narration.from_dict(output.results["narration"])
    path = ctx.job_dir / narration.audio_path
    assert narration.audio_path == "narration.wav" and path.is_file()
    with wave.open(str(path)) as wav:
        header_duration = wav.getnframes() / wav.getframerate()
        assert wav.getframerate() == narration.sample_rate == 48000
        assert wav.getnchannels() == 1
    assert narration.duration > 0
    assert narration.duration == pytest.approx(header_duration, abs=1e-6)
    assert [w.word for w in narration.words] == text.split()
    previous_end = 0.0
    for word in narration.words:
        assert 0 <= previous_end <= word.start < word.end <= narration.duration
        previous_end = word.end
    (asset,) = output.assets
    assert asset.kind == "narration" and asset.path == "jobs/000001/narration.wav"
    assert asset.duration == narration.duration and asset.size == path.stat().st_size
    assert [p.name for p in ctx.job_dir.iterdir()] == ["narration.wav"]  # no scratch left behind
    if loudness:
        reading = loudnorm_reading(path)
        assert reading["input_i"] == pytest.approx(-14.0, abs=1.5)
        assert reading["input_tp"] <= -0.9
    return narration
