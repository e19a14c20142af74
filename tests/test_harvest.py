"""Harvesting real feeds from a local server: good ones, bad ones, and repeats."""

from __future__ import annotations

import pytest

from nexus_desktop.pipeline.feeds import add_feeds, add_opml_bytes, export_feeds
from nexus_desktop.pipeline.harvest import harvest
from nexus_desktop.domain.errors import UserFixableError
from nexus_desktop.settings import Settings
from tests.article_support import SAMPLES
from tests.feed_server import FeedServer, Route

SAMPLE_TYPES = {
    "tech-digest.rss.xml": "application/rss+xml",
    "city-science.atom.xml": "application/atom+xml",
    "kitchen-lab.rss.xml": "application/rss+xml; charset=ISO-8859-1",
}


@pytest.fixture
def server():
    with FeedServer() as running:
        for name, ctype in SAMPLE_TYPES.items():
            running.routes[f"/{name}"] = Route((SAMPLES / name).read_bytes(), content_type=ctype, etag=f'"{name}-v1"')
        yield running


@pytest.fixture
def fast_settings() -> Settings:
    settings = Settings()
    settings.harvest.timeout_seconds = 2.0  # a good feed answers well within it on a loaded machine; /slow.xml never does
    settings.harvest.max_feed_bytes = 1024 * 1024
    return settings


def by_url(store):
    return {s.url: s for s in store.sources.list()}


def test_sample_feeds_harvested_twice_make_ten_jobs(store, server, fast_settings):
    for name in SAMPLE_TYPES:
        add_feeds(store, fast_settings, server.url(f"/{name}"))
    first = harvest(store, fast_settings)
    assert first.new_jobs == 10 and not first.failed
    second = harvest(store, fast_settings)
    assert second.new_jobs == 0 and all(o.not_modified for o in second.outcomes)
    assert server.not_modified == 3
    assert store.jobs.count() == 10
    titles = {j.title for j in store.jobs.list()}
    assert "Crème brûlée without a torch" in titles  # ISO-8859-1 decoded right


def test_a_feed_that_reorders_and_redates_makes_no_new_jobs(store, server, fast_settings):
    add_feeds(store, fast_settings, server.url("/tech-digest.rss.xml"))
    harvest(store, fast_settings)
    original = (SAMPLES / "tech-digest.rss.xml").read_text("utf-8")
    head, _, rest = original.partition("<item>")
    items = ["<item>" + part for part in rest.split("<item>")]
    items[-1], items[0] = items[0].replace("Mon, 23 Nov 2026", "Tue, 24 Nov 2026"), items[-1]
    server.routes["/tech-digest.rss.xml"] = Route((head + "".join(items)).encode(), etag='"v2"')
    assert harvest(store, fast_settings).new_jobs == 0
    assert store.jobs.count() == 4


BAD_FEEDS = {
    "/missing.xml": (None, "feed returned HTTP 404"),
    "/slow.xml": (Route(b"<rss/>", delay=5), "feed timed out"),
    "/page.html": (Route(b"<!DOCTYPE html><html><body>Hi</body></html>", content_type="text/html; charset=utf-8"), "not a feed: got text/html"),
    "/huge.xml": (Route(b"<rss>" + b" " * (2 * 1024 * 1024) + b"</rss>"), "larger than 1 MB"),
    "/broken.xml": (Route(b"<?xml version='1.0'?><foo><bar></foo>", content_type="application/xml"), "broken XML"),
    "/empty.xml": (Route(b"<?xml version='1.0'?><rss version='2.0'><channel><title>Quiet</title></channel></rss>"), "feed has no items"),
    "/server-error.xml": (Route(b"oops", status=503, content_type="text/plain"), "feed returned HTTP 503"),
}


