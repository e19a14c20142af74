"""The Linux bundle's ffmpeg (packaging/ffmpeg_build.py: ``--disable-everything``, then
each component the app uses) does everything the app asks of ffmpeg: a real render
with music and a B-roll clip in every small format (image2 sequences of JPEG and TGA,
the graph from a file, libass captions, libx264 and AAC into MP4 with faststart, the
motion samples, the quality check's keyframes and loudness), narrate's levelling
(soxr), every kind of music file Settings offers, and pictures out as PNG.

Inputs are made first with imageio-ffmpeg's full build; then IMAGEIO_FFMPEG_EXE points
the app at the small one. It is built once per cache (scripts/setup.sh test builds it
while pip installs); a run that finds no cached build builds it, which takes minutes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nexus_desktop import ffmpeg
from nexus_desktop.domain.shots import ShotPlan
from nexus_desktop.pipeline import audio, render
from nexus_desktop.pipeline.media_probe import extract_frame, keyframe_times, top_level_boxes
from tests.render_support import BACKGROUND, make_inputs

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500),
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only the Linux bundle builds its ffmpeg")]


@pytest.fixture(scope="module")
def own_ffmpeg() -> str:
    spec = importlib.util.spec_from_file_location("ffmpeg_build", ROOT / "packaging" / "ffmpeg_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.build())


@pytest.fixture
def full_ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


ASS = """[Script Info]
ScriptType: v4.00+
PlayResX: 160
PlayResY: 90

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, Bold, Alignment, MarginV
Style: Default,DejaVu Sans,20,&H00FFFFFF,1,2,10

