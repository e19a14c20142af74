"""Every image an article carries, from the feed to the shot plan: several media:content,
media:thumbnail, image enclosures, <img> in the content, the page's og:image and
twitter:image; in order, each once, capped; a public feed's pictures never come from this
computer or its network (issue 14), a home server's may."""

from __future__ import annotations

import io
import json
import logging
from urllib.parse import urlsplit

import pytest
from PIL import Image

from nexus_desktop.domain.content import Narration, WordTiming
from nexus_desktop.pipeline import article_page, visualize
from nexus_desktop.pipeline.feed_parse import MAX_IMAGES, parse_feed
from nexus_desktop.pipeline.feeds import add_feeds
from nexus_desktop.pipeline.harvest import harvest
from nexus_desktop.settings import Settings
from tests.conftest import make_article
from tests.feed_server import FeedServer, Route

NARRATION = ("Solid-state batteries reach a second pilot line this week. Engineers say early cells kept 91 percent "
             "of their charge after 800 cycles. Volume production is still at least two years away.")


def results() -> dict:
    """Script and word timings for a short narration: what visualize reads of earlier stages."""
    words, t = [], 0.2
    narration_text = " ".join([NARRATION] * 3)  # about 30 s: room for a shot of every photo
    for token in narration_text.split():
        words.append(WordTiming(token, round(t, 3), round(t + 0.3, 3)))
        t += 0.36 + (0.35 if token.endswith(".") else 0.0)
    title = "Solid-state batteries reach a second pilot line"
    script = {"title": title, "summary": "s", "narration": narration_text,
              "scenes": [{"narration": narration_text, "headline": title, "keywords": ["battery"]}],
              "titles": [title], "description": "d", "hashtags": ["#batteries"], "language": "en",
              "platforms": {"youtube_title": title, "youtube_description": "d", "x_post": "x",
                            "instagram_caption": "c", "linkedin_post": "l"}}
    narration = Narration("narration/voice.wav", round(t + 0.3, 3), tuple(words), "test", "v")
    return {"analyze": {"script": script}, "narrate": {"narration": narration.to_dict()}}


def jpeg(size=(1200, 900), colour=(230, 90, 30)) -> bytes:
    image = Image.new("RGB", size, colour)
    image.paste((10, 10, 10), (size[0] // 2, size[1] // 3, size[0] * 3 // 4, size[1] * 2 // 3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def rss(items: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" '
            f'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Pictures</title>'
            f'<link>https://pictures.example.net/</link>{items}</channel></rss>').encode()


def item(n: int, images: str, content: str = "<p>Words.</p>", link: str = "") -> str:
    link = link or f"https://pictures.example.net/{n}"
    return (f"<item><title>Story {n}</title><link>{link}</link><guid>g{n}</guid>{images}"
            f"<description>A summary.</description><content:encoded><![CDATA[{content}]]></content:encoded></item>")


EVERY_KIND = item(1, images=(
    '<media:content url="https://cdn.example.net/a.jpg" medium="image" width="1600" height="900"/>'
    '<media:content url="https://cdn.example.net/clip.mp4" type="video/mp4"/>'
    '<media:content url="https://cdn.example.net/b.jpg" type="image/jpeg"/>'
    '<media:content url="https://cdn.example.net/c.webp"/>'
    '<media:thumbnail url="https://cdn.example.net/a-thumb.jpg"/>'
    '<enclosure url="https://cdn.example.net/d.png" type="image/png" length="1000"/>'
    '<enclosure url="https://cdn.example.net/episode.mp3" type="audio/mpeg" length="1000"/>'),
    content=('<p>One.</p><img src="https://cdn.example.net/e.jpg?w=1600&amp;q=80" alt="e">'
             '<img src="https://cdn.example.net/a.jpg">'  # the same picture again
             '<img src="https://pictures.example.net/pixel.gif" width="1" height="1">'
             '<img src="http://feeds.feedburner.com/~ff/pictures?d=yIl2AUoC8zA">'))


def test_every_image_of_an_item_is_kept_in_order_each_once():
    parsed = parse_feed(rss(EVERY_KIND), "application/rss+xml")
    got = parsed.items[0]
    names = [urlsplit(u).path.lstrip("/") for u in got.image_urls]
    assert got.image_urls[-1] == "https://cdn.example.net/e.jpg?w=1600&q=80", "as a browser reads it, &amp; undone"
    assert names == ["a.jpg", "b.jpg", "c.webp", "a-thumb.jpg", "d.png", "e.jpg"], \
        "videos, audio, tracking pixels and share buttons are not pictures; a repeat is kept once"
    assert got.image_url == "https://cdn.example.net/a.jpg", "the first stays the item's main image"


def test_an_item_with_forty_images_keeps_a_sensible_number():
    content = "".join(f'<img src="https://cdn.example.net/{n}.jpg">' for n in range(40))
    got = parse_feed(rss(item(1, "", content=content)), "application/rss+xml").items[0]
    assert len(got.image_urls) == MAX_IMAGES
    assert got.image_urls[:2] == ("https://cdn.example.net/0.jpg", "https://cdn.example.net/1.jpg")


def test_a_json_feed_item_gives_its_image_banner_and_image_attachments():
    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{
        "id": "1", "url": "https://j.example.net/1", "title": "T", "image": "https://j.example.net/i.jpg",
        "banner_image": "https://j.example.net/banner.jpg", "content_html": '<img src="https://j.example.net/c.jpg">',
        "attachments": [{"url": "https://j.example.net/att.png", "mime_type": "image/png"},
                        {"url": "https://j.example.net/ep.mp3", "mime_type": "audio/mpeg"}]}]}
    got = parse_feed(json.dumps(feed).encode(), "application/feed+json").items[0]
    assert [u.rsplit("/", 1)[1] for u in got.image_urls] == ["i.jpg", "banner.jpg", "att.png", "c.jpg"]


