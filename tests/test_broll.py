"""Stock B-roll from Pexels, against the local stand-in (tests/fakes/pexels_server.py):
used when a key is set, and a wrong key, a spent quota or a clip over the limits
leaves the offline shots and a note, never a failed job."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PIL import Image

from nexus_desktop import secrets
from nexus_desktop.domain.shots import ShotPlan
from nexus_desktop.pipeline import render, visualize
from nexus_desktop.pipeline.media_probe import extract_frame, probe
from tests.fakes.pexels_server import PexelsStandIn
from tests.render_support import BACKGROUND, ffmpeg, make_inputs
from tests.visualize_support import results_for, script_dict

KEY = "pexels-test-key"


@pytest.fixture(scope="module")
def clip_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=640x360:d=3:r=25", "-c:v", "libx264", "-pix_fmt", "yuv420p",
           "-preset", "ultrafast", str(path))
    return path.read_bytes()


@pytest.fixture
def pexels(settings, httpserver, monkeypatch, clip_bytes):
    monkeypatch.setattr(secrets, "get_secret", lambda name: KEY if name == "pexels_api_key" else None)
    settings.images.pexels_base_url = httpserver.url_for("")
    settings.render.formats = ["1x1"]
    settings.images.broll_shots = 2
    stand_in = PexelsStandIn(KEY, httpserver.url_for("/clips/clip.mp4"))
    httpserver.expect_request("/v1/videos/search").respond_with_handler(stand_in)
    httpserver.expect_request("/clips/clip.mp4").respond_with_data(clip_bytes, content_type="video/mp4")
    return stand_in


def downloads(httpserver) -> int:
    return sum(1 for request, _ in httpserver.log if request.path == "/clips/clip.mp4")


def test_with_a_key_a_few_shots_become_stock_clips_each_downloaded_once(make_context, pexels, httpserver,
                                                                        settings):
    settings.render.formats = ["1x1", "9x16"]
    ctx = make_context(results_for(script_dict()))
    plan = ShotPlan.from_dict(visualize.run(ctx).results["plan"])
    broll = [i for i, s in enumerate(plan.shots) if s.kind == "broll"]
    assert len(broll) == 2
    for frames in plan.formats:
        for i in broll:
            assert (ctx.job_dir / frames.shots[i].clip).is_file()
    assert {s["orientation"] for s in pexels.searches} == {"square", "portrait"}
    assert all(s["query"] for s in pexels.searches)
    first = downloads(httpserver)
    assert first == 4, "one clip per shot and orientation"
    visualize.run(make_context(results_for(script_dict())))
    assert downloads(httpserver) == first, "a query's clip is cached, not downloaded again"


@pytest.mark.parametrize(("setup", "reason"), [
    (lambda stand_in: setattr(stand_in, "key", "another-key"), "refused the key (401)"),
    (lambda stand_in: setattr(stand_in, "quota_left", 0), "over the Pexels quota (429)"),
    (lambda stand_in: setattr(stand_in, "duration", 600), "too long"),
    (lambda stand_in: setattr(stand_in, "videos", []), "no Pexels clip"),
], ids=["wrong-key", "over-quota", "clip-too-long", "no-result"])
@pytest.mark.expect_log("no B-roll for")
def test_failures_keep_the_offline_shots_and_leave_a_note(make_context, pexels, setup, reason):
    setup(pexels)
    out = visualize.run(make_context(results_for(script_dict())))
    plan = ShotPlan.from_dict(out.results["plan"])
    assert not any(s.kind == "broll" for s in plan.shots)
    assert any(reason in note for note in plan.notes), plan.notes


def test_a_broll_shot_renders_the_clip(make_context, one_small, clip_bytes, tmp_path):  # noqa: F811
    ctx = make_context()
    ctx.results = make_inputs(ctx.job_dir, one_small, seconds=4.0)
    (ctx.job_dir / "broll").mkdir()
    (ctx.job_dir / "broll" / "clip.mp4").write_bytes(clip_bytes)
    plan = ShotPlan.from_dict(ctx.results["visualize"]["plan"])
    frames = plan.formats[0]
    shots = list(frames.shots)
    shots[1] = replace(shots[1], clip="broll/clip.mp4", layers=())
    plan = replace(plan, formats=(replace(frames, shots=tuple(shots)),))
    ctx.results["visualize"]["plan"] = plan.to_dict()
    entry = render.run(ctx).results["videos"][one_small[0].name]
    video = ctx.job_dir / entry["path"]
    assert abs(probe(video).duration - 4.0) <= 0.1
    middle = (plan.shots[1].start + plan.shots[1].end) / 2
    frame = Image.open(extract_frame(video, middle, tmp_path / "f.png")).convert("RGB")
    colours = {frame.getpixel((x, 40)) for x in range(0, frame.width, 16)}
    assert not all(all(abs(a - b) < 30 for a, b in zip(c, BACKGROUND)) for c in colours), "the clip shows"
