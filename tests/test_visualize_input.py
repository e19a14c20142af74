"""Visualize with an article image that cannot be trusted: every bad one falls
back to generated art with a logged reason; a good one is used."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from PIL import Image, ImageFile, ImageStat
from werkzeug import Response

from nexus_desktop.pipeline import visualize
from nexus_desktop.providers.images.download import ImageRejected, decode_image, fetch_image
from tests.article_support import make_article
from tests.visualize_support import make_bomb_png, results_for, script_dict

SCENES = ["Solid-state batteries reach a second pilot line", "A pressure frame keeps the stack compressed"]



@pytest.fixture(scope="module")
def bomb_png() -> bytes:
    return make_bomb_png()


def photo_jpeg(size=(1600, 1000)) -> bytes:
    image = Image.new("RGB", size, (230, 90, 30))
    image.paste((20, 160, 90), (0, 0, size[0] // 2, size[1]))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture
def run_with_image(make_context, settings):
    settings.render.formats = ["1x1"]  # the fallback does not depend on the format; keep the run short

    def run(url, formats=("1x1",)):
        settings.render.formats = list(formats)
        # The stand-in serves images from this computer: so does the feed (a public feed's may not be).
        article = make_article(image_url=url, feed_url="http://127.0.0.1/feed.xml")
        ctx = make_context(results_for(script_dict(SCENES)), article=article)
        return ctx, visualize.run(ctx)

    return run


def assert_fell_back(out, caplog, reason: str) -> None:
    assert out.results["background"]["source"] == "generated"
    assert reason in out.results["background"]["note"]
    assert any(reason in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    plan = out.results["plan"]
    assert not any(shot["kind"] == "photo" for shot in plan["shots"])
    assert plan["skipped"] and reason in plan["skipped"][0]["reason"], "the reason stays with the job"


def photo_shots(out, name: str):
    plan = out.results["plan"]
    frames = next(f for f in plan["formats"] if f["name"] == name)
    return [(shot, drawn) for shot, drawn in zip(plan["shots"], frames["shots"]) if shot["kind"] == "photo"]


def test_article_photo_fills_the_frame_full_bleed(run_with_image, httpserver):
    httpserver.expect_request("/photo.jpg").respond_with_data(photo_jpeg(), content_type="image/jpeg")
    ctx, out = run_with_image(httpserver.url_for("/photo.jpg"), formats=("16x9", "1x1"))
    assert out.results["background"] == {"source": "article", "note": ""}
    shots = photo_shots(out, "16x9")
    assert shots, "the photo gets shots of its own"
    with Image.open(ctx.job_dir / shots[0][1]["background"]) as image:
        assert image.size[0] > 1920 and image.size[1] > 1080
        red, green, _ = ImageStat.Stat(image.crop((image.width - 400, 0, image.width, 400))).mean
    assert red > green, "the orange half of the photo shows at full strength"
    assert len(httpserver.log) == 1, "the photo is downloaded once for all formats and shots"


def test_small_photo_sits_over_a_blurred_copy_of_itself(run_with_image, httpserver):
    httpserver.expect_request("/small.jpg").respond_with_data(photo_jpeg((480, 420)), content_type="image/jpeg")
    ctx, out = run_with_image(httpserver.url_for("/small.jpg"), formats=("9x16",))
    assert out.results["background"]["source"] == "article"
    shot, drawn = photo_shots(out, "9x16")[0]
    with Image.open(ctx.job_dir / drawn["background"]) as image:
        grey = image.convert("L")

    def sharpest_step(y: int) -> int:
        row = [grey.getpixel((x, y)) for x in range(grey.width)]
        return max(abs(a - b) for a, b in zip(row, row[1:]))

    assert sharpest_step(grey.height // 2) > 40, "the photo itself stays sharp (its green/orange edge)"
    assert sharpest_step(40) < 15, "above it, a blurred fill rather than a blown-up photo"


@pytest.mark.expect_log("not using the article image")
def test_every_photo_of_the_article_is_used_and_bad_ones_are_skipped_with_a_reason(make_context, settings,
                                                                                   httpserver):
    settings.render.formats = ["9x16"]
    colours = [(230, 90, 30), (30, 90, 230), (40, 200, 80), (220, 200, 40)]
    for n, colour in enumerate(colours):
        image = Image.new("RGB", (1200, 900), colour)
        image.paste((0, 0, 0), (700, 300, 900, 500))  # the detail sits right of centre
        buffer = io.BytesIO()
        image.save(buffer, "JPEG")
        httpserver.expect_request(f"/p{n}.jpg").respond_with_data(buffer.getvalue(), content_type="image/jpeg")
    httpserver.expect_request("/tiny.jpg").respond_with_data(photo_jpeg((200, 150)), content_type="image/jpeg")
    httpserver.expect_request("/gone.jpg").respond_with_data("no", status=404)
    content = "".join(f'<p>Text.</p><img src="{httpserver.url_for(f"/p{n}.jpg")}">' for n in (1, 2, 3))
    content += f'<img src="{httpserver.url_for("/tiny.jpg")}"><img src="/gone.jpg">'
    article = make_article(image_url=httpserver.url_for("/p0.jpg"), content_html=content,
                           link=httpserver.url_for("/article.html"), feed_url=httpserver.url_for("/feed.xml"))
    ctx = make_context(results_for(script_dict()), article=article)
    out = visualize.run(ctx)
    plan = out.results["plan"]
    assert len(plan["photos"]) == 4
    assert {shot["photo"] for shot in plan["shots"] if shot["kind"] == "photo"} == {0, 1, 2, 3}
    reasons = {Path(s["source"]).name: s["reason"] for s in plan["skipped"]}
    assert "too small" in reasons["tiny.jpg"] and "404" in reasons["gone.jpg"]
    assert all(photo["focus"][0] > 0.5 for photo in plan["photos"]), "cropped around the detail, not the middle"


def test_of_forty_images_only_the_first_twelve_are_tried_and_the_best_six_kept(make_context, settings,
                                                                              httpserver):
    settings.render.formats = ["1x1"]
    httpserver.expect_request("/p.jpg").respond_with_data(photo_jpeg(), content_type="image/jpeg")
    content = "".join(f'<img src="{httpserver.url_for("/p.jpg")}?n={n}">' for n in range(40))
    article = make_article(image_url=None, content_html=content, feed_url=httpserver.url_for("/feed.xml"))
    ctx = make_context(results_for(script_dict()), article=article)
    out = visualize.run(ctx)
    plan = out.results["plan"]
    assert len(httpserver.log) == 12
    assert len(plan["photos"]) == 6
    assert sum("only the first 12" in s["reason"] for s in plan["skipped"]) == 28


def test_no_image_url_uses_generated_art(run_with_image):
    _, out = run_with_image(None)
    assert out.results["background"] == {"source": "generated", "note": "the article has no image"}


def test_article_images_can_be_turned_off(run_with_image, settings, httpserver):
    settings.images.use_article_image = False
    _, out = run_with_image(httpserver.url_for("/photo.jpg"))
    assert out.results["background"]["source"] == "generated"
    assert "images.use_article_image" in out.results["background"]["note"]
    assert not httpserver.log


def test_image_url_that_returns_html_falls_back(run_with_image, httpserver, caplog):
    html = "<html><script>track()</script><img src='pixel.gif'></html>"
    httpserver.expect_request("/story").respond_with_data(html, content_type="text/html; charset=utf-8")
    _, out = run_with_image(httpserver.url_for("/story"))
    assert_fell_back(out, caplog, "text/html, not an image")


def test_html_sent_as_image_falls_back(run_with_image, httpserver, caplog):
    httpserver.expect_request("/lying.png").respond_with_data("<html></html>", content_type="image/png")
    _, out = run_with_image(httpserver.url_for("/lying.png"))
    assert_fell_back(out, caplog, "not a readable image")


def test_decompression_bomb_is_refused_before_decoding(run_with_image, httpserver, caplog, bomb_png,
                                                        monkeypatch):
    assert len(bomb_png) < 300_000
    decoded = []
    original = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size) or original(self))
    httpserver.expect_request("/bomb.png").respond_with_data(bomb_png, content_type="image/png")
    _, out = run_with_image(httpserver.url_for("/bomb.png"))
    assert_fell_back(out, caplog, "refused before decoding")
    assert (40000, 40000) not in decoded


def test_bomb_under_pillows_own_limit_is_refused_by_the_setting():
    # 9200×8800 = 81 Mpx: under Pillow's own warning limit, over our 60 Mpx default.
    with pytest.raises(ImageRejected, match="images.max_image_pixels"):
        decode_image(make_bomb_png(9200, 8800), max_pixels=60_000_000)


def test_fifty_megabyte_body_hits_the_size_cap(run_with_image, httpserver, caplog):
    httpserver.expect_request("/huge.jpg").respond_with_data(bytes(50 * 1024 * 1024), content_type="image/jpeg")
    _, out = run_with_image(httpserver.url_for("/huge.jpg"))
    assert_fell_back(out, caplog, "images.max_image_bytes")


def test_streamed_body_without_length_is_cut_at_the_cap(httpserver):
    sent = []

    def stream():
        for _ in range(50):
            sent.append(1)
            yield bytes(1024 * 1024)

    httpserver.expect_request("/stream.jpg").respond_with_handler(
        lambda request: Response(stream(), content_type="image/jpeg"))
    with pytest.raises(ImageRejected, match="over the 4,194,304-byte limit"):
        fetch_image(httpserver.url_for("/stream.jpg"), max_bytes=4 * 1024 * 1024, max_pixels=60_000_000)
    assert len(sent) < 50, "the download should stop at the cap, not read all 50 MB"


def test_http_error_falls_back(run_with_image, httpserver, caplog):
    httpserver.expect_request("/gone.jpg").respond_with_data("gone", status=404, content_type="image/jpeg")
    _, out = run_with_image(httpserver.url_for("/gone.jpg"))
    assert_fell_back(out, caplog, "HTTP 404")


def test_truncated_image_falls_back(run_with_image, httpserver, caplog):
    httpserver.expect_request("/cut.jpg").respond_with_data(photo_jpeg()[:2000], content_type="image/jpeg")
    _, out = run_with_image(httpserver.url_for("/cut.jpg"))
    assert out.results["background"]["source"] == "generated"
    assert "article image not used" in out.results["background"]["note"]


def test_unreachable_server_falls_back(run_with_image, caplog):
    _, out = run_with_image("http://127.0.0.1:9/photo.jpg")  # discard port: nothing listens
    assert_fell_back(out, caplog, "download failed")


def test_non_http_url_is_not_fetched(run_with_image, caplog):
    _, out = run_with_image("file:///etc/passwd")
    assert_fell_back(out, caplog, "not an http(s) URL")


def test_redirect_to_an_image_is_followed(httpserver):
    httpserver.expect_request("/old").respond_with_data("", status=302, headers={"Location": "/new.jpg"})
    httpserver.expect_request("/new.jpg").respond_with_data(photo_jpeg(), content_type="image/jpeg")
    image = fetch_image(httpserver.url_for("/old"), max_bytes=10_000_000, max_pixels=60_000_000)
    assert image.mode == "RGB" and image.size == (1600, 1000)


def test_transparent_png_is_flattened_and_large_jpeg_decoded_reduced():
    rgba = Image.new("RGBA", (64, 64), (255, 0, 0, 0))
    buffer = io.BytesIO()
    rgba.save(buffer, "PNG")
    assert decode_image(buffer.getvalue(), max_pixels=10_000).mode == "RGB"
    big = decode_image(photo_jpeg((4000, 3000)), max_pixels=60_000_000, target=(1920, 1080))
    assert big.size[0] < 4000 and big.size[0] >= 1920  # JPEG draft mode: decoded at 1/2 scale