def test_a_json_feed_item_with_broken_attachments_is_skipped_with_a_reason():
    feed = {"version": "https://jsonfeed.org/version/1.1", "items": [
        {"id": "1", "title": "Bad", "content_text": "x", "attachments": {"url": "a.png"}},
        {"id": "2", "title": "Good", "content_text": "x"}]}
    parsed = parse_feed(json.dumps(feed).encode(), "application/feed+json")
    assert [i.title for i in parsed.items] == ["Good"]
    assert parsed.skipped == ("item 1 skipped: 'attachments' is an object, not a list",)


@pytest.fixture
def quick() -> Settings:
    settings = Settings()
    settings.harvest.timeout_seconds = 2.0
    return settings


def test_harvest_stores_every_image_with_the_item_and_the_job_reads_them(store, quick):
    with FeedServer() as server:
        server.routes["/feed.xml"] = Route(rss(EVERY_KIND))
        add_feeds(store, quick, server.url("/feed.xml"))
        assert harvest(store, quick).new_jobs == 1
    job = store.jobs.list()[0]
    assert job.source_title == "Pictures", "a new feed's first jobs carry its name"
    article = store.jobs.article(job.id)
    assert len(article.image_urls) == 6 and article.image_url == article.image_urls[0]
    assert article.feed_url == server.url("/feed.xml")


@pytest.fixture
def two_networks(monkeypatch):
    """Two servers on 127.0.0.1: ``public`` stands for the internet, ``intranet`` for the
    creator's own network (every check of an address asks this fixture)."""
    from nexus_desktop.pipeline import feed_fetch, harvest as harvest_module
    from nexus_desktop.providers import safe_http

    with FeedServer() as public, FeedServer() as intranet:
        port = intranet.httpd.server_address[1]

        def internal(url: str) -> bool:
            return urlsplit(url).port == port

        for module in (feed_fetch, harvest_module, article_page, safe_http):
            monkeypatch.setattr(module, "is_internal_address", internal)
        yield public, intranet


def test_a_public_feeds_images_on_the_local_network_are_dropped_at_harvest(store, quick, two_networks):
    public, intranet = two_networks
    images = (f'<media:content url="{intranet.url("/router.jpg")}" medium="image"/>'
              f'<media:content url="{public.url("/fine.jpg")}" medium="image"/>')
    public.routes["/feed.xml"] = Route(rss(item(1, images)))
    add_feeds(store, quick, public.url("/feed.xml"))
    harvest(store, quick)
    article = store.jobs.article(store.jobs.list()[0].id)
    assert article.image_urls == (public.url("/fine.jpg"),) and article.image_url == public.url("/fine.jpg")


# -- the article's page ------------------------------------------------------------------------

PAGE = """<html><head><title>Story</title>
<meta property="og:image" content="/img/og.jpg">
<meta property="og:image:secure_url" content="https://cdn.example.net/og-secure.jpg">
<meta name="twitter:image" content="/img/card.jpg">
<meta name="twitter:image:src" content="/img/og.jpg">
<meta property="og:image" content="data:image/png;base64,AAAA">
</head><body><article><h1>Story</h1>{body}</article></body></html>"""
LONG = "".join(f"<p>{NARRATION} Paragraph {n} adds more about the line and its cells.</p>" for n in range(6))


def test_the_pages_share_images_are_read_in_order():
    found = article_page.extract(PAGE.format(body=LONG), "https://pictures.example.net/1")
    assert found["images"][:3] == ["https://pictures.example.net/img/og.jpg", "https://cdn.example.net/og-secure.jpg",
                                   "https://pictures.example.net/img/card.jpg"], "relative made absolute, data: left out"
    assert found["image"]


