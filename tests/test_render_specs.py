"""The encoded files pass every platform's upload spec: probed back from the file."""

from __future__ import annotations

import itertools

import pytest

from nexus_desktop.pipeline import render, upload_specs
from nexus_desktop.pipeline.media_probe import (
    has_edit_list,
    keyframe_times,
    measure_loudness,
    probe,
    top_level_boxes,
    x264_options,
)
from tests.render_support import ffmpeg, make_inputs


@pytest.fixture
def rendered(make_context, one_small):
    ctx = make_context()
    ctx.results = make_inputs(ctx.job_dir, one_small, seconds=5.0)
    entry = render.run(ctx).results["videos"][one_small[0].name]
    return ctx.job_dir / entry["path"]


def test_the_file_meets_each_upload_spec(rendered):
    info = probe(rendered)
    assert not has_edit_list(rendered), "no edit lists (Instagram, YouTube)"
    boxes = top_level_boxes(rendered)
    assert boxes.index("moov") < boxes.index("mdat"), "faststart"
    keys = keyframe_times(rendered)
    gaps = [b - a for a, b in itertools.pairwise([*keys, info.duration])]
    assert keys[0] == pytest.approx(0, abs=0.05) and max(gaps) <= 2.0 + 1e-3, f"keyframes at {keys}"
    options = x264_options(rendered)
    assert options["open_gop"] == "0", "closed GOPs"
    assert int(options["vbv_maxrate"]) == upload_specs.video_cap_kbps(), "the peak bitrate is capped"
    assert (info.audio.codec, info.audio.channels, info.audio.sample_rate) == ("aac", "stereo", 48000)
    assert info.video.color == ("bt709", "bt709", "bt709"), "BT.709 matrix, primaries and transfer tagged"


def test_loudness_lands_on_minus_14_lufs_with_headroom(rendered):
    loudness = measure_loudness(rendered)
    assert -15 <= loudness.integrated <= -13
    assert loudness.true_peak <= -1.5


def test_a_quiet_hot_narration_is_levelled_and_limited(make_context, one_small):
    ctx = make_context()
    ctx.results = make_inputs(ctx.job_dir, one_small, seconds=4.0)
    voice = ctx.job_dir / "narration" / "voice.wav"
    # quiet overall but with a full-scale click: the gain pushes the click into the limiter
    ffmpeg("-f", "lavfi", "-i", "anoisesrc=d=4:c=pink:r=22050:a=0.05", "-f", "lavfi", "-i",
           "sine=f=3000:d=0.02:r=22050", "-filter_complex", "[1:a]volume=8[c];[0:a][c]amix=inputs=2:normalize=0",
           "-ac", "1", str(voice))
    entry = render.run(ctx).results["videos"][one_small[0].name]
    loudness = measure_loudness(ctx.job_dir / entry["path"])
    assert -15 <= loudness.integrated <= -13
    assert loudness.true_peak <= -1.5


def test_each_render_stores_a_quality_report_per_format(make_context, one_small):
    from nexus_desktop.domain.quality import QualityReport

    ctx = make_context()
    ctx.results = make_inputs(ctx.job_dir, one_small, seconds=4.0)
    entry = render.run(ctx).results["videos"][one_small[0].name]
    report = QualityReport.from_dict(entry["quality"])
    names = {c.name: c for c in report.checks}
    for name in ("no edit lists", "keyframes", "closed GOP", "faststart", "BT.709 colour", "bitrate",
                 "stereo AAC 48 kHz", "loudness", "safe area", "motion", "caption timing"):
        assert name in names, name
    encode = [c for c in report.checks if c.name not in ("motion",)]
    assert all(c.passed for c in encode), [c for c in encode if not c.passed]
    assert "LUFS" in names["loudness"].detail and "ms" in names["caption timing"].detail
    assert report.failures_for("instagram") == tuple(c for c in report.checks if not c.passed)


def test_motion_figures_tell_a_still_picture_from_a_moving_one(tmp_path):
    import numpy as np

    from nexus_desktop.pipeline.quality import MotionSamples, motion_figures

    width, height = 32, 24
    still = np.full((20, height, width), 100, dtype=np.uint8)
    still[:, 20:, :] = np.arange(20, dtype=np.uint8)[:, None, None] * 10  # only the caption band changes
    (tmp_path / "still.gray").write_bytes(still.tobytes())
    longest, share, _ = motion_figures(MotionSamples(tmp_path / "still.gray", width, height), (20, 24))
    assert longest == 9.5 and share == 1.0, "the caption band aside, nothing moves"
    moving = np.stack([np.roll(np.tile(np.arange(width, dtype=np.uint8) * 8, (height, 1)), n, axis=1)
                       for n in range(20)])
    (tmp_path / "moving.gray").write_bytes(moving.tobytes())
    longest, share, median = motion_figures(MotionSamples(tmp_path / "moving.gray", width, height), (20, 24))
    assert longest == 0 and share == 0 and median > 1


def test_caption_timing_is_never_late():
    from nexus_desktop.domain.content import WordTiming
    from nexus_desktop.pipeline import captions as cap
    from nexus_desktop.pipeline.quality import _drift

    words = [WordTiming(w, 0.2 + i * 0.37, 0.2 + i * 0.37 + 0.3) for i, w in enumerate("one two three four".split())]
    check = _drift(cap.build_cues(words, 3.0, lambda line: True), 30)
    assert check.passed and "median" in check.detail
