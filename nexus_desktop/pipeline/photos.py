"""The article's photos: every image it carries, checked, scored, the best few kept.

Sources, in order: the feed's images (every media:content, media:thumbnail and
image enclosure, as harvest stored them), every ``<img>`` in the article's content
and summary, then the page's og:image / twitter:image and pictures when the page
was read. A public feed's pictures are never fetched from this computer or its
network (``fetcher(allow_internal=...)``).
Each is downloaded once through ``providers.images.download`` (its checks: http(s)
only, an image type, the byte cap, the pixel cap before decoding, a readable
file). An image under 400 px on its short side, or one that fails any check, is
skipped with a reason the creator can read; none of that fails the job. Of many
images (a gallery of 40), the first ``MAX_TRIES`` are tried and the best
``MAX_PHOTOS`` kept, by size and detail.

For each kept photo the centre of its interesting part is found from where its
edges are (an edge-energy heuristic, biased a little toward the middle), so
each format crops around that rather than around the middle.
"""

from __future__ import annotations

import hashlib
import html.parser
import logging
import os
import urllib.parse
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFilter, ImageStat

from ..domain.content import Article
from ..domain.shots import Photo, Skipped
from ..providers.images.download import ImageRejected, fetch_image

log = logging.getLogger(__name__)

MIN_SIDE = 400
MAX_TRIES = 12
MAX_PHOTOS = 6
KEEP_LONG_SIDE = 2400  # photos are stored no larger than this; the formats need at most ~2200


@dataclass(frozen=True)
class Found:
    photos: tuple[Photo, ...]
    skipped: tuple[Skipped, ...]
    images: tuple[Image.Image, ...]  # decoded, same order as photos