def test_bad_feeds_record_a_clear_error_and_the_others_still_harvest(store, server, fast_settings):
    for path, (route, _) in BAD_FEEDS.items():
        if route is not None:
            server.routes[path] = route
        add_feeds(store, fast_settings, server.url(path))
    add_feeds(store, fast_settings, server.url("/tech-digest.rss.xml"))
    report = harvest(store, fast_settings)
    assert report.new_jobs == 4
    sources = by_url(store)
    for path, (_, message) in BAD_FEEDS.items():
        assert message in (sources[server.url(path)].last_error or ""), path
    assert sources[server.url("/tech-digest.rss.xml")].last_error is None


def test_a_failing_feed_loses_nothing_and_is_tried_again(store, server, fast_settings):
    add_feeds(store, fast_settings, server.url("/tech-digest.rss.xml"))
    harvest(store, fast_settings)
    good = server.routes["/tech-digest.rss.xml"]
    server.routes["/tech-digest.rss.xml"] = Route(b"down", status=500, content_type="text/plain")
    harvest(store, fast_settings)
    source = store.sources.list()[0]
    assert source.last_error == "feed returned HTTP 500" and source.item_count == 4
    assert store.jobs.count() == 4
    server.routes["/tech-digest.rss.xml"] = good
    hits = server.hits["/tech-digest.rss.xml"]
    harvest(store, fast_settings)
    assert server.hits["/tech-digest.rss.xml"] == hits + 1
    assert store.sources.list()[0].last_error is None


def test_a_wrongly_declared_encoding_still_reads(store, server, fast_settings):
    body = (SAMPLES / "kitchen-lab.rss.xml").read_bytes()  # ISO-8859-1 bytes
    server.routes["/liar.xml"] = Route(body.replace(b'encoding="ISO-8859-1"', b'encoding="UTF-8"'), content_type="application/rss+xml; charset=utf-8")
    add_feeds(store, fast_settings, server.url("/liar.xml"))
    assert harvest(store, fast_settings).new_jobs == 3


def test_local_files_json_feed_and_redirects(store, server, fast_settings, tmp_path):
    feed = tmp_path / "notes.json"
    feed.write_text(
        '{"version": "https://jsonfeed.org/version/1.1", "title": "Notes", "items": ['
        '{"id": "1", "url": "https://notes.example/1", "title": "First", "content_html": "<p>Hello there.</p>"}]}'
    )
    server.routes["/moved"] = Route(b"", status=301, headers={"Location": "/tech-digest.rss.xml"})
    add_feeds(store, fast_settings, str(feed))
    add_feeds(store, fast_settings, server.url("/moved"))
    assert harvest(store, fast_settings).new_jobs == 5
    assert harvest(store, fast_settings).new_jobs == 0  # the file answers "not modified" by its mtime


def test_opml_import_and_export_round_trip(store, fast_settings, tmp_path):
    added = add_feeds(store, fast_settings, str(SAMPLES / "feeds.opml"))
    assert [a.title for a in added] == ["City Science Notes", "Tech Digest Weekly", "Kitchen Lab"]
    exported = export_feeds(store, tmp_path / "out.opml")
    assert [a.created for a in add_opml_bytes(store, exported)] == [False, False, False]


def test_malformed_opml_names_the_line(store, fast_settings, tmp_path):
    bad = tmp_path / "bad.opml"
    bad.write_text('<?xml version="1.0"?>\n<opml version="2.0">\n<body>\n<outline text="x" xmlUrl="http://a/b">\n</body></opml>\n')
    with pytest.raises(UserFixableError, match="line 5"):
        add_feeds(store, fast_settings, str(bad))
    assert store.sources.list() == []


def test_example_domains_are_never_looked_up(store, fast_settings):
    add_feeds(store, fast_settings, "https://news.example.org/feed.xml")
    report = harvest(store, fast_settings)
    assert "reserved for examples" in report.failed[0].error


def test_reserved_hosts():
    from nexus_desktop.domain.addresses import is_reserved_host

    assert is_reserved_host("https://techdigest.example.org/img/a.jpg")
    assert is_reserved_host("http://cdn.example/x") and is_reserved_host("http://a.test/")
    assert not is_reserved_host("https://example.org.evil.com/") and not is_reserved_host("http://127.0.0.1:8000/")
