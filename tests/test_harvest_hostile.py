"""Hostile and broken feeds: nothing is lost, nothing blows up, nothing local is read."""

from __future__ import annotations

import gzip
import json
import os
import time
import tracemalloc
import zlib

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from nexus_desktop.domain.errors import NexusError, UserFixableError
from nexus_desktop.pipeline.feed_fetch import fetch, make_client
from nexus_desktop.pipeline.feed_parse import parse_feed
from nexus_desktop.pipeline.feed_discovery import find_feed
from nexus_desktop.pipeline.feeds import add_feeds, list_entry_refusal
from nexus_desktop.pipeline.harvest import harvest
from nexus_desktop.providers.images.download import ImageRejected, download
from nexus_desktop.settings import Settings
from tests.article_support import SAMPLES
from tests.feed_server import FeedServer, Route


@pytest.fixture
def server():
    with FeedServer() as running:
        running.routes["/tech.xml"] = Route((SAMPLES / "tech-digest.rss.xml").read_bytes(), etag='"v1"')
        yield running


@pytest.fixture
def fast() -> Settings:
    settings = Settings()
    settings.harvest.timeout_seconds = 2.0
    settings.harvest.max_feed_bytes = 1024 * 1024
    return settings


# -- 1. validators are committed with the items ----------------------------------------------


@pytest.mark.expect_log("storing the items of")
def test_items_that_cannot_be_stored_are_fetched_again_next_time(store, server, fast, monkeypatch):
    from nexus_desktop.store import items as items_module

    add_feeds(store, fast, server.url("/tech.xml"))
    real_insert = items_module.insert

    def disk_full(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(items_module, "insert", disk_full)
    first = harvest(store, fast)
    assert "could not be stored" in first.failed[0].error and "disk is full" in first.failed[0].error
    assert store.jobs.count() == 0
    source = store.sources.list()[0]
    assert source.etag is None, "the new ETag must not be kept when the items were not"

    monkeypatch.setattr(items_module, "insert", real_insert)
    second = harvest(store, fast)
    assert second.new_jobs == 4 and not second.outcomes[0].not_modified
    assert store.sources.list()[0].etag == '"v1"' and store.sources.list()[0].last_error is None


# -- 2. a badly typed JSON Feed item is skipped, the rest goes on -----------------------------


def json_feed(items, version="https://jsonfeed.org/version/1.1") -> bytes:
    return json.dumps({"version": version, "title": "Typed badly", "items": items}).encode()


@pytest.mark.expect_log("skipped")
def test_badly_typed_json_feed_items_are_skipped_with_their_reason(store, server, fast):
    server.routes["/bad.json"] = Route(json_feed([
        {"id": "1", "url": "https://j.example.net/1", "title": "Good one", "content_text": "Fine words."},
        {"id": "2", "url": "https://j.example.net/2", "title": "Picture", "content_text": "x", "image": {"url": "a.png"}},
        {"id": "3", "url": "https://j.example.net/3", "title": "Listed", "summary": ["a", "b"], "content_text": "y"},
        {"id": "4", "url": "https://j.example.net/4", "title": 42, "content_text": "z"},
        "not an object",
        {"id": "6", "url": "https://j.example.net/6", "title": "Good two", "content_text": "More words."},
    ]), content_type="application/feed+json")
    add_feeds(store, fast, server.url("/bad.json"))
    add_feeds(store, fast, server.url("/tech.xml"))
    report = harvest(store, fast)
    assert report.new_jobs == 2 + 4 and not report.failed
    bad = next(o for o in report.outcomes if o.name == "Typed badly")
    assert bad.skipped == (
        "item 2 skipped: 'image' is an object, not text",
        "item 3 skipped: 'summary' is a list, not text",
        "item 4 skipped: 'title' is a number, not text",
        "item 5 skipped: the item is text, not an object",
    ) or [s.split(":")[0] for s in bad.skipped] == ["item 2 skipped", "item 3 skipped", "item 4 skipped", "item 5 skipped"]
    assert {"Good one", "Good two"} <= {j.title for j in store.jobs.list()}


def test_json_feed_version_1_over_http_is_accepted():
    parsed = parse_feed(json_feed([{"id": "a", "title": "Old style", "content_html": "<p>Hi</p>"}],
                                  version="http://jsonfeed.org/version/1"), "application/json")
    assert [i.title for i in parsed.items] == ["Old style"]


def test_an_item_carrying_nul_is_stored_without_it_and_the_rest_of_the_feed_too(store, server, fast):
    """PostgreSQL text cannot hold NUL: one such item made the whole feed fail there, every harvest."""
    server.routes["/nul.json"] = Route(json_feed([
        {"id": "1\u0000", "url": "https://j.example.net/1", "title": "Null\u0000 title", "content_text": "a\u0000b"},
        {"id": "2", "url": "https://j.example.net/2", "title": "Plain", "content_text": "Fine words."},
    ]), content_type="application/feed+json")
    server.routes["/nul.xml"] = Route(b'<?xml version="1.0"?><rss version="2.0"><channel><title>Nul&#0;s</title>'
                                      b"<item><guid>x&#0;1</guid><title>Zero&#0;width</title><description>d&#0;</description></item>"
                                      b"<item><guid>x2</guid><title>Other</title><description>ok</description></item>"
                                      b"</channel></rss>")
    add_feeds(store, fast, server.url("/nul.json"))
    add_feeds(store, fast, server.url("/nul.xml"))
    report = harvest(store, fast)
    assert not report.failed and report.new_jobs == 4
    assert sorted(j.title for j in store.jobs.list()) == ["Null title", "Other", "Plain", "Zerowidth"]
    assert sorted(s.title for s in store.sources.list()) == ["Nuls", "Typed badly"]
    assert harvest(store, fast).new_jobs == 0  # known again by their guids


def test_a_json_feed_nested_too_deeply_or_with_a_huge_number_is_a_clear_error():
    deep = b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(UserFixableError, match="nested too deeply"):
        parse_feed(deep, "application/feed+json")
    huge = b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": ' + b"9" * 5000 + b"}]}"
    with pytest.raises(UserFixableError, match="broken JSON feed"):
        parse_feed(huge, "application/feed+json")


