"""Render stage with the real bundled ffmpeg, on inputs the test makes itself
(the analyze/narrate/visualize stages are not involved)."""

from __future__ import annotations

import re
import threading
import time

import pytest
from PIL import Image

from nexus_desktop.domain.content import FORMATS
from nexus_desktop.domain.errors import Cancelled, UserFixableError
from nexus_desktop.domain.shots import ShotPlan
from nexus_desktop.pipeline import render
from nexus_desktop.pipeline.media_probe import (
    extract_frame,
    measure_loudness,
    probe,
    top_level_boxes,
)
from tests.render_support import BACKGROUND, CARD, SCENES, card_box, ffmpeg, make_inputs


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
