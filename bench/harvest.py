"""Harvest 200 generated feeds of 50 items each from a local server, twice.

Target (issue 2, 2-core machine): first pass < 10 s, second pass (every feed
answers 304) < 2 s, and no duplicate jobs after both.

    .venv/bin/python bench/harvest.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nexus_desktop.pipeline.feeds import add_feeds  # noqa: E402
from nexus_desktop.pipeline.harvest import harvest  # noqa: E402
from nexus_desktop.settings import Settings  # noqa: E402
from nexus_desktop.store import Store  # noqa: E402
from nexus_desktop.store.database import sqlite_url  # noqa: E402
from tests.feed_server import FeedServer, Route  # noqa: E402

FEEDS, ITEMS = 200, 50


def make_feed(n: int) -> bytes:
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    items = []
    for i in range(ITEMS):
        when = format_datetime(start + timedelta(hours=i), usegmt=True)
        body = " ".join(f"Sentence {k} of story {i} in feed {n} explains a detail worth knowing." for k in range(12))
        items.append(
            f"<item><title>Story {i} from feed {n}</title><link>https://feed{n}.example/{i}</link>"
            f"<guid>feed{n}-{i}</guid><pubDate>{when}</pubDate><description>Summary {i}</description>"
            f"<content:encoded><![CDATA[<p>{body}</p>]]></content:encoded></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>Feed {n}</title><link>https://feed{n}.example/</link>{''.join(items)}</channel></rss>"
    ).encode()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, FeedServer() as server:
        for n in range(FEEDS):
            server.routes[f"/feed{n}.xml"] = Route(make_feed(n), etag=f'"f{n}"')
        store = Store.open(sqlite_url(Path(tmp) / "bench.sqlite3"))
        settings = Settings()
        for n in range(FEEDS):
            add_feeds(store, settings, server.url(f"/feed{n}.xml"))
        c0, t0 = time.process_time(), time.perf_counter()
        first = harvest(store, settings)
        c1, t1 = time.process_time(), time.perf_counter()
        second = harvest(store, settings)
        c2, t2 = time.process_time(), time.perf_counter()
        jobs = store.jobs.count()
        expected = FEEDS * ITEMS
        print(f"feeds: {FEEDS} x {ITEMS} items, concurrency {settings.harvest.concurrency}, load average {os.getloadavg()[0]:.1f}")
        print(f"first pass:  {t1 - t0:6.2f} s  ({first.new_jobs} new jobs, {len(first.failed)} failed, CPU {c1 - c0:.2f} s)   target < 10 s")
        print(f"second pass: {t2 - t1:6.2f} s  ({server.not_modified} answered 304, {second.new_jobs} new, CPU {c2 - c1:.2f} s)   target < 2 s")
        print(f"jobs: {jobs}, duplicates: {jobs - expected}   target 0")
        store.close()


if __name__ == "__main__":
    main()