# -- 3. entity expansion is refused before feedparser sees it ---------------------------------


def test_one_large_entity_repeated_is_refused_at_once(store, server, fast):
    big = b"x" * 100_000
    body = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + big + b'">]><rss version="2.0"><channel>'
            b"<title>Blow-up</title><item><title>t</title><description>" + b"&a;" * 200_000 + b"</description></item>"
            b"</channel></rss>")
    server.routes["/quadratic.xml"] = Route(body)
    add_feeds(store, fast, server.url("/quadratic.xml"))
    started = time.monotonic()
    report = harvest(store, fast)
    assert "declares entity &a; holding 100,000 characters" in report.failed[0].error
    assert time.monotonic() - started < 60  # a hang guard, not a speed target
    assert store.jobs.count() == 0


def test_nested_entities_are_refused_and_short_named_characters_still_read():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l "lol"><!ENTITY l2 "&l;&l;&l;&l;&l;&l;&l;&l;">]>'
              b"<rss><channel><item><title>&l2;</title></item></channel></rss>")
    with pytest.raises(UserFixableError, match="made of other entities"):
        parse_feed(laughs)
    utf16 = laughs.decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16")
    with pytest.raises(UserFixableError, match="made of other entities"):
        parse_feed(utf16)
    friendly = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;">]><rss version="2.0"><channel>'
                b"<title>Old&nbsp;blog</title><item><guid>1</guid><title>Hello&nbsp;there</title></item></channel></rss>")
    assert [i.title for i in parse_feed(friendly).items] == ["Hello there"]


def test_a_feed_naming_an_encoding_expat_cannot_read_is_still_guarded_and_read():
    """"UTF-16LE" named without a byte-order mark: expat refuses the name itself (a ValueError
    that ended the feed as an unexpected error); the guard falls back to looking at the bytes."""
    plain = ('<?xml version="1.0" encoding="utf-16-le"?><rss version="2.0"><channel><title>T</title>'
             "<item><guid>1</guid><title>Hello</title></item></channel></rss>")
    assert [i.title for i in parse_feed(plain.encode("utf-16-le")).items] == ["Hello"]
    hostile = plain.replace("<rss", '<!DOCTYPE rss [<!ENTITY a "' + "x" * 1000 + '">]><rss').replace("Hello", "&a;&a;")
    with pytest.raises(UserFixableError, match="refused: the feed declares entities"):
        parse_feed(hostile.encode("utf-16-le"))


