"""Visualize stage: the shot plan (kinds, timing) and the pictures render reads."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest
from PIL import Image

from nexus_desktop.domain.content import FORMATS
from nexus_desktop.domain.errors import Cancelled, UserFixableError
from nexus_desktop.domain.shots import ShotPlan
from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline import visualize
from nexus_desktop.pipeline.context import StageContext
from nexus_desktop.providers.images.fonts import bundled_font
from nexus_desktop.providers.images.pillow_cards import thumbnail_size
from nexus_desktop.settings import CustomSize, Settings
from tests.article_support import make_article
from tests.visualize_support import HEADLINES, allowed_region, inside, results_for, script_dict


@pytest.fixture
def run_stage(make_context, settings):
    settings.branding.channel_name = "Tech Explained"

    def run(script=None, **kwargs):
        ctx = make_context(results_for(script or script_dict()), **kwargs)
        return ctx, visualize.run(ctx)

    return run


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """One full run (3 formats, no photo) shared by the read-only checks."""
    settings = Settings()
    settings.branding.channel_name = "Tech Explained"
    ctx = StageContext(1, make_article(), settings, AppPaths.resolve(tmp_path_factory.mktemp("data")),
                       results_for(script_dict()))
    return ctx, visualize.run(ctx)


def plan_of(out) -> ShotPlan:
    return ShotPlan.from_dict(out.results["plan"])


def test_shots_follow_the_narration_in_pieces_of_one_and_a_half_to_three_and_a_half_seconds(default_run):
    ctx, out = default_run
    plan = plan_of(out)
    duration = ctx.results["narrate"]["narration"]["duration"]
    assert plan.shots[0].start == 0 and plan.shots[-1].end == pytest.approx(duration)
    for a, b in zip(plan.shots, plan.shots[1:]):
        assert a.end == b.start
    for shot in plan.shots[:-1]:
        assert 1.5 - 1e-6 <= shot.duration <= 3.5 + 1e-6, shot
    assert 2.0 <= plan.shots[-1].duration <= 3.0, "the end card lasts 2-3 s"


def test_hook_first_end_card_last_and_each_kind_has_its_content(default_run):
    _, out = default_run
    shots = plan_of(out).shots
    assert shots[0].kind == "title" and shots[0].text == "Solid-state batteries reach a second pilot line"
    assert shots[-1].kind == "end" and shots[-1].text == "Tech Explained"
    stat = next(s for s in shots if s.kind == "stat")
    assert (stat.value, stat.unit, stat.text) == ("91", "%", "capacity")
    quote = next(s for s in shots if s.kind == "quote")
    assert quote.text == "We finally have a stack that survives real driving" and quote.who == "Lena Ortiz"
    icons = [s for s in shots if s.kind == "icon"]
    assert icons, "without photos, illustrated keywords carry the video"
    assert all(s.icon and s.text for s in icons)
    assert all(a.icon != b.icon for a, b in zip(icons, icons[1:])), "the same icon never twice in a row"
    assert not any(s.kind == "photo" for s in shots)


def test_every_format_has_a_moving_background_per_shot_and_layers_in_the_safe_area(default_run):
    ctx, out = default_run
    plan = plan_of(out)
    assert [f.name for f in plan.formats] == ["16x9", "9x16", "1x1"]
    for frames in plan.formats:
        fmt = FORMATS[frames.name]
        assert len(frames.shots) == len(plan.shots)
        sizes = set()
        for shot, drawn in zip(plan.shots, frames.shots):
            with Image.open(ctx.job_dir / drawn.background) as image:
                sizes.add(image.size)
                assert image.width >= fmt.width + drawn.room[0] and image.height >= fmt.height + drawn.room[1]
                assert min(drawn.room) > 0, "room to move"
        assert len(sizes) == 1, "one size per format: the render reads the backgrounds as one sequence"
        for shot, drawn in zip(plan.shots, frames.shots):
            if shot.kind in ("title", "stat", "quote", "icon", "end"):
                assert drawn.layers, f"{shot.kind} has something on it"
            for layer in drawn.layers:
                with Image.open(ctx.job_dir / layer.path) as image:
                    assert image.mode == "RGBA"
                    box = (layer.x, layer.y, layer.x + image.width, layer.y + image.height)
                assert inside(box, allowed_region(frames.name)), f"{frames.name} {shot.kind}: {box}"
    assert not list(ctx.job_dir.rglob("*.tmp")), "temporary files left behind"


def test_text_layers_enter_with_motion_and_the_hook_comes_word_by_word(default_run):
    _, out = default_run
    plan = plan_of(out)
    title = plan.formats[1].shots[0]
    starts = [layer.start for layer in title.layers]
    assert len(title.layers) == len(plan.shots[0].text.split()) and starts == sorted(starts) and starts[-1] > 0
    for shot, drawn in zip(plan.shots, plan.formats[1].shots):
        assert all(layer.motion in ("rise", "slide", "bob", "none") for layer in drawn.layers)
        if shot.kind == "icon":
            assert drawn.layers[0].motion == "bob", "an icon keeps floating"
        if shot.kind == "stat":
            assert len(drawn.layers) > 3 and drawn.layers[0].end is not None, "the number counts up"


def test_plan_round_trips_through_json(default_run):
    _, out = default_run
    data = json.loads(json.dumps(out.results["plan"]))
    assert ShotPlan.from_dict(data) == plan_of(out)


def test_three_thumbnails_per_format_with_the_first_as_default(default_run):
    ctx, out = default_run
    for name, fmt in FORMATS.items():
        variants = out.results["thumbnail_variants"][name]
        assert len(variants) == 3 and variants[0] == out.results["thumbnails"][name] == f"thumbnails/thumb-{name}.jpg"
        for path in variants:
            with Image.open(ctx.job_dir / path) as image:
                assert (image.format, image.size) == ("JPEG", thumbnail_size(fmt))


def test_thumbnail_headlines_have_at_most_five_words():
    from nexus_desktop.pipeline.thumbnails import headline

    assert headline("Solid-state batteries: a second pilot line opens this week") == "Solid-state batteries"
    assert headline("Engineers in Rotterdam are using fractal maps of the coastline") == "Engineers in Rotterdam are using"
    assert len(headline("one two three four five six seven").split()) == 5


def test_assets_describe_every_file(default_run):
    ctx, out = default_run
    kinds = [a.kind for a in out.assets]
    assert kinds.count("thumbnail") == 9
    for asset in out.assets:
        path = ctx.paths.data / asset.path
        assert path.is_file() and asset.size == path.stat().st_size and len(asset.checksum) == 64


def test_no_network_without_an_image_url_or_a_key(run_stage, settings, monkeypatch):
    settings.render.formats = ["1x1"]

    def refuse(*args, **kwargs):
        raise AssertionError("visualize opened a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    _, out = run_stage(article=make_article(image_url=None))
    assert out.results["background"] == {"source": "generated", "note": "the article has no image"}


def test_custom_size_is_drawn_at_its_own_resolution(run_stage, settings):
    settings.render.formats = ["9x16"]
    settings.render.custom_sizes = [CustomSize(name="uhd", width=3840, height=2160)]
    ctx, out = run_stage(script_dict(HEADLINES[:2]))
    plan = plan_of(out)
    assert [f.name for f in plan.formats] == ["9x16", "uhd"]
    uhd = plan.frames_for("uhd")
    with Image.open(ctx.job_dir / uhd.shots[0].background) as image:
        assert image.size[0] > 3840 and image.size[1] > 2160


def test_progress_rises_to_100(run_stage, settings):
    settings.render.formats = ["1x1"]
    seen: list[tuple[int, str]] = []
    run_stage(script_dict(HEADLINES[:3]), progress=lambda p, m: seen.append((p, m)))
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and percents[-1] == 100
    assert all(isinstance(m, str) and m for _, m in seen)


def test_cancel_stops_the_stage(make_context):
    drawn = threading.Event()

    def progress(percent, message):
        if message.startswith("Drew"):
            drawn.set()
            ctx.cancel_event.set()

    ctx = make_context(results_for(script_dict()), progress=progress)
    with pytest.raises(Cancelled):
        visualize.run(ctx)
    assert drawn.is_set()
    assert not (ctx.job_dir / "thumbnails").exists() or not list((ctx.job_dir / "thumbnails").iterdir())


def test_rerun_leaves_no_stale_shot_files(run_stage, settings):
    settings.render.formats = ["1x1"]
    ctx, first = run_stage(script_dict())
    ctx, out = run_stage(script_dict(HEADLINES[:2]))
    kept = {Path(p).name for s in plan_of(out).formats[0].shots for p in (s.background, *(x.path for x in s.layers))}
    files = {p.name for p in (ctx.job_dir / "visuals" / "1x1").iterdir()}
    assert files == kept


def test_logo_and_channel_name_are_on_the_end_card_inside_the_safe_area(run_stage, settings, tmp_path):
    logo = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    logo.paste((255, 0, 200, 255), (40, 40, 360, 360))
    logo.save(tmp_path / "logo.png")
    settings.branding.logo_path = str(tmp_path / "logo.png")
    ctx, out = run_stage(script_dict(HEADLINES[:3]))
    for frames in plan_of(out).formats:
        end = frames.shots[-1]
        found = False
        for layer in end.layers:
            with Image.open(ctx.job_dir / layer.path) as image:
                colors = {c[:3] for _, c in image.convert("RGBA").getcolors(1 << 22) if c[3] == 255}
                if (255, 0, 200) in colors:
                    found = True
                    assert inside((layer.x, layer.y, layer.x + image.width, layer.y + image.height),
                                  allowed_region(frames.name))
        assert found, f"no logo on the {frames.name} end card"


def test_missing_logo_is_an_error_naming_the_setting(run_stage, settings, tmp_path):
    settings.branding.logo_path = str(tmp_path / "nope.png")
    with pytest.raises(UserFixableError, match="branding.logo_path"):
        run_stage()


def test_logo_that_is_not_an_image_is_an_error_naming_the_setting(run_stage, settings, tmp_path):
    (tmp_path / "logo.png").write_text("<svg></svg>")
    settings.branding.logo_path = str(tmp_path / "logo.png")
    with pytest.raises(UserFixableError, match="branding.logo_path") as err:
        run_stage()
    assert "Settings" in err.value.hint


def test_broken_font_is_an_error_naming_the_setting(run_stage, settings, tmp_path):
    (tmp_path / "brand.ttf").write_bytes(b"not a font")
    settings.branding.font_path = str(tmp_path / "brand.ttf")
    with pytest.raises(UserFixableError, match="branding.font_path"):
        run_stage()


def test_brand_font_is_accepted(run_stage, settings):
    settings.render.formats = ["1x1"]
    settings.branding.font_path = str(bundled_font("DejaVuSans.ttf"))
    _, out = run_stage(script_dict(HEADLINES[:2]))
    assert plan_of(out).shots


def test_script_without_scenes_fails_clearly(make_context):
    with pytest.raises(UserFixableError, match="no scenes"):
        visualize.run(make_context(results_for(script_dict([]))))


def test_missing_narration_says_to_redo_narrate(make_context):
    with pytest.raises(UserFixableError, match="narration is missing") as err:
        visualize.run(make_context({"analyze": {"script": script_dict()}}))
    assert "narrate" in err.value.hint


def test_full_disk_fails_with_what_to_do_and_leaves_no_partial_files(make_context, settings, monkeypatch):
    import errno

    settings.render.formats = ["1x1"]
    real_save = Image.Image.save

    def save(self, fp, *args, **kwargs):
        if str(fp).endswith(".tmp") and "layer" in str(fp):
            Path(fp).write_bytes(b"half")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", save)
    ctx = make_context(results_for(script_dict(HEADLINES[:2])))
    with pytest.raises(UserFixableError, match="disk is full") as err:
        visualize.run(ctx)
    assert "free some space" in err.value.hint
    assert not list(ctx.job_dir.rglob("*.tmp"))
