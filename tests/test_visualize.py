"""Visualize stage: the files render reads, where the text sits, and how it reads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from nexus_desktop.domain.content import FORMATS, Script
from nexus_desktop.domain.errors import Cancelled, UserFixableError
from nexus_desktop.paths import AppPaths
from nexus_desktop.pipeline import visualize
from nexus_desktop.pipeline.context import StageContext
from nexus_desktop.providers.images.base import Palette
from nexus_desktop.providers.images.fonts import FontBook, bundled_font
from nexus_desktop.providers.images.pillow_cards import Brand, Styled, draw_foreground, draw_thumbnail
from nexus_desktop.settings import BrandingSettings, CustomSize, Settings
from tests.conftest import make_article

HEADLINES = [
    "Solid-state batteries reach a second pilot line",
    "A second pilot line doubles cell testing",
    "Ceramic layers promise denser, safer cells",
    "“91 percent capacity after 800 cycles”",
    "A pressure frame keeps the stack compressed through every charge cycle",
    "Volume production is at least two years away",
    "Next: pass the nail test without a frame",
    "What it means for electric cars",
]
KEYWORDS = [(), ("solid-state", "testing"), ("energy density", "fire risk"), (), ("pressure frame",),
            ("production",), ("nail-penetration",), ("EV", "range")]


def script_dict(headlines=HEADLINES, *, title="Solid-state batteries reach a second pilot line", language="en",
                keywords=None) -> dict:
    keywords = keywords if keywords is not None else KEYWORDS
    scenes = [
        {"narration": f"Narration for scene {i + 1}.", "headline": h,
         "keywords": list(keywords[i]) if i < len(keywords) else []}
        for i, h in enumerate(headlines)
    ]
    return {
        "title": title, "summary": "A summary.", "narration": "The narration.", "scenes": scenes,
        "titles": [title], "description": "A description.", "hashtags": ["#batteries", "#EV"],
        "platforms": {"youtube_title": title, "youtube_description": "d", "x_post": "x",
                      "instagram_caption": "c", "linkedin_post": "l"},
        "language": language,
    }


def results_for(script: dict) -> dict:
    return {"analyze": {"script": script}}


def expected_region(name: str) -> tuple[int, int, int, int]:
    """Safe area, and above the captions: 55% of a 9:16 frame, 60% of the others."""
    fmt = FORMATS[name]
    limit = 0.55 if name == "9x16" else 0.60
    return (round(fmt.width * fmt.safe.left), round(fmt.height * fmt.safe.top),
            round(fmt.width * (1 - fmt.safe.right)), round(fmt.height * limit))


def inside(bbox, region) -> bool:
    return bbox[0] >= region[0] and bbox[1] >= region[1] and bbox[2] <= region[2] and bbox[3] <= region[3]


@pytest.fixture
def run_stage(make_context, settings):
    settings.branding.channel_name = "Tech Explained"

    def run(script=None, **kwargs):
        ctx = make_context(results_for(script or script_dict()), **kwargs)
        return ctx, visualize.run(ctx)

    return run


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """One full run (3 formats × 8 scenes) shared by the read-only checks."""
    settings = Settings()
    settings.branding.channel_name = "Tech Explained"
    ctx = StageContext(1, make_article(), settings, AppPaths.resolve(tmp_path_factory.mktemp("data")),
                       results_for(script_dict()))
    return ctx, visualize.run(ctx)


def test_every_format_gets_a_background_and_foreground_per_scene(default_run):
    ctx, out = default_run
    formats = out.results["formats"]
    assert list(formats) == ["16x9", "9x16", "1x1"]
    for name, entry in formats.items():
        fmt = FORMATS[name]
        assert len(entry["backgrounds"]) == len(entry["foregrounds"]) == len(HEADLINES)
        for n, (bg, fg) in enumerate(zip(entry["backgrounds"], entry["foregrounds"], strict=True), start=1):
            assert bg == f"visuals/{name}/scene-{n:02d}-bg.jpg"
            assert fg == f"visuals/{name}/scene-{n:02d}-fg.png"
            with Image.open(ctx.job_dir / bg) as image:
                assert (image.format, image.mode, image.size) == ("JPEG", "RGB", (fmt.width, fmt.height))
            with Image.open(ctx.job_dir / fg) as image:
                assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (fmt.width, fmt.height))
    assert not list(ctx.job_dir.rglob("*.tmp")), "temporary files left behind"


def test_thumbnails_have_each_platforms_size(default_run):
    ctx, out = default_run
    sizes = {"16x9": (1280, 720), "9x16": (1080, 1920), "1x1": (1080, 1080)}
    assert set(out.results["thumbnails"]) == set(sizes)
    for name, path in out.results["thumbnails"].items():
        assert path == f"thumbnails/thumb-{name}.jpg"
        with Image.open(ctx.job_dir / path) as image:
            assert (image.format, image.size) == ("JPEG", sizes[name])


def test_assets_describe_every_file(default_run):
    ctx, out = default_run
    kinds = [a.kind for a in out.assets]
    assert kinds.count("thumbnail") == 3
    assert kinds.count("scene_image") == 3 * len(HEADLINES) * 2
    for asset in out.assets:
        path = ctx.paths.data / asset.path
        assert path.is_file() and asset.size == path.stat().st_size and len(asset.checksum) == 64
        assert asset.format in FORMATS
        assert asset.path.startswith("jobs/") and "\\" not in asset.path


def test_foreground_stays_in_the_safe_area_above_the_captions(default_run):
    ctx, out = default_run
    for name, entry in out.results["formats"].items():
        region = expected_region(name)
        for fg in entry["foregrounds"]:
            with Image.open(ctx.job_dir / fg) as image:
                bbox = image.getchannel("A").getbbox()
            assert bbox is not None, f"{fg} is empty"
            assert inside(bbox, region), f"{fg}: drawn at {bbox}, allowed {region}"


def test_foreground_is_transparent_outside_the_card(default_run):
    ctx, out = default_run
    with Image.open(ctx.job_dir / out.results["formats"]["9x16"]["foregrounds"][1]) as image:
        alpha = image.getchannel("A")
    lower = alpha.crop((0, int(alpha.height * 0.55), alpha.width, alpha.height))
    assert lower.getextrema() == (0, 0)


def test_generated_backgrounds_differ_per_scene_and_are_not_flat(default_run):
    ctx, out = default_run
    paths = out.results["formats"]["16x9"]["backgrounds"]
    images = [Image.open(ctx.job_dir / p).convert("L").resize((192, 108)) for p in paths]
    for image in images:
        assert ImageStat.Stat(image).stddev[0] > 4, "background is a flat colour"
    for a, b in zip(images, images[1:], strict=False):
        assert ImageStat.Stat(ImageChops.difference(a, b)).mean[0] > 3, "consecutive scenes look the same"
    assert out.results["background"] == {"source": "generated", "note": "the article has no image"}


def _cards_and_brand(script: dict):
    fonts = FontBook.from_branding("")
    script_obj = Script.from_dict(script)
    cards = visualize._card_specs(script_obj, make_article(), script_obj.title, fonts)
    palette = Palette.from_branding(BrandingSettings())
    return cards, Brand(palette, None, visualize._styled(fonts, "Tech Explained"))


def test_portrait_headlines_are_phone_sized():
    cards, brand = _cards_and_brand(script_dict())
    for card in cards:
        _, layout = draw_foreground(FORMATS["9x16"], card, brand)
        assert layout.headline.cap_height >= 70, card.headline.text


def test_first_scene_is_a_title_card_with_the_source(default_run):
    cards, _ = _cards_and_brand(script_dict())
    assert cards[0].title_card and cards[0].headline.text == HEADLINES[0]
    assert cards[0].kicker.text == "TECH DIGEST WEEKLY"
    assert cards[3].quote and cards[3].headline.text == "91 percent capacity after 800 cycles"
    assert [c.text for c in cards[7].chips] == ["EV", "range"]


def test_very_long_headline_is_fitted_not_clipped(run_stage):
    long = " ".join(["Regulators, carmakers and cell makers argue about pressure frames"] * 6)
    title = "An extraordinarily long article title " * 6
    ctx, out = run_stage(script_dict([title, long, "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen"]))
    for name, entry in out.results["formats"].items():
        for fg in entry["foregrounds"]:
            with Image.open(ctx.job_dir / fg) as image:
                assert inside(image.getchannel("A").getbbox(), expected_region(name))
    cards, brand = _cards_and_brand(script_dict([title, long]))
    _, layout = draw_foreground(FORMATS["9x16"], cards[1], brand)
    assert layout.headline.truncated and layout.headline.lines[-1].endswith("…")
    assert layout.headline.cap_height >= 70


def test_thumbnail_title_is_big_and_short_lined():
    fonts = FontBook.from_branding("")
    palette = Palette.from_branding(BrandingSettings())
    title = "Solid-state batteries reach a second pilot line after years of cracked cells and broken promises"
    face, text = fonts.face_for(title, headline=True)
    for size in [(1280, 720), (1080, 1920), (1080, 1080)]:
        background = Image.new("RGB", size, (200, 200, 200))  # a bright photo: the worst case
        image, layout = draw_thumbnail(background, Styled(text, face), Brand(palette), frozenset({"pilot"}))
        assert image.size == size
        assert layout.title.cap_height >= 0.06 * size[1] if size[0] > size[1] else layout.title.cap_height >= 55
        assert all(len(line.split()) <= 6 for line in layout.title.lines)
        assert not layout.title.truncated
        # white type with a black outline: both extremes are present where the title is
        box = layout.text_box
        crop = image.crop((box.left, box.top, box.right, box.bottom)).convert("L")
        assert crop.getextrema()[0] < 30 and crop.getextrema()[1] > 230


def test_custom_size_is_drawn_at_its_own_resolution(run_stage, settings):
    settings.render.formats = ["9x16"]
    settings.render.custom_sizes = [CustomSize(name="uhd", width=3840, height=2160)]
    ctx, out = run_stage(script_dict(HEADLINES[:2]))
    assert list(out.results["formats"]) == ["9x16", "uhd"]
    with Image.open(ctx.job_dir / out.results["formats"]["uhd"]["backgrounds"][1]) as image:
        assert image.size == (3840, 2160)
    with Image.open(ctx.job_dir / out.results["thumbnails"]["uhd"]) as image:
        assert image.size == (1280, 720)


def test_progress_rises_to_100(run_stage, settings):
    settings.render.formats = ["1x1"]
    seen = []
    run_stage(script_dict(HEADLINES[:3]), progress=lambda p, m: seen.append((p, m)))
    percents = [p for p, _ in seen]
    assert percents == sorted(percents) and percents[-1] == 100
    assert all(isinstance(m, str) and m for _, m in seen)


def test_cancel_stops_the_stage(make_context):
    ctx = make_context(results_for(script_dict()))
    drawn = threading.Event()

    def progress(percent, message):
        if "Drew" in message:
            drawn.set()
            ctx.cancel_event.set()

    ctx.progress_callback = progress
    with pytest.raises(Cancelled):
        visualize.run(ctx)
    assert drawn.is_set()
    assert not (ctx.job_dir / "thumbnails").exists() or not list((ctx.job_dir / "thumbnails").iterdir())


def test_rerun_with_fewer_scenes_leaves_no_stale_scene_files(run_stage, settings):
    settings.render.formats = ["1x1"]
    ctx, _ = run_stage(script_dict(HEADLINES[:4]))
    ctx, out = run_stage(script_dict(HEADLINES[:2]))
    files = sorted(p.name for p in (ctx.job_dir / "visuals" / "1x1").iterdir())
    assert files == ["scene-01-bg.jpg", "scene-01-fg.png", "scene-02-bg.jpg", "scene-02-fg.png"]


def test_logo_and_channel_name_are_drawn_inside_the_safe_area(run_stage, settings, tmp_path):
    logo = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    logo.paste((255, 0, 200, 255), (40, 40, 360, 360))
    logo.save(tmp_path / "logo.png")
    settings.branding.logo_path = str(tmp_path / "logo.png")
    ctx, out = run_stage(script_dict(HEADLINES[:2]))
    for name, entry in out.results["formats"].items():
        with Image.open(ctx.job_dir / entry["foregrounds"][1]) as image:
            r, g, b, _ = image.split()
        magenta = ImageChops.multiply(
            ImageChops.multiply(r.point(lambda v: 255 if v > 180 else 0), g.point(lambda v: 255 if v < 80 else 0)),
            b.point(lambda v: 255 if v > 150 else 0),
        )
        bbox = magenta.getbbox()
        assert bbox is not None, f"no logo in {name}"
        assert inside(bbox, expected_region(name))
        assert bbox[1] < FORMATS[name].height * 0.2, "logo should sit at the top"


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


def test_brand_font_and_colours_are_used(run_stage, settings):
    settings.render.formats = ["1x1"]
    settings.branding.font_path = str(bundled_font("DejaVuSans.ttf"))
    settings.branding.background_color = "#FFFFFF"
    settings.branding.text_color = "#FFFFFF"  # unreadable on white: the card must switch to dark text
    ctx, out = run_stage(script_dict(HEADLINES[:2]))
    with Image.open(ctx.job_dir / out.results["formats"]["1x1"]["foregrounds"][1]) as image:
        colors = {c for _, c in image.convert("RGBA").getcolors(1 << 20) if c[3] == 255}
    assert any(max(c[:3]) < 40 for c in colors), "expected dark text on the white card"


def test_script_without_scenes_fails_clearly(make_context):
    with pytest.raises(UserFixableError, match="no scenes"):
        visualize.run(make_context(results_for(script_dict([]))))


def test_full_disk_fails_with_what_to_do_and_leaves_no_partial_files(make_context, settings, monkeypatch):
    import errno

    settings.render.formats = ["1x1"]
    real_save = Image.Image.save

    def save(self, fp, *args, **kwargs):
        if str(fp).endswith(".tmp") and "fg.png" in str(fp):
            Path(fp).write_bytes(b"half")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", save)
    ctx = make_context(results_for(script_dict(HEADLINES[:2])))
    with pytest.raises(UserFixableError, match="disk is full") as err:
        visualize.run(ctx)
    assert "free some space" in err.value.hint
    assert not list(ctx.job_dir.rglob("*.tmp"))
