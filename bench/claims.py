"""Does taking YouTube posts ahead of their time slow the publishing scheduler's claim? A SQLite
data folder with a large calendar: ``--posts`` scheduled posts over a year on four targets (one
of them YouTube), a few due, and as many published posts.

Measured, best of 5 after one warm-up (each claim takes one of the overdue posts, earliest first):
the claim as before (due posts only), the claim with the YouTube window of
``publish.youtube_upload_ahead_hours`` (2 h), and the scheduler's next wake-up (as it was read before, a whole-calendar scan in Python; now a MIN in SQL
plus the few YouTube posts near it).

Target: a claim stays well under the scheduler's tick (a few milliseconds); uploading ahead adds
no visible cost.

    .venv/bin/python bench/claims.py [--posts 20000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from nexus_desktop.settings import Settings  # noqa: E402
from nexus_desktop.store import Store  # noqa: E402
from nexus_desktop.store.models import Item, Job, Post, Source, Target  # noqa: E402
from nexus_desktop.store.post_claims import Ahead  # noqa: E402
from bench.timing import best  # noqa: E402

PLATFORMS = ("youtube", "instagram", "x", "export")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


def fill(store: Store, posts: int) -> None:
    rng = random.Random(7)
    with store.db.write() as session:
        session.execute(insert(Source), [{"id": 1, "url": "https://feed.example/rss", "title": "Feed"}])
        session.execute(insert(Target), [{"id": i + 1, "platform": p, "name": p, "config": {}} for i, p in enumerate(PLATFORMS)])
        jobs = posts
        session.execute(insert(Item), [{"id": j + 1, "source_id": 1, "guid": f"g{j}", "title": f"Story {j}",
                                         "content_hash": f"h{j}"} for j in range(jobs)])
        session.execute(insert(Job), [{"id": j + 1, "item_id": j + 1, "title": f"Story {j}", "source_title": "Feed",
                                        "status": "scheduled", "stage": "publish", "done": [], "results": {}, "errors": {}}
                                       for j in range(jobs)])
        rows = []
        for p in range(2 * posts):
            published = p % 2 == 1
            when = NOW + timedelta(minutes=rng.uniform(-3 * 24 * 60, 365 * 24 * 60)) if not published else \
                NOW - timedelta(days=rng.uniform(1, 365))
            rows.append({"id": p + 1, "job_id": p // 2 + 1, "target_id": p % 4 + 1, "text": {"title": f"Post {p}"},
                         "status": "published" if published else "scheduled", "scheduled_at": when,
                         "published_at": when if published else None, "attempts": 0})
        session.execute(insert(Post), rows)


def previous_next_due_at(store: Store) -> datetime | None:
    """The wake-up as it was read before uploading ahead: every scheduled post's times, in Python."""
    with store.db.read() as session:
        rows = session.execute(select(Post.scheduled_at, Post.next_attempt_at).where(Post.status == "scheduled")).all()
    return min((max(t for t in row if t is not None) for row in rows if row[0] is not None), default=None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=20_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="nexus-claims-bench-"))
    store = Store.open(f"sqlite+pysqlite:///{folder / 'nexus.sqlite3'}")
    started = time.perf_counter()
    fill(store, args.posts)
    print(f"filled {args.posts:,} scheduled and {args.posts:,} published posts in {time.perf_counter() - started:.1f} s")
    hours = Settings().publish.youtube_upload_ahead_hours
    ahead = {"youtube": Ahead(nearest=timedelta(minutes=15), earliest=timedelta(hours=hours))}
    repo = store.posts
    print(f"claim, due posts only:          {best(lambda: repo.claim(now=NOW, worker='b', lease=60)) * 1000:.1f} ms")
    print(f"claim, YouTube {hours:g} h ahead:      "
          f"{best(lambda: repo.claim(now=NOW, worker='b', lease=60, ahead=ahead)) * 1000:.1f} ms")
    print(f"next wake-up, as it was read:  {best(lambda: previous_next_due_at(store)) * 1000:.1f} ms")
    print(f"next wake-up, due posts only:  {best(lambda: repo.next_due_at(NOW)) * 1000:.1f} ms")
    print(f"next wake-up, with the window: {best(lambda: repo.next_due_at(NOW, ahead)) * 1000:.1f} ms")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    store.close()


if __name__ == "__main__":
    main()