# -- 4. decompression is bounded across every Content-Encoding layer ------------------------


def gzip_stream(size: int) -> bytes:
    """gzip of ``size`` zero bytes, built without holding them in memory."""
    out = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block, parts = b"\0" * (1 << 20), []
    for _ in range(size >> 20):
        parts.append(out.compress(block))
    parts.append(out.flush())
    return b"".join(parts)


@pytest.fixture(scope="module")
def double_gzip_bomb() -> bytes:
    """256 MB of zeros, gzipped twice: a few hundred bytes on the wire."""
    return gzip.compress(gzip_stream(256 << 20))


def peak_mib(work) -> float:
    tracemalloc.start()
    try:
        work()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak / (1 << 20)


def test_a_double_gzip_feed_stops_at_the_cap_without_inflating(server, fast, double_gzip_bomb):
    server.routes["/bomb.xml"] = Route(double_gzip_bomb, encoded=True, headers={"Content-Encoding": "gzip, gzip"})
    errors = []

    def work():
        with make_client(fast.harvest) as client:
            try:
                fetch(client, server.url("/bomb.xml"), etag=None, last_modified=None, max_bytes=fast.harvest.max_feed_bytes)
            except NexusError as exc:
                errors.append(str(exc))

    assert peak_mib(work) < 32, "the bomb was inflated in memory"
    assert errors == ["feed is larger than 1 MB; stopped reading"]


def test_a_double_gzip_image_stops_at_the_cap_without_inflating(server, double_gzip_bomb):
    server.routes["/bomb.png"] = Route(double_gzip_bomb, content_type="image/png", encoded=True,
                                       headers={"Content-Encoding": "gzip, gzip"})
    errors = []

    def work():
        try:
            download(server.url("/bomb.png"), max_bytes=2 << 20)
        except ImageRejected as exc:
            errors.append(str(exc))

    assert peak_mib(work) < 32, "the bomb was inflated in memory"
    assert errors == ["the image is over the 2,097,152-byte limit (images.max_image_bytes)"]


def test_layered_gzip_of_a_real_feed_still_reads(store, server, fast):
    body = (SAMPLES / "tech-digest.rss.xml").read_bytes()
    server.routes["/layered.xml"] = Route(gzip.compress(gzip.compress(body)), encoded=True,
                                          headers={"Content-Encoding": "gzip, gzip"})
    add_feeds(store, fast, server.url("/layered.xml"))
    assert harvest(store, fast).new_jobs == 4


# -- 5. lists may name only http(s) feeds; local files only by hand ---------------------------


def test_an_opml_list_cannot_point_the_harvest_at_local_files(store, fast, tmp_path):
    opml = tmp_path / "list.opml"
    secret = tmp_path / "secret.xml"
    secret.write_bytes((SAMPLES / "tech-digest.rss.xml").read_bytes())
    outlines = ["/dev/zero", "/dev/stdin", "/etc/passwd", "~/.bashrc", f"file://{secret}", str(secret),
                "https://feeds.example.net/ok.xml"]
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><body>'
                    + "".join(f'<outline text="f{n}" xmlUrl="{url}"/>' for n, url in enumerate(outlines)) + "</body></opml>")
    added = add_feeds(store, fast, str(opml))
    assert [a.url for a in added if a.created] == ["https://feeds.example.net/ok.xml"]
    assert all("not an http(s) address" in a.refused for a in added if not a.created)
    assert [s.url for s in store.sources.list()] == ["https://feeds.example.net/ok.xml"]


def test_a_list_from_the_internet_cannot_name_this_computer():
    assert list_entry_refusal("http://127.0.0.1:8080/admin", from_public_address=True)
    assert list_entry_refusal("http://[::1]/x", from_public_address=True)
    assert list_entry_refusal("http://192.168.1.1/feed", from_public_address=True)
    assert list_entry_refusal("http://localhost/feed", from_public_address=True)
    assert list_entry_refusal("http://127.0.0.1:8080/feed", from_public_address=False) == ""
    assert list_entry_refusal("https://news.example.net/feed", from_public_address=True) == ""


