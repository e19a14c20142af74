"""What keeping every image of a feed item costs the harvest.

Parses a generated RSS feed of 500 items, each carrying ten pictures (three
media:content, a media:thumbnail, an image enclosure and five <img> in
content:encoded), with the parser as it is (every image, in order, each once,
at most ``feed_parse.MAX_IMAGES``) and with the picture search cut down to the
first media:content, as harvest kept before. Prints the median CPU time of five
parses of each, and how many URLs an item keeps.

    PYTHONPATH=. .venv/bin/python bench/feed_images.py
"""

from __future__ import annotations

import statistics
import time

from nexus_desktop.pipeline import feed_parse

ITEMS, RUNS = 500, 5


def feed() -> bytes:
    items = "".join(
        f'<item><title>S{n}</title><link>https://x.example.net/{n}</link><guid>g{n}</guid>'
        + "".join(f'<media:content url="https://cdn.example.net/{n}-{k}.jpg" medium="image"/>' for k in range(3))
        + f'<media:thumbnail url="https://cdn.example.net/{n}-t.jpg"/>'
        + f'<enclosure url="https://cdn.example.net/{n}-e.jpg" type="image/jpeg" length="1"/>'
        + "<content:encoded><![CDATA["
        + "".join(f'<p>Paragraph {k}.</p><img src="https://cdn.example.net/{n}-i{k}.jpg">' for k in range(5))
        + "]]></content:encoded></item>"
        for n in range(ITEMS))
    return ('<?xml version="1.0"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" '
            f'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>{items}'
            '</channel></rss>').encode()


def median_cpu(body: bytes) -> float:
    runs = []
    for _ in range(RUNS):
        start = time.process_time()
        feed_parse.parse_feed(body)
        runs.append(time.process_time() - start)
    return statistics.median(runs)


def first_only(entry, content):
    for media in entry.get("media_content", []) or []:
        if media.get("url"):
            return (media["url"],)
    return ()


def main() -> None:
    body = feed()
    kept = len(feed_parse.parse_feed(body).items[0].image_urls)
    every = median_cpu(body)
    original = feed_parse._images
    feed_parse._images = first_only
    try:
        first = median_cpu(body)
    finally:
        feed_parse._images = original
    print(f"{ITEMS} items x 10 pictures, {len(body) / 1e6:.1f} MB: every picture {every * 1000:.0f} ms CPU, "
          f"first only {first * 1000:.0f} ms ({(every / first - 1) * 100:+.1f} %, "
          f"{(every - first) / ITEMS * 1000:.3f} ms an item); {kept} URLs kept per item")


if __name__ == "__main__":
    main()
