"""Does the Analytics view open quickly with years of figures? 10,000 published posts
with 8 readings each (80,000 rows in ``metrics``), in a SQLite data folder.

Measured, best of 5 after one warm-up:
- the two queries the view runs (each post's latest reading, totals per platform),
- the view itself: built, read in the runner's READ lane (the top 500 posts of the
  period, totals, the top post's curves, in one trip), laid out and painted.

Target (issue 17): the Analytics view opens in under 1 s.

    .venv/bin/python bench/analytics_view.py [--posts 10000] [--readings 8]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from nexus_desktop.domain.metrics import SCHEDULE  # noqa: E402
from nexus_desktop.paths import AppPaths  # noqa: E402
from nexus_desktop.pipeline.flow import Workspace  # noqa: E402
from nexus_desktop.settings import Settings  # noqa: E402
from nexus_desktop.store import Store  # noqa: E402
from nexus_desktop.store.metrics import MetricRepo  # noqa: E402
from nexus_desktop.store.models import Item, Job, LatestFigures, Metric, Post, Source, Target  # noqa: E402
from bench.timing import best  # noqa: E402

TARGET_S = 1.0
PLATFORMS = ("youtube", "instagram", "x", "linkedin")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)


def fill(store: Store, posts: int, readings: int) -> None:
    rng = random.Random(7)
    offsets = [*SCHEDULE, timedelta(days=60)][:readings]
    with store.db.write() as session:
        session.execute(insert(Source), [{"id": i + 1, "url": f"https://feed{i}.example/rss", "title": f"Feed {i}"} for i in range(12)])
        session.execute(insert(Target), [{"id": i + 1, "platform": p, "name": p, "config": {}} for i, p in enumerate(PLATFORMS)])
        jobs = posts // 2
        session.execute(insert(Item), [{"id": j + 1, "source_id": j % 12 + 1, "guid": f"g{j}", "title": f"Story {j}",
                                         "content_hash": f"h{j}"} for j in range(jobs)])
        session.execute(insert(Job), [{"id": j + 1, "item_id": j + 1, "title": f"Story {j}", "source_title": f"Feed {j % 12}",
                                        "status": "published", "stage": "publish", "done": [], "results": {}, "errors": {}}
                                       for j in range(jobs)])
        rows, metrics, latest = [], [], []
        for p in range(posts):
            published = NOW - timedelta(days=rng.uniform(0, 3 * 365))
            rows.append({"id": p + 1, "job_id": p // 2 + 1, "target_id": p % 4 + 1, "status": "published", "text": {"title": f"Post {p}"},
                         "remote_id": f"r{p}", "url": f"https://example.org/{p}", "published_at": published})
            views = rng.randint(50, 50_000)
            for k, offset in enumerate(offsets):
                seen = int(views * (k + 1) / readings)
                likes, comments = seen // 20, seen // 100
                metrics.append({"post_id": p + 1, "recorded_at": published + offset, "platform": PLATFORMS[p % 4], "source": "api",
                                "values": {"views": seen, "likes": likes, "comments": comments}, "views": seen, "likes": likes,
                                "comments": comments, "shares": seen // 200, "impressions": None, "engagements": likes + comments})
            latest.append({k: v for k, v in metrics[-1].items() if k not in ("source", "values")} | {"readings": readings})
        session.execute(insert(Post), rows)
        session.execute(insert(LatestFigures), latest)
        for start in range(0, len(metrics), 20_000):
            session.execute(insert(Metric), metrics[start:start + 20_000])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--readings", type=int, default=8)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="nexus-analytics-bench-"))
    paths = AppPaths.resolve(folder)
    store = Store.open(f"sqlite+pysqlite:///{paths.database}")
    started = time.perf_counter()
    fill(store, args.posts, args.readings)
    print(f"filled {args.posts:,} posts × {args.readings} readings ({MetricRepo(store.db).count():,} rows) in "
          f"{time.perf_counter() - started:.1f} s")
    repo = MetricRepo(store.db)
    print(f"latest reading of every post: {best(lambda: repo.posts()) * 1000:.0f} ms")
    print(f"the top 500 posts:            {best(lambda: repo.posts(limit=500)) * 1000:.0f} ms")
    print(f"totals per platform:          {best(lambda: repo.totals('platform')) * 1000:.0f} ms")
    print(f"totals per feed:              {best(lambda: repo.totals('feed')) * 1000:.0f} ms")
    print(f"one job's curves:             {best(lambda: repo.series_for_job(1)) * 1000:.1f} ms")

    from PySide6.QtWidgets import QApplication

    from nexus_desktop.gui.analytics_view import AnalyticsView
    from nexus_desktop.gui.app_context import AppContext
    from nexus_desktop.gui.operations import Operations
    from nexus_desktop.runtime.runner import Runner

    app = QApplication.instance() or QApplication(sys.argv)
    ws = Workspace(store=store, settings=Settings(), paths=paths)
    runner = Runner(ws)
    ctx = AppContext(ws, runner, Operations(ws, runner))
    view_rows = []

    def open_view() -> float:
        started = time.perf_counter()
        view = AnalyticsView(ctx, clock=lambda: NOW, days=0)  # every post, not only the last 30 days
        shown = []
        view.curves_shown.connect(lambda: shown.append(time.perf_counter()))
        view.resize(1400, 820)
        view.show()
        while not shown or not view.posts:
            app.processEvents()
            time.sleep(0.001)
        view.repaint()  # painted, not only laid out
        elapsed = time.perf_counter() - started
        view_rows[:] = view.posts
        view.close()
        view.deleteLater()
        app.processEvents()
        return elapsed

    figures = [open_view() for _ in range(6)][1:]
    print(f"Analytics view open and painted (top {len(view_rows)} of {args.posts:,} posts, totals, the top post's curves): "
          f"best {min(figures) * 1000:.0f} ms, median {statistics.median(figures) * 1000:.0f} ms (target < {TARGET_S * 1000:.0f} ms)")
    runner.shutdown()
    store.close()


if __name__ == "__main__":
    main()