def test_a_list_from_the_internet_cannot_name_this_computer_by_a_host_name(store, monkeypatch):
    """A name that resolves to this computer's network counts as its address."""
    import socket

    from nexus_desktop.pipeline.feeds import add_opml_bytes

    addresses = {"intranet.corp.example": "10.0.0.5", "rebind.example": "127.0.0.1", "news.example": "93.184.215.14"}
    looked_up = []

    def resolve(host, *args, **kwargs):
        looked_up.append(host)
        if host not in addresses:
            raise socket.gaierror(socket.EAI_NONAME, "unknown")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addresses[host], 0))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    opml = ('<?xml version="1.0"?><opml version="2.0"><body>'
            + "".join(f'<outline text="f{n}" xmlUrl="{url}"/>' for n, url in enumerate([
                "http://intranet.corp.example/feed", "http://rebind.example:8080/admin", "https://news.example/feed",
                "https://news.example/other", "https://unknown.example/feed"]))
            + "</body></opml>").encode()
    added = add_opml_bytes(store, opml, from_public_address=True)
    assert [a.url for a in added if a.created] == [
        "https://news.example/feed", "https://news.example/other", "https://unknown.example/feed"]
    assert [a.refused for a in added if not a.created] == [
        "a list from the internet may not name feeds on this computer or its local network"] * 2
    assert sorted(looked_up) == ["intranet.corp.example", "news.example", "rebind.example", "unknown.example"]  # once each


@pytest.mark.timeout(30)
def test_a_pipe_or_device_added_by_hand_is_refused_not_read(store, fast, tmp_path):
    pipe = tmp_path / "feed.pipe"
    os.mkfifo(pipe)
    with make_client(fast.harvest) as client:
        for path in (str(pipe), "/dev/zero"):
            with pytest.raises(UserFixableError, match="not a regular file"):
                fetch(client, path, etag=None, last_modified=None, max_bytes=fast.harvest.max_feed_bytes)
    # Typed in Add feed or given to `nexus add-feed`: checked, then added, without reading the
    # device (/dev/zero filled memory until a MemoryError, a pipe hung the command).
    for path in ("/dev/null", str(pipe), "/dev/zero"):
        with pytest.raises(UserFixableError, match="not a regular file"):
            find_feed(path, fast)
        with pytest.raises(UserFixableError, match="not a regular file"):
            add_feeds(store, fast, path)
    assert store.sources.list() == []


# -- deadlines ----------------------------------------------------------------------------------


def test_a_feed_that_trickles_stops_at_the_total_deadline(store, server, fast):
    fast.harvest.deadline_seconds = 1.0
    server.routes["/trickle.xml"] = Route(b"<rss>" + b" " * 10_000 + b"</rss>", trickle=0.05)
    add_feeds(store, fast, server.url("/trickle.xml"))
    started = time.monotonic()
    report = harvest(store, fast)
    assert "took longer than 1 s to download" in report.failed[0].error
    assert time.monotonic() - started < 30  # a hang guard: without the deadline it takes 500 s


def test_an_image_that_trickles_stops_at_the_deadline(server):
    server.routes["/slow.png"] = Route(b"\x89PNG" + b"\0" * 10_000, content_type="image/png", trickle=0.05)
    with pytest.raises(ImageRejected, match="took longer than 1 s"):
        download(server.url("/slow.png"), max_bytes=1 << 20, deadline=1.0)


@pytest.mark.timeout(60)  # without the deadline each read below takes 500 s
def test_an_article_page_or_a_feed_being_added_that_trickles_stops_at_the_deadline(server, fast):
    from nexus_desktop.pipeline.article_page import read_page

    fast.harvest.deadline_seconds = 1.0
    server.routes["/slow.html"] = Route(b"<html><body>" + b" " * 10_000, content_type="text/html", trickle=0.05)
    assert "took longer than 1 s" in read_page(server.url("/slow.html"), fast, 0)["reason"]
    server.routes["/slow.xml"] = Route(b"<rss>" + b" " * 10_000 + b"</rss>", trickle=0.05)
    assert "took longer than 1 s" in find_feed(server.url("/slow.xml"), fast).note  # Add feed keeps it, says why


