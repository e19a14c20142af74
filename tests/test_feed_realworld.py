"""Feeds as real publishers write them: shared links, #fragments, share buttons, floods."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from nexus_desktop.domain.jobs import JobStatus
from nexus_desktop.pipeline.feed_parse import parse_feed
from nexus_desktop.store.items import FetchRecord, NewItem


def rss(items: str) -> bytes:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Pod</title>{items}</channel></rss>'.encode()


def test_episodes_that_share_one_link_are_all_kept(store):
    body = rss("".join(f"<item><guid>ep-{n}</guid><title>Episode {n}</title><link>https://pod.example.net/</link>"
                       f"<description>Show notes {n}</description></item>" for n in range(131)))
    source, _ = store.sources.add("https://pod.example.net/feed")
    assert store.items.add_new(source.id, parse_feed(body).items) == 131
    assert store.items.add_new(source.id, parse_feed(body).items) == 0  # and they stay known by their guids


def test_posts_whose_links_differ_by_fragment_are_all_kept(store):
    body = rss("".join(f"<item><guid isPermaLink='false'>p{n}</guid><title>Note {n}</title>"
                       f"<link>https://notes.example.net/page#note-{n}</link><description>Note {n}</description></item>"
                       for n in range(50)))
    source, _ = store.sources.add("https://notes.example.net/feed")
    assert store.items.add_new(source.id, parse_feed(body).items) == 50
    # Without guids an item is known by its link, #fragment included.
    bare = rss("".join(f"<item><title>Short {n}</title><link>https://notes.example.net/short#s-{n}</link>"
                       f"<description>Short note {n}</description></item>" for n in range(10)))
    assert store.items.add_new(source.id, parse_feed(bare).items) == 10
    assert store.items.add_new(source.id, parse_feed(bare).items) == 0


def test_the_same_article_through_two_feeds_is_still_one_job(store):
    a, _ = store.sources.add("https://a.example.net/feed")
    b, _ = store.sources.add("https://b.example.net/feed")
    item = "<item><guid>{g}</guid><title>Same story</title><link>https://news.example.net/story</link><description>Words.</description></item>"
    assert store.items.add_new(a.id, parse_feed(rss(item.format(g="a-1"))).items) == 1
    assert store.items.add_new(b.id, parse_feed(rss(item.format(g="b-9"))).items) == 0


def test_feedburner_share_buttons_are_not_article_images():
    body = rss('<item><guid>1</guid><title>T</title><description><![CDATA[<p>Text</p>'
               '<a href="http://feeds.feedburner.com/~ff/Blog?a=x"><img src="http://feeds.feedburner.com/~ff/Blog?d=yIl2AUoC8zA" border="0"></img></a>'
               '<img src="http://feeds.feedburner.com/~r/Blog/~4/abc" height="1" width="1"/>'
               '<img src="https://blog.example.net/photo.jpg" alt="the photo"/>]]></description></item>')
    (item,) = parse_feed(body).items
    assert item.image_url == "https://blog.example.net/photo.jpg"


def new_item(n: int, published: datetime) -> NewItem:
    return NewItem(guid=f"g{n}", link=f"https://flood.example.net/{n}", title=f"Post {n}", author="", published=published,
                   summary="", content=f"c{n}", image_url=None, language="en", content_hash=f"h{n}")


def test_a_flooding_feed_queues_at_most_n_new_jobs_and_keeps_the_rest_as_older(store):
    source, _ = store.sources.add("https://flood.example.net/feed")
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    items = [new_item(n, start + timedelta(hours=n)) for n in range(300)]
    record = FetchRecord(datetime.now(timezone.utc), None, '"e1"', None)
    added = store.items.store_fetch(source.id, items, record, max_new=20)
    assert (added.new_jobs, added.held) == (20, 280)
    jobs = store.jobs.list()
    queued = {j.title for j in jobs if j.status is JobStatus.QUEUED}
    assert queued == {f"Post {n}" for n in range(280, 300)}  # the newest twenty
    older = [j for j in jobs if j.status is JobStatus.CANCELLED]
    assert len(older) == 280 and "harvest.max_new_jobs_per_feed" in older[0].error
    assert store.sources.get(source.id).etag == '"e1"'
