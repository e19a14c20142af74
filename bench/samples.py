"""The ten sample articles in resources/samples as the analyze stage sees them.

Shared by bench/script.py and the tests that hold the extractive writer to
the samples (hook, caveats, titles, hashtags)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nexus_desktop.domain.content import Article  # noqa: E402
from nexus_desktop.pipeline.feed_parse import parse_feed  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "resources" / "samples"
FEEDS = ("tech-digest.rss.xml", "kitchen-lab.rss.xml", "city-science.atom.xml")


def sample_articles() -> list[Article]:
    articles: list[Article] = []
    for name in FEEDS:
        feed = parse_feed((SAMPLES / name).read_bytes(), url=f"file://{SAMPLES / name}")
        for item in feed.items:
            articles.append(Article(
                item_id=len(articles) + 1, title=item.title, link=item.link or "", author=item.author,
                published=item.published, summary_html=item.summary, content_html=item.content,
                image_url=item.image_url, language=item.language, source_title=feed.title,
            ))
    return articles