def test_an_image_on_this_computer_is_refused_for_a_public_feed(server):
    server.routes["/pic.png"] = Route(b"\x89PNG", content_type="image/png")
    with pytest.raises(ImageRejected, match="on this computer or its local network"):
        download(server.url("/pic.png"), max_bytes=1 << 20, allow_internal=False)
    assert download(server.url("/pic.png"), max_bytes=1 << 20) == b"\x89PNG"


def test_decoding_errors_are_a_clear_failure(server, fast):
    server.routes["/garbled.xml"] = Route(b"not gzip at all", encoded=True, headers={"Content-Encoding": "gzip"})
    with make_client(fast.harvest) as client, pytest.raises(NexusError, match="not valid gzip"):
        fetch(client, server.url("/garbled.xml"), etag=None, last_modified=None, max_bytes=1 << 20)
    assert httpx.DecodingError  # the error httpx itself would raise, reported as a sentence


# -- addresses on this computer's network ----------------------------------------------------


@pytest.fixture
def intranet(monkeypatch):
    """A second local server that stands for a service on the creator's network; the first
    server stands for the internet (both listen on 127.0.0.1 here)."""
    from urllib.parse import urlsplit

    from nexus_desktop.pipeline import feed_discovery, feed_fetch, harvest as harvest_module

    with FeedServer() as inside:
        port = inside.httpd.server_address[1]

        def internal(url: str) -> bool:
            return urlsplit(url).port == port

        monkeypatch.setattr(feed_fetch, "is_internal_address", internal)
        monkeypatch.setattr(harvest_module, "is_internal_address", internal)
        monkeypatch.setattr(feed_discovery, "is_internal_address", internal, raising=False)  # (absent before the fix)
        yield inside


def test_a_public_feed_cannot_redirect_the_app_into_the_local_network(store, server, fast, intranet):
    intranet.routes["/admin/feed.xml"] = Route((SAMPLES / "tech-digest.rss.xml").read_bytes())
    server.routes["/moved.xml"] = Route(b"", status=302, headers={"Location": intranet.url("/admin/feed.xml")})
    add_feeds(store, fast, server.url("/moved.xml"))
    report = harvest(store, fast)
    assert "is on this computer or its local network" in report.failed[0].error
    assert intranet.hits == {}, "the local service was called"


def test_a_public_feed_cannot_point_images_or_pages_into_the_local_network(store, server, fast, intranet):
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Outside</title>'
            f'<item><guid>1</guid><title>Inside job</title><link>{intranet.url("/router/reboot")}</link>'
            f'<description><![CDATA[<img src="{intranet.url("/cam.jpg")}"> words]]></description></item>'
            '<item><guid>2</guid><title>Fine</title><link>https://news.example.net/2</link>'
            '<description><![CDATA[<img src="https://news.example.net/2.jpg"> words]]></description></item>'
            '</channel></rss>').encode()
    server.routes["/outside.xml"] = Route(body)
    add_feeds(store, fast, server.url("/outside.xml"))
    assert harvest(store, fast).new_jobs == 2
    articles = {store.jobs.article(j.id).title: store.jobs.article(j.id) for j in store.jobs.list()}
    assert articles["Inside job"].image_url is None and not articles["Inside job"].link
    assert articles["Fine"].image_url == "https://news.example.net/2.jpg"
    assert articles["Fine"].link == "https://news.example.net/2"


def test_a_public_page_cannot_name_a_local_service_or_file_as_its_feed(server, fast, intranet, tmp_path):
    secret = tmp_path / "feed.xml"
    secret.write_bytes((SAMPLES / "tech-digest.rss.xml").read_bytes())
    intranet.routes["/admin/feed.xml"] = Route((SAMPLES / "tech-digest.rss.xml").read_bytes())
    server.routes["/blog"] = Route(
        ('<html><head><link rel="alternate" type="application/rss+xml" href="%s">'
         '<link rel="alternate" type="application/rss+xml" href="file://%s"></head><body>Blog</body></html>'
         % (intranet.url("/admin/feed.xml"), secret)).encode(), content_type="text/html; charset=utf-8")
    with pytest.raises(UserFixableError, match="could not be read"):
        find_feed(server.url("/blog"), fast)
    assert intranet.hits == {}, "the local service was called"
    server.routes["/blog"].body += b'<link rel="alternate" type="application/rss+xml" href="/tech.xml">'
    assert find_feed(server.url("/blog"), fast).url == server.url("/tech.xml")  # its own feed is still found
