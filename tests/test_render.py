"""Render stage with the real bundled ffmpeg, on inputs the test makes itself
(the analyze/narrate/visualize stages are not involved)."""

from __future__ import annotations

import re
import subprocess
import threading
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from nexus_desktop.domain.content import (
    FORMATS,
    Narration,
    PlatformText,
    Scene,
    Script,
    VideoFormat,
    WordTiming,
)
from nexus_desktop.domain.errors import Cancelled, UserFixableError
from nexus_desktop.domain.shots import FormatFrames, Layer, Shot, ShotFrames, ShotPlan
from nexus_desktop.pipeline import render
from nexus_desktop.pipeline.formats import active_formats
from nexus_desktop.pipeline.media_probe import (
    extract_frame,
    ffmpeg_exe,
    measure_loudness,
    probe,
    top_level_boxes,
)
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


def test_renders_every_format_at_its_size_and_the_narration_length(make_context, small_formats):
    seen: list[tuple[int, str]] = []
    ctx = make_context(progress=lambda percent, message: seen.append((percent, message)))
    ctx.results = make_inputs(ctx.job_dir, small_formats)

    out = render.run(ctx)

    videos = out.results["videos"]
    assert set(videos) == {"s16x9", "s9x16", "s1x1"}
    for fmt in small_formats:
        entry = videos[fmt.name]
        path = ctx.job_dir / entry["path"]
        assert path.name == f"solid-state-batteries-a-second-pilot-line-{fmt.name}.mp4"
        info = probe(path)
        assert abs(info.duration - 4.0) <= 0.1 and abs(entry["duration"] - 4.0) <= 0.1
        assert (info.video.width, info.video.height) == (fmt.width, fmt.height) == (entry["width"], entry["height"])
        assert info.video.codec == "h264" and info.video.pix_fmt == "yuv420p" and info.video.fps == 30
        assert info.audio is not None and info.audio.codec == "aac"
        boxes = top_level_boxes(path)
        assert boxes.index("moov") < boxes.index("mdat"), "faststart: moov must come first"
        assert (ctx.job_dir / entry["srt"]).is_file() and (ctx.job_dir / entry["vtt"]).is_file()
    kinds = sorted((a.kind, a.format) for a in out.assets)
    assert kinds.count(("video", "s9x16")) == 1 and kinds.count(("captions", "s9x16")) == 2
    assert all(a.checksum and a.size for a in out.assets)
    assert not list(ctx.job_dir.glob(".render-*")), "the work folder is removed"
    assert not list((ctx.job_dir / "videos").glob(".*")), "no partial files are left"
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and percents[-1] == 100
    assert any(re.fullmatch(r"Rendering s9x16 — \d+%", m) for _, m in seen)


def test_caption_files_have_increasing_times_inside_the_audio(make_context, small_formats):
    ctx = make_context()
    ctx.results = make_inputs(ctx.job_dir, small_formats)
    videos = render.run(ctx).results["videos"]

    for entry in videos.values():
        srt = (ctx.job_dir / entry["srt"]).read_text(encoding="utf-8")
        vtt = (ctx.job_dir / entry["vtt"]).read_text(encoding="utf-8")
        assert vtt.startswith("WEBVTT\n")
        for text, sep in ((srt, ","), (vtt, ".")):
            stamps = re.findall(rf"(\d\d):(\d\d):(\d\d){re.escape(sep)}(\d\d\d) --> (\d\d):(\d\d):(\d\d){re.escape(sep)}(\d\d\d)", text)
            assert stamps
            times = [(_secs(s[:4]), _secs(s[4:])) for s in stamps]
            flat = [t for pair in times for t in pair]
            assert flat == sorted(flat) and all(a < b for a, b in times)
            assert flat[0] >= 0 and flat[-1] <= 4.0
        spoken = " ".join(line for line in srt.splitlines() if line and "-->" not in line and not line.isdigit())
        assert spoken.split() == " ".join(SCENES).split()


def _secs(parts) -> float:
    h, m, s, ms = (int(p) for p in parts)
    return h * 3600 + m * 60 + s + ms / 1000