[Events]
Format: Layer, Start, End, Style, Text
Dialogue: 0,0:00:00.00,0:00:01.00,Default,Hello
"""


def make(exe: str, *args: str) -> None:
    subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-y", *args], check=True, timeout=120)


def test_it_is_the_small_build_with_only_what_the_app_uses(own_ffmpeg):
    assert ffmpeg.major_version(own_ffmpeg) == 7
    assert Path(own_ffmpeg).stat().st_size < 15e6
    encoders = subprocess.run([own_ffmpeg, "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
    assert "libx264" in encoders and " aac " in encoders and "libx265" not in encoders and "mpeg4" not in encoders


def test_a_graph_from_a_file_with_captions_encodes_h264_and_aac_into_mp4(own_ffmpeg, full_ffmpeg, tmp_path,
                                                                          monkeypatch):
    make(full_ffmpeg, "-f", "lavfi", "-i", "sine=f=440:d=1", str(tmp_path / "tone.wav"))
    (tmp_path / "captions.ass").write_text(ASS, encoding="utf-8")
    (tmp_path / "graph.txt").write_text("color=c=blue:s=160x90:d=1,format=rgba,ass=filename=captions.ass:alpha=1,"
                                        "format=yuv420p[v]", encoding="utf-8")
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", own_ffmpeg)
    ffmpeg.run(["-y", "-i", "tone.wav", "-/filter_complex", "graph.txt", "-map", "[v]", "-map", "0:a", "-c:v", "libx264",
                "-c:a", "aac", "out.mp4"], cwd=tmp_path)
    info = ffmpeg.probe(tmp_path / "out.mp4")
    assert {s.codec for s in info.streams} >= {"h264", "aac"}
    frame = Image.open(extract_frame(tmp_path / "out.mp4", 0.5, tmp_path / "frame.png")).convert("RGB")
    assert any(min(frame.getpixel((x, y))) > 200 for x in range(160) for y in range(50, 90)), "the caption is drawn"


def test_a_job_renders_every_format_with_music_and_a_broll_clip(own_ffmpeg, full_ffmpeg, make_context, small_formats,
                                                                 settings, monkeypatch, tmp_path):
    music = tmp_path / "music.mp3"
    make(full_ffmpeg, "-f", "lavfi", "-i", "sine=f=220:d=1.5:r=44100", "-ac", "2", "-c:a", "libmp3lame", str(music))
    clip = tmp_path / "clip.mp4"
    make(full_ffmpeg, "-f", "lavfi", "-i", "testsrc2=s=640x360:d=3:r=25", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         "-preset", "ultrafast", str(clip))
    settings.render.music_path = str(music)
    ctx = make_context()
    ctx.results = make_inputs(ctx.job_dir, small_formats, seconds=4.0)  # made with the full build
    (ctx.job_dir / "broll").mkdir()
    (ctx.job_dir / "broll" / "clip.mp4").write_bytes(clip.read_bytes())
    plan = ShotPlan.from_dict(ctx.results["visualize"]["plan"])
    formats = tuple(replace(f, shots=(f.shots[0], replace(f.shots[1], clip="broll/clip.mp4", layers=()), *f.shots[2:]))
                    for f in plan.formats)
    ctx.results["visualize"]["plan"] = replace(plan, formats=formats).to_dict()
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", own_ffmpeg)

    videos = render.run(ctx).results["videos"]

    assert set(videos) == {f.name for f in small_formats}
    for fmt in small_formats:
        entry = videos[fmt.name]
        path = ctx.job_dir / entry["path"]
        info = ffmpeg.probe(path)
        assert abs(info.duration - 4.0) <= 0.1 and (info.video.width, info.video.height) == (fmt.width, fmt.height)
        assert info.video.codec == "h264" and info.audio.codec == "aac" and info.audio.channels == "stereo"
        boxes = top_level_boxes(path)
        assert boxes.index("moov") < boxes.index("mdat")
        checks = {c["name"]: c for c in entry["quality"]["checks"]}
        assert "grey levels" in checks["motion"]["detail"]  # read from the raw grey samples this ffmpeg wrote
        # (the test's flat stills barely move, so the motion check itself may fail; every file check passes)
        failed = [c for name, c in checks.items() if not c["passed"] and name != "motion"]
        assert not failed, failed
        assert keyframe_times(path)[0] == 0.0
        loudness = ffmpeg.measure_loudness(path)
        assert -16 <= loudness.integrated <= -12.5
    first = small_formats[0]
    plan_shot = ShotPlan.from_dict(ctx.results["visualize"]["plan"]).shots[1]
    frame = Image.open(extract_frame(ctx.job_dir / videos[first.name]["path"], (plan_shot.start + plan_shot.end) / 2,
                                     tmp_path / "clip-frame.png")).convert("RGB")
    colours = {frame.getpixel((x, 40)) for x in range(0, frame.width, 16)}
    assert not all(all(abs(a - b) < 30 for a, b in zip(c, BACKGROUND)) for c in colours), "the clip shows"


def test_narration_is_levelled_with_soxr_into_plain_wav(own_ffmpeg, tmp_path, monkeypatch):
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", own_ffmpeg)
    t = np.arange(22050 * 3) / 22050
    speech = (np.sin(2 * np.pi * 180 * t) * (np.sin(2 * np.pi * 3 * t) > 0) * 8000).astype(np.int16)
    audio.write_wav(tmp_path / "in.wav", speech, 22050)
    measured = audio.normalize_loudness(tmp_path / "in.wav", tmp_path / "out.wav", lufs=-14.0, true_peak=-1.0)
    assert measured.integrated == pytest.approx(-14.0, abs=0.5) and measured.true_peak <= -1.0
    assert audio.wav_info(tmp_path / "out.wav").sample_rate == 48000


MUSIC = {  # what Settings › Render offers (*.mp3 *.wav *.ogg *.m4a *.flac), in the codecs those files carry
    "mp3": ("music.mp3", ["-c:a", "libmp3lame"]),
    "aac in m4a": ("music.m4a", ["-c:a", "aac"]),
    "alac in m4a": ("music-alac.m4a", ["-c:a", "alac"]),
    "flac": ("music.flac", ["-c:a", "flac"]),
    "vorbis in ogg": ("music.ogg", ["-c:a", "libvorbis"]),
    "opus in ogg": ("music-opus.ogg", ["-c:a", "libopus"]),
    "24-bit wav": ("music.wav", ["-c:a", "pcm_s24le"]),
}


@pytest.mark.parametrize("kind", list(MUSIC))
def test_every_kind_of_music_file_settings_offers_is_read(kind, own_ffmpeg, full_ffmpeg, tmp_path, monkeypatch):
    name, codec = MUSIC[kind]
    make(full_ffmpeg, "-f", "lavfi", "-i", "sine=f=330:d=2:r=48000", "-ac", "2", *codec, str(tmp_path / name))
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", own_ffmpeg)
    info = ffmpeg.probe(tmp_path / name)
    assert info.audio is not None and info.duration == pytest.approx(2.0, abs=0.1)
    assert ffmpeg.measure_loudness(tmp_path / name).integrated > -30  # decoded to the end, not just probed


@pytest.mark.parametrize("kind", ["png", "jpg", "webp", "hevc.mp4"])
def test_pictures_and_clips_are_read_and_a_frame_comes_out_as_png(kind, own_ffmpeg, full_ffmpeg, tmp_path,
                                                                   monkeypatch):
    """A frame out of a video at a time is extract_frame's (above); a still is read whole (ffmpeg 7.1 returns
    nothing for ``-ss`` before a single picture, which the app never asks)."""
    source = tmp_path / f"in.{kind}"
    if kind == "hevc.mp4":
        make(full_ffmpeg, "-f", "lavfi", "-i", "color=c=red:s=128x72:d=1:r=25", "-c:v", "libx265", "-pix_fmt",
             "yuv420p", "-x265-params", "log-level=error", str(source))
    else:
        Image.new("RGB", (128, 72), (220, 30, 30)).save(source)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", own_ffmpeg)
    ffmpeg.run(["-y", "-i", str(source), "-frames:v", "1", "-update", "1", str(tmp_path / "out.png")])
    frame = Image.open(tmp_path / "out.png").convert("RGB")
    assert frame.size == (128, 72)
    red, green, blue = frame.getpixel((64, 36))
    assert red > 180 and green < 80 and blue < 80
