"""Helpers for the render tests (no tests here): a job's earlier results made by the test
itself, with a flat background and a card per shot, so anything else in a frame is an
overlay or a caption. ``small_formats`` and ``one_small`` are registered in conftest.py."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from nexus_desktop.domain.content import Narration, PlatformText, Scene, Script, VideoFormat, WordTiming
from nexus_desktop.domain.shots import FormatFrames, Layer, Shot, ShotFrames, ShotPlan
from nexus_desktop.pipeline.formats import active_formats
from nexus_desktop.pipeline.media_probe import ffmpeg_exe
from nexus_desktop.settings import CustomSize

SCENES = (
    "A second pilot line for solid-state cells opened this week.",
    "The new line keeps each stack compressed through every cycle.",
    "Volume production is still two years away.",
)
BACKGROUND = (0, 150, 60)  # flat, so anything else in a frame is an overlay or a caption
CARD = (220, 30, 30)
SMALL = [CustomSize(name="s16x9", width=320, height=180), CustomSize(name="s9x16", width=180, height=320),
         CustomSize(name="s1x1", width=240, height=240)]


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def make_inputs(job_dir: Path, formats: list[VideoFormat], seconds: float = 4.0,
                scenes: tuple[str, ...] = SCENES) -> dict:
    """Earlier stages' results as their contracts describe them, with files on disk:
    one shot per scene, a flat background each and a card layer."""
    (job_dir / "narration").mkdir(parents=True, exist_ok=True)
    ffmpeg("-f", "lavfi", "-i", f"anoisesrc=d={seconds}:c=pink:r=22050:a=0.3",
           "-af", "loudnorm=I=-14:TP=-2", "-ar", "22050", "-ac", "1", str(job_dir / "narration" / "voice.wav"))
    tokens = " ".join(scenes).split()
    step = (seconds - 0.4) / len(tokens)
    words = tuple(WordTiming(t, round(0.2 + i * step, 3), round(0.2 + (i + 0.8) * step, 3))
                  for i, t in enumerate(tokens))
    narration = Narration("narration/voice.wav", seconds, words, "test", "noise")
    script = Script(title="Solid-state batteries: a second pilot line", summary="s", narration=" ".join(scenes),
                    scenes=tuple(Scene(text, f"Headline {i}") for i, text in enumerate(scenes)),
                    titles=("t",), description="d", hashtags=("#x",), platforms=PlatformText("y", "y", "x", "i", "l"))
    shots = tuple(Shot("title", seconds * i / len(scenes), seconds * (i + 1) / len(scenes), text=f"Headline {i}",
                       drift=i) for i in range(len(scenes)))
    plan = ShotPlan(shots, formats=tuple(_draw(job_dir, fmt, len(scenes)) for fmt in formats))
    return {
        "analyze": {"script": script.to_dict()},
        "narrate": {"narration": narration.to_dict()},
        "visualize": {"plan": plan.to_dict()},
    }


def _draw(job_dir: Path, fmt: VideoFormat, scenes: int) -> FormatFrames:
    folder = job_dir / "visuals" / fmt.name
    folder.mkdir(parents=True, exist_ok=True)
    room = (fmt.width // 10 * 2 // 2, fmt.height // 10 * 2 // 2)
    room = (room[0] - room[0] % 2, room[1] - room[1] % 2)
    drawn = []
    for i in range(scenes):
        Image.new("RGB", (fmt.width + room[0], fmt.height + room[1]), BACKGROUND).save(folder / f"bg-{i}.jpg",
                                                                                       quality=95)
        card = card_box(fmt)
        Image.new("RGBA", (card[2] - card[0], card[3] - card[1]), (*CARD, 255)).save(folder / f"fg-{i}.png")
        drawn.append(ShotFrames(f"visuals/{fmt.name}/bg-{i}.jpg", room,
                                (Layer(f"visuals/{fmt.name}/fg-{i}.png", card[0], card[1]),)))
    return FormatFrames(fmt.name, fmt.width, fmt.height, tuple(drawn))


def card_box(fmt: VideoFormat) -> tuple[int, int, int, int]:
    """A headline card in the upper part of the safe area."""
    left, top = int(fmt.width * fmt.safe.left) + 4, int(fmt.height * fmt.safe.top) + 4
    return left, top, int(fmt.width * (1 - fmt.safe.right)) - 4, top + fmt.height // 8


@pytest.fixture
def small_formats(settings):
    settings.render.custom_sizes = list(SMALL)
    settings.render.formats = [s.name for s in SMALL]
    return active_formats(settings)


@pytest.fixture
def one_small(settings):
    settings.render.custom_sizes = [SMALL[0]]
    settings.render.formats = [SMALL[0].name]
    return active_formats(settings)