def test_full_size_portrait_keeps_captions_and_overlays_in_the_safe_area(make_context, settings, tmp_path):
    settings.render.custom_sizes = []
    settings.render.formats = ["9x16"]
    fmt = FORMATS["9x16"]
    ctx = make_context()
    ctx.results = make_inputs(ctx.job_dir, [fmt], seconds=3.0)

    entry = render.run(ctx).results["videos"]["9x16"]

    video = ctx.job_dir / entry["path"]
    assert (entry["width"], entry["height"]) == (1080, 1920)
    frame = Image.open(extract_frame(video, 1.5, tmp_path / "portrait.png")).convert("RGB")
    card = card_box(fmt)
    assert _close(frame.getpixel(((card[0] + card[2]) // 2, (card[1] + card[3]) // 2)), CARD)
    changed = [(x, y) for y in range(0, 1920, 4) for x in range(0, 1080, 4)
               if not _close(frame.getpixel((x, y)), BACKGROUND, 40) and not _inside((x, y), card)]
    assert changed, "a caption is on screen"
    xs, ys = [x for x, _ in changed], [y for _, y in changed]
    assert max(ys) < 1920 * (1 - fmt.safe.bottom), "captions stay above the bottom 22%"
    assert max(xs) < 1080 * (1 - fmt.safe.right), "captions stay clear of the button column"
    assert min(xs) >= 1080 * fmt.safe.left and min(ys) > card[3]


def _close(pixel, color, tolerance: int = 30) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, color))


def _inside(point, box, margin: int = 4) -> bool:
    return box[0] - margin <= point[0] <= box[2] + margin and box[1] - margin <= point[1] <= box[3] + margin


def test_cancel_stops_ffmpeg_within_a_second_and_leaves_no_video(make_context, settings):
    settings.render.custom_sizes = []
    settings.render.formats = ["9x16"]
    rendering = threading.Event()
    ctx = make_context(progress=lambda p, message: message.startswith("Rendering") and rendering.set())
    ctx.results = make_inputs(ctx.job_dir, [FORMATS["9x16"]], seconds=20.0)
    outcome: list[Cancelled] = []

    def work() -> None:
        try:
            render.run(ctx)
        except Cancelled as exc:
            outcome.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    assert rendering.wait(30)
    cancelled_at = time.monotonic()
    ctx.cancel_event.set()
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - cancelled_at < 1.0
    assert len(outcome) == 1, "the stage ends with Cancelled"
    assert not [p for p in (ctx.job_dir / "videos").iterdir()], "neither a video nor a partial file is left"
    assert not list(ctx.job_dir.glob(".render-*"))


def test_missing_ffmpeg_says_what_to_do(make_context, one_small, monkeypatch, tmp_path):
    ctx = make_context()
    ctx.results = make_inputs(ctx.job_dir, one_small)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(tmp_path / "no-such-ffmpeg"))

    with pytest.raises(UserFixableError) as caught:
        render.run(ctx)
    assert "ffmpeg is missing" in caught.value.message
    assert "IMAGEIO_FFMPEG_EXE" in caught.value.hint
    assert not (ctx.job_dir / "videos").exists()


def test_missing_scene_images_fail_with_a_reason(make_context, small_formats):
    ctx = make_context()
    ctx.results = make_inputs(ctx.job_dir, small_formats)
    frames = ShotPlan.from_dict(ctx.results["visualize"]["plan"]).frames_for("s1x1")
    (ctx.job_dir / frames.shots[1].background).unlink()
    with pytest.raises(UserFixableError, match="is missing"):
        render.run(ctx)
    assert not list((ctx.job_dir / "videos").glob("*-s1x1.mp4"))


def test_music_is_ducked_under_the_voice_and_the_mix_stays_near_minus_14_lufs(make_context, one_small, settings,
                                                                             tmp_path):
    music = tmp_path / "music.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=f=220:d=1.5:r=44100", "-af", "volume=-3dB", "-ac", "2", str(music))
    settings.render.music_path = str(music)
    ctx = make_context()
    ctx.results = make_inputs(ctx.job_dir, one_small)

    entry = render.run(ctx).results["videos"]["s16x9"]

    video = ctx.job_dir / entry["path"]
    assert probe(video).audio.channels == "stereo"
    loudness = measure_loudness(video)
    assert -16 <= loudness.integrated <= -12.5
    assert loudness.true_peak <= -1.0
    assert abs(probe(video).duration - 4.0) <= 0.1, "the music loops and is cut to the narration"


def test_without_music_the_narration_loudness_is_kept(make_context, one_small):
    ctx = make_context()
    ctx.results = make_inputs(ctx.job_dir, one_small)
    before = measure_loudness(ctx.job_dir / "narration" / "voice.wav")
    entry = render.run(ctx).results["videos"][one_small[0].name]
    after = measure_loudness(ctx.job_dir / entry["path"])
    assert abs(after.integrated - before.integrated) <= 0.5


def test_a_bad_music_file_is_the_creators_to_fix(make_context, one_small, settings, tmp_path):
    bad = tmp_path / "music.mp3"
    bad.write_text("<html>not audio</html>")
    settings.render.music_path = str(bad)
    ctx = make_context()
    ctx.results = make_inputs(ctx.job_dir, one_small)
    with pytest.raises(UserFixableError, match="music_path"):
        render.run(ctx)


def test_file_names_come_from_the_title():
    assert render.slugify("Solid-state batteries: a second pilot line!") == "solid-state-batteries-a-second-pilot-line"
    assert render.slugify("Ünïcode café") == "unicode-cafe"
    assert render.slugify("日本語のタイトル") == ""  # the stage then falls back to job-<id>


def test_non_latin_narration_renders_with_a_font_that_covers_it(make_context, one_small):
    scenes = ("Вторая пилотная линия открылась на этой неделе.", "Серийное производство ещё впереди.")
    ctx = make_context()
    ctx.results = make_inputs(ctx.job_dir, one_small, seconds=3.0, scenes=scenes)
    ctx.results["analyze"]["script"]["title"] = "Твердотельные батареи"

    entry = render.run(ctx).results["videos"]["s16x9"]

    assert entry["path"] == "videos/job-1-s16x9.mp4"
    assert "Вторая пилотная" in (ctx.job_dir / entry["srt"]).read_text(encoding="utf-8")
