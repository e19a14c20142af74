"""Visualize with an article image that cannot be trusted: every bad one falls
back to generated art with a logged reason; a good one is used."""

from __future__ import annotations

import io
import logging
import struct
import zlib

import pytest
from PIL import Image, ImageFile, ImageStat
from werkzeug import Response

from nexus_desktop.pipeline import visualize
from nexus_desktop.providers.images.download import ImageRejected, decode_image, fetch_image
from tests.conftest import make_article
from tests.test_visualize import script_dict

SCENES = ["Solid-state batteries reach a second pilot line", "A pressure frame keeps the stack compressed"]


def png_chunk(tag: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", zlib.crc32(tag + payload))


def make_bomb_png(width: int = 40000, height: int = 40000) -> bytes:
    """A valid 1-bit PNG of ``width``×``height`` (40000² fits in ~200 KB): one
    compressed block of blank rows, repeated (a full flush makes deflate blocks
    independent). ``height`` must be a multiple of 400."""
    rows = bytes(1 + width // 8) * 400
    comp = zlib.compressobj(9)
    piece = comp.compress(rows) + comp.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(height // 400):
        adler = zlib.adler32(rows, adler)
    idat = piece + piece[2:] * (height // 400 - 1) + b"\x03\x00" + struct.pack(">I", adler)
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


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
        ctx = make_context({"analyze": {"script": script_dict(SCENES)}}, article=make_article(image_url=url))
        return ctx, visualize.run(ctx)

    return run


def assert_fell_back(out, caplog, reason: str) -> None:
    assert out.results["background"]["source"] == "generated"
    assert reason in out.results["background"]["note"]
    assert any(reason in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert len(out.results["formats"]["1x1"]["backgrounds"]) == len(SCENES)


def test_article_photo_is_used_as_background(run_with_image, httpserver):
    httpserver.expect_request("/photo.jpg").respond_with_data(photo_jpeg(), content_type="image/jpeg")
    ctx, out = run_with_image(httpserver.url_for("/photo.jpg"), formats=("16x9", "1x1"))
    assert out.results["background"] == {"source": "article", "note": ""}
    with Image.open(ctx.job_dir / out.results["formats"]["16x9"]["backgrounds"][0]) as image:
        assert image.size == (1920, 1080)
        red, green, _ = ImageStat.Stat(image.crop((1400, 0, 1920, 500))).mean
    assert red > green, "the orange half of the photo should show, tinted and darkened"
    assert len(httpserver.log) == 1, "the photo is downloaded once for all formats and scenes"


def test_small_photo_sits_over_a_blurred_copy_of_itself(run_with_image, httpserver):
    httpserver.expect_request("/small.jpg").respond_with_data(photo_jpeg((480, 320)), content_type="image/jpeg")
    ctx, out = run_with_image(httpserver.url_for("/small.jpg"), formats=("9x16",))
    assert out.results["background"]["source"] == "article"
    with Image.open(ctx.job_dir / out.results["formats"]["9x16"]["backgrounds"][1]) as image:
        assert image.size == (1080, 1920)


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