def test_a_paywalled_pages_share_image_is_still_the_articles_picture():
    walled = PAGE.format(body="<p>Subscribe to continue reading.</p><form><input type=password></form>")
    found = article_page.extract(walled, "https://pictures.example.net/1")
    assert "html" not in found and "login" in found["reason"]
    assert found["images"][0] == "https://pictures.example.net/img/og.jpg"


def summary_article(server: FeedServer, feed_url: str, **overrides):
    values = dict(link=server.url("/story"), content_html="", summary_html="<p>A second pilot line opened.</p>",
                  feed_url=feed_url)
    values.update(overrides)
    return make_article(**values)


@pytest.mark.expect_log("not using the article image")
def test_every_photo_reaches_the_shot_plan_and_bad_ones_are_skipped_with_reasons(make_context, settings):
    """Feed images, content images and the page's og:image all reach visualize; a 404, a
    20 px image and an HTML page sent instead of a picture are skipped with a reason."""
    settings.render.formats = ["9x16"]
    with FeedServer() as site:
        for n, colour in enumerate([(230, 90, 30), (30, 90, 230), (40, 200, 80)]):
            site.routes[f"/feed-{n}.jpg"] = Route(jpeg(colour=colour), content_type="image/jpeg")
        site.routes["/img/og.jpg"] = Route(jpeg(colour=(220, 200, 40)), content_type="image/jpeg")
        site.routes["/tiny.jpg"] = Route(jpeg((20, 20)), content_type="image/jpeg")
        site.routes["/page.jpg"] = Route(b"<!doctype html><html>Not found</html>", content_type="text/html")
        site.routes["/story"] = Route(PAGE.format(body=LONG).encode(), content_type="text/html; charset=utf-8")
        feed_images = tuple(site.url(f"/feed-{n}.jpg") for n in range(3)) + (site.url("/gone.jpg"),)
        article = summary_article(site, site.url("/feed.xml"), image_url=feed_images[0], image_urls=feed_images,
                                  summary_html=f'<p>Short.</p><img src="{site.url("/tiny.jpg")}">'
                                               f'<img src="/page.jpg">')
        ctx = make_context(results(), article=article)
        page = article_page.whole_article(ctx)  # what analyze does: reads the page once, keeps it
        assert site.url("/img/og.jpg") in page.image_urls
        out = visualize.run(ctx)
    plan = out.results["plan"]
    used = sorted(urlsplit(p["source"]).path for p in plan["photos"])
    assert used == ["/feed-0.jpg", "/feed-1.jpg", "/feed-2.jpg", "/img/og.jpg"]
    assert {s["photo"] for s in plan["shots"] if s["kind"] == "photo"} == {0, 1, 2, 3}, "every photo gets a shot"
    reasons = {urlsplit(s["source"]).path: s["reason"] for s in plan["skipped"]}
    assert "HTTP 404" in reasons["/gone.jpg"]
    assert "too small: 20×20" in reasons["/tiny.jpg"]
    assert "text/html, not an image" in reasons["/page.jpg"]
    assert site.hits["/story"] == 1 and site.hits["/img/og.jpg"] == 1


@pytest.mark.expect_log("not using the article image")
def test_forty_feed_images_try_twelve_and_keep_the_best_six(make_context, settings):
    settings.render.formats = ["1x1"]
    with FeedServer() as site:
        urls = []
        for n in range(40):
            site.routes[f"/g{n}.jpg"] = Route(jpeg((1000 + n, 800)) if n % 5 else b"broken", content_type="image/jpeg")
            urls.append(site.url(f"/g{n}.jpg"))
        article = make_article(image_url=urls[0], image_urls=tuple(urls), feed_url=site.url("/feed.xml"))
        out = visualize.run(make_context(results(), article=article))
    plan = out.results["plan"]
    assert sum(site.hits.values()) == 12, "only the first twelve are downloaded"
    assert len(plan["photos"]) == 6
    assert sum("only the first 12" in s["reason"] for s in plan["skipped"]) == 28
    assert sum("not a readable image" in s["reason"] for s in plan["skipped"]) == 3


