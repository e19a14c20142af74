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
from tests.test_render import ffmpeg, make_inputs, one_small  # noqa: F401 (a fixture)


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