class _ImageSources(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower() != "img":
            return
        values = dict(attrs)
        url = values.get("src") or values.get("data-src") or ""
        if not url and values.get("srcset"):
            url = values["srcset"].split(",")[-1].strip().split(" ")[0]
        if url:
            self.urls.append(url.strip())


def image_urls(article: Article, page_images: Sequence[str] = ()) -> list[str]:
    """Every image URL the article carries, without repeats, in this order: the feed's own
    (every media:content, media:thumbnail and image enclosure, as harvest stored them), the
    ``<img>`` of its content and summary, then its page's (og:image, twitter:image and the
    pictures of its main text) when the page was read."""
    urls = [*article.image_urls, article.image_url or ""]
    for fragment in (article.content_html, article.summary_html):
        parser = _ImageSources()
        try:
            parser.feed(fragment or "")
            parser.close()
        except (ValueError, AssertionError):  # broken markup: keep what was read
            pass
        urls += parser.urls
    urls += page_images
    seen: set[str] = set()
    unique = []
    for url in urls:
        if url and not url.startswith("data:") and article.link:
            url = urllib.parse.urljoin(article.link, url)
        if url and url not in seen and not url.startswith("data:"):
            seen.add(url)
            unique.append(url)
    return unique


def collect(article: Article, folder: Path, *, fetch: Callable[[str], Image.Image], job_dir: Path,
            on_progress: Callable[[str], None] = lambda message: None, urls: Sequence[str] | None = None) -> Found:
    """Download, check and keep the article's best photos under ``folder`` (of ``urls``,
    or of the article's own images)."""
    urls = list(image_urls(article) if urls is None else urls)
    skipped = [Skipped(url, f"not tried: only the first {MAX_TRIES} of {len(urls)} images are") for url in
               urls[MAX_TRIES:]]
    tried = urls[:MAX_TRIES]
    if tried:
        on_progress(f"Downloading {len(tried)} photo(s) from the article")
    with ThreadPoolExecutor(4, thread_name_prefix="photos") as pool:
        results = list(pool.map(lambda url: _try(url, fetch), tried))
    usable = []
    for url, (image, reason) in zip(tried, results):
        if image is None:
            log.warning("not using the article image %s: %s", url, reason)
            skipped.append(Skipped(url, reason))
        else:
            usable.append((url, image))
    usable.sort(key=lambda pair: -_score(pair[1]))
    for url, _ in usable[MAX_PHOTOS:]:
        skipped.append(Skipped(url, f"only the best {MAX_PHOTOS} photos are used"))
    usable = usable[:MAX_PHOTOS]
    if usable:
        folder.mkdir(parents=True, exist_ok=True)
    photos, images = [], []
    for n, (url, image) in enumerate(usable, 1):
        path = folder / f"photo-{n:02d}.jpg"
        _save_jpeg(image, path)
        photos.append(Photo(path.relative_to(job_dir).as_posix(), url, image.width, image.height, focus(image)))
        images.append(image)
    for stale in folder.glob("photo-*.jpg") if folder.is_dir() else ():
        if stale.name not in {Path(p.path).name for p in photos}:
            stale.unlink(missing_ok=True)
    return Found(tuple(photos), tuple(skipped), tuple(images))


def _try(url: str, fetch: Callable[[str], Image.Image]) -> tuple[Image.Image | None, str]:
    try:
        image = fetch(url)
    except ImageRejected as exc:
        return None, str(exc)
    if min(image.size) < MIN_SIDE:
        return None, f"too small: {image.width}×{image.height} px (under {MIN_SIDE} px on a side)"
    if max(image.size) > KEEP_LONG_SIDE:
        image.thumbnail((KEEP_LONG_SIDE, KEEP_LONG_SIDE), Image.Resampling.LANCZOS)
    return image, ""


def _score(image: Image.Image) -> float:
    """Bigger and more detailed is better; a flat graphic or a tiny banner loses."""
    small = image.convert("L").resize((96, max(1, round(96 * image.height / image.width))))
    detail = ImageStat.Stat(small.filter(ImageFilter.FIND_EDGES)).mean[0]
    return min(image.width, image.height, 1600) / 1600 + min(detail, 40) / 40


def focus(image: Image.Image) -> tuple[float, float]:
    """The centre of the photo's edge energy, pulled a quarter of the way to the middle."""
    width = 64
    height = max(1, round(width * image.height / image.width))
    edges = image.convert("L").resize((width, height), Image.Resampling.BILINEAR).filter(ImageFilter.FIND_EDGES)
    data = edges.load()
    total = sx = sy = 0.0
    for y in range(1, height - 1):  # the outermost ring is the filter's own edge
        for x in range(1, width - 1):
            value = data[x, y]
            total += value
            sx += value * x
            sy += value * y
    if total <= 0:
        return 0.5, 0.5
    cx, cy = sx / total / (width - 1), sy / total / (height - 1)
    return round(0.75 * cx + 0.125, 3), round(0.75 * cy + 0.125, 3)


def _save_jpeg(image: Image.Image, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        image.save(tmp, "JPEG", quality=92)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def kept_locally(fetch: Callable[[str], Image.Image], folder: Path) -> Callable[[str], Image.Image]:
    """``fetch`` that keeps each picture it got under ``folder``, named by its address, and
    reads it from there next time: a re-render (after the creator swapped a shot, say) uses
    the same photos without the network, and offline. Refusals are not kept: a picture that
    failed may load next time."""

    def fetch_once(url: str) -> Image.Image:
        path = folder / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:24] + ".jpg")
        if path.is_file():
            try:
                with Image.open(path) as stored:
                    return stored.convert("RGB")
            except OSError:  # a damaged copy: fetch it again
                path.unlink(missing_ok=True)
        image = fetch(url)
        folder.mkdir(parents=True, exist_ok=True)
        _save_jpeg(image.convert("RGB"), path)
        with Image.open(path) as stored:  # the kept pixels, so a re-run sees the very same picture
            return stored.convert("RGB")

    return fetch_once


def fetcher(settings, target: tuple[int, int], *, allow_internal: bool) -> Callable[[str], Image.Image]:
    """``fetch_image`` with the creator's limits. ``allow_internal`` only when the article's
    feed is itself on this computer or its network (``article_page.internal_allowed``):
    a public feed's pictures are never fetched from loopback, link-local or private
    addresses, redirects included."""
    images, harvest = settings.images, settings.harvest

    def fetch(url: str) -> Image.Image:
        return fetch_image(url, max_bytes=images.max_image_bytes, max_pixels=images.max_image_pixels,
                           timeout=harvest.timeout_seconds, user_agent=harvest.user_agent, target=target,
                           allow_internal=allow_internal)

    return fetch