@pytest.mark.expect_log("not using the article image")
def test_a_public_feeds_page_found_internal_image_is_refused_with_a_logged_reason(make_context, settings, caplog,
                                                                                 two_networks):
    settings.render.formats = ["1x1"]
    public, intranet = two_networks
    intranet.routes["/camera.jpg"] = Route(jpeg(), content_type="image/jpeg")
    page = PAGE.replace("/img/og.jpg", intranet.url("/camera.jpg")).format(body=LONG)
    public.routes["/story"] = Route(page.encode(), content_type="text/html; charset=utf-8")
    ctx = make_context(results(), article=summary_article(public, public.url("/feed.xml")))
    assert intranet.url("/camera.jpg") in article_page.whole_article(ctx).image_urls
    out = visualize.run(ctx)
    assert intranet.hits == {}, "nothing was fetched from the local network"
    reason = next(s["reason"] for s in out.results["plan"]["skipped"] if s["source"] == intranet.url("/camera.jpg"))
    assert "on this computer or its local network, and the feed is on the public internet" in reason
    assert any(intranet.url("/camera.jpg") in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


def test_a_home_servers_feed_may_show_pictures_from_the_home_network(make_context, settings, two_networks):
    settings.render.formats = ["1x1"]
    _, intranet = two_networks
    intranet.routes["/camera.jpg"] = Route(jpeg(), content_type="image/jpeg")
    article = make_article(image_url=intranet.url("/camera.jpg"), image_urls=(intranet.url("/camera.jpg"),),
                           feed_url=intranet.url("/feed.xml"))
    out = visualize.run(make_context(results(), article=article))
    assert out.results["background"] == {"source": "article", "note": ""}
    assert intranet.hits["/camera.jpg"] == 1


@pytest.mark.expect_log("was not read")
def test_a_public_feeds_article_page_on_the_local_network_is_not_read(make_context, two_networks):
    public, intranet = two_networks
    intranet.routes["/story"] = Route(PAGE.format(body=LONG).encode(), content_type="text/html")
    article = summary_article(intranet, public.url("/feed.xml"))
    assert article_page.whole_article(make_context(article=article)) == article
    assert intranet.hits == {}


def test_cmyk_animated_and_transparent_photos_are_used_as_ordinary_pictures(tmp_path, settings):
    from nexus_desktop.pipeline import photos

    cmyk = io.BytesIO()
    Image.new("CMYK", (900, 700), (0, 200, 200, 0)).save(cmyk, "JPEG")
    frames = [Image.new("P", (800, 600), n) for n in (10, 200)]
    animated = io.BytesIO()
    frames[0].save(animated, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    clear = io.BytesIO()
    Image.new("RGBA", (800, 600), (255, 0, 0, 0)).save(clear, "PNG")
    with FeedServer() as site:
        site.routes["/cmyk.jpg"] = Route(cmyk.getvalue(), content_type="image/jpeg")
        site.routes["/moving.gif"] = Route(animated.getvalue(), content_type="image/gif")
        site.routes["/clear.png"] = Route(clear.getvalue(), content_type="image/png")
        urls = [site.url(p) for p in ("/cmyk.jpg", "/moving.gif", "/clear.png")]
        found = photos.collect(make_article(), tmp_path / "photos", job_dir=tmp_path, urls=urls,
                               fetch=photos.fetcher(settings, (1080, 1920), allow_internal=True))
    assert not found.skipped, found.skipped
    assert {p.source for p in found.photos} == set(urls)
    assert all(image.mode == "RGB" for image in found.images), "every picture is plain RGB for the frames"
    assert all((tmp_path / p.path).is_file() for p in found.photos)


def test_only_a_feed_on_this_computer_or_its_network_may_show_pictures_from_there(tmp_path):
    feed_file = tmp_path / "feed.xml"
    feed_file.write_text("<rss/>")
    assert article_page.internal_allowed(str(feed_file)), "a file added by hand"
    assert article_page.internal_allowed("http://127.0.0.1:8080/feed.xml")
    assert article_page.internal_allowed("http://192.168.1.20/feed.xml"), "a home server"
    assert not article_page.internal_allowed("https://news.example.net/feed.xml")
    assert not article_page.internal_allowed("http://8.8.8.8/feed.xml")
    assert not article_page.internal_allowed(""), "a feed no longer known may not"


def test_a_photo_fetched_once_is_read_from_the_job_folder_on_a_re_render(tmp_path):
    from nexus_desktop.pipeline import photos
    from nexus_desktop.providers.images.download import ImageRejected
    asked: list[str] = []

    def online(url: str) -> Image.Image:
        asked.append(url)
        if url.endswith("gone.jpg"):
            raise ImageRejected("HTTP 404")
        return Image.new("RGB", (800, 600), (200, 40, 40))

    fetch = photos.kept_locally(online, tmp_path / "fetched")
    first = fetch("https://example.org/a.jpg")
    with pytest.raises(ImageRejected):
        fetch("https://example.org/gone.jpg")

    def offline(url: str) -> Image.Image:
        raise ImageRejected("no network")

    again = photos.kept_locally(offline, tmp_path / "fetched")("https://example.org/a.jpg")
    assert again.size == first.size and again.getpixel((10, 10))[0] > 180
    assert asked == ["https://example.org/a.jpg", "https://example.org/gone.jpg"]
    with pytest.raises(ImageRejected):  # a refusal was not kept: it is asked again
        photos.kept_locally(offline, tmp_path / "fetched")("https://example.org/gone.jpg")
