"""The whole article: when a feed item carries only a summary, read its page once.

The page is fetched with the feed fetcher's client and limits (size, time,
redirects, addresses no server answers for), and trafilatura keeps its main
text and images: menus, share bars, "submitted by" lines, cookie banners and
"read more" links stay behind. A paywall or a login form, a page with less to
say than the feed, or no network at all leaves the feed's text as it was.

What was found is kept in the job folder (``article_page.json``), so a retry
or a re-run never fetches the page again.
"""

from __future__ import annotations

import html
import html.parser
import json
import logging
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urljoin

from ..domain.content import Article
from ..domain.addresses import is_reserved_host
from ..domain.errors import NexusError
from ..providers.llm.sentences import word_count
from ..providers.llm.textclean import html_to_paragraphs
from ..providers.safe_http import is_internal_address
from . import feed_fetch
from .context import StageContext

log = logging.getLogger(__name__)

PAGE_FILE = "article_page.json"
SUMMARY_WORDS = 150  # a feed text shorter than this is a summary, worth the page
MIN_PAGE_WORDS = 80  # a page with less main text is a teaser, a paywall or a login
MAX_PAGE_IMAGES = 24  # image URLs kept from one page
MAX_HEAD_CHARS = 200_000  # where share tags are looked for
_WALL = re.compile(
    r"(?:subscribe (?:now )?to (?:continue|keep) reading|subscribers? only|this (?:article|content|story) is "
    r"(?:only )?(?:available|reserved) (?:to|for) (?:subscribers|members)|sign in to (?:continue|read)|"
    r"log ?in to (?:continue|read)|create (?:a free|an) account to (?:continue|read)|already a subscriber|"
    r"you(?:'ve| have) reached your (?:free )?(?:article )?limit)",
    re.IGNORECASE,
)
_PASSWORD_FIELD = re.compile(r"<input[^>]+type=[\"']?password", re.IGNORECASE)


def whole_article(ctx: StageContext) -> Article:
    """The article with its page's main text when the feed gave only a summary."""
    article = ctx.article
    if not ctx.settings.analyze.fetch_article_pages or not _is_web_page(article.link):
        return article
    feed_words = max(word_count(" ".join(html_to_paragraphs(article.content_html))),
                     word_count(" ".join(html_to_paragraphs(article.summary_html))))
    if feed_words >= SUMMARY_WORDS:
        return article
    found = _remembered(ctx.job_dir / PAGE_FILE, article.link)
    if found is None and not internal_allowed(article.feed_url) and is_internal_address(article.link):
        log.warning("job %s: the article's page %s was not read: it is on this computer or its local network, "
                    "and the feed is on the public internet", ctx.job_id, article.link)
        return article
    if found is None:
        ctx.progress(2, "Reading the article's page")
        found = read_page(article.link, ctx.settings, feed_words)
        if not found.get("unreachable"):  # a network failure is tried again next time
            _remember(ctx.job_dir / PAGE_FILE, article.link, found)
    images = tuple(dict.fromkeys([*article.image_urls, *(u for u in found.get("images") or () if isinstance(u, str))]))
    if not found.get("html"):
        log.info("job %s: kept the feed's text (%s)", ctx.job_id, found.get("reason", ""))
        return replace(article, image_urls=images)
    return replace(article, content_html=found["html"], image_url=article.image_url or found.get("image"),
                   image_urls=images)


def internal_allowed(feed_url: str) -> bool:
    """Whether the article's pictures and page may be fetched from this computer or its
    local network: only when its feed lives there itself (a file added by hand, a home
    server). A feed on the public internet, or one no longer known, may not point there."""
    if not feed_url or is_reserved_host(feed_url):
        return False
    return feed_fetch.local_path(feed_url) is not None or is_internal_address(feed_url)


def read_page(url: str, settings, feed_words: int) -> dict:
    """{"html": main text as paragraphs and images, "image": lead image} or {"reason": why not}."""
    try:
        with feed_fetch.make_client(settings.harvest) as client:
            fetched = feed_fetch.fetch(client, url, etag=None, last_modified=None,
                                       max_bytes=settings.harvest.max_feed_bytes,
                                       deadline_seconds=settings.harvest.deadline_seconds)
    except NexusError as exc:
        return {"reason": f"the page could not be read: {exc.message}", "unreachable": True}
    if fetched.content_type and "html" not in fetched.content_type.lower():
        return {"reason": f"the page is not HTML ({fetched.content_type})"}
    try:
        page = fetched.body.decode(_charset(fetched.content_type), errors="replace")
    except LookupError:  # a charset Python does not know
        page = fetched.body.decode("utf-8", errors="replace")
    return extract(page, fetched.final_url, feed_words)


def extract(page: str, url: str, feed_words: int = 0) -> dict:
    """The page's main text and images, unless it is a wall or says less than the feed.
    Its share images (og:image, twitter:image) are kept in any case under ``"images"``:
    the picture of a paywalled or short page is still the article's picture."""
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.ERROR)  # its parse notes are not the creator's business
    main = trafilatura.extract(page, output_format="html", include_images=True, include_comments=False,
                               include_tables=False, favor_precision=True, url=url) or ""
    paragraphs = html_to_paragraphs(main)
    words = word_count(" ".join(paragraphs))
    shared = meta_images(page, url)
    if _PASSWORD_FIELD.search(page) or (_WALL.search(page) and words < 3 * MIN_PAGE_WORDS):
        return {"reason": "the page asks for a login or a subscription", "images": shared}
    if words < MIN_PAGE_WORDS or words <= feed_words:
        return {"reason": f"the page's main text ({words} words) says no more than the feed", "images": shared}
    images = [urljoin(url, html.unescape(src)) for src in re.findall(r"<img[^>]+src=\"([^\"]+)\"", main)]
    body = "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    body += "".join(f'<img src="{html.escape(src)}">' for src in images)
    metadata = trafilatura.extract_metadata(page, default_url=url)
    lead = getattr(metadata, "image", None)
    lead = urljoin(url, lead) if lead else (shared[0] if shared else (images[0] if images else None))
    everything = list(dict.fromkeys([*shared, *images]))[:MAX_PAGE_IMAGES]
    return {"html": body, "image": lead, "images": everything, "words": words}


class _MetaImages(html.parser.HTMLParser):
    """``<meta property="og:image" content="…">`` and its kin, in page order."""

    NAMES = frozenset({"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower() != "meta":
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        name = (values.get("property") or values.get("name") or "").strip().lower()
        if name in self.NAMES and values.get("content", "").strip():
            self.urls.append(values["content"].strip())


def meta_images(page: str, url: str) -> list[str]:
    """The page's share images (Open Graph, then Twitter cards), absolute, each once, http(s) only."""
    parser = _MetaImages()
    try:
        parser.feed(page[:MAX_HEAD_CHARS])  # the <head>: share tags never sit deep in a body
        parser.close()
    except (ValueError, AssertionError):  # broken markup: keep what was read
        pass
    found = [urljoin(url, u) for u in parser.urls]
    return list(dict.fromkeys(u for u in found if u.lower().startswith(("http://", "https://"))))[:MAX_PAGE_IMAGES]


def remembered_images(job_dir: Path, link: str) -> list[str]:
    """The images of the article's page, as read when the article was analysed: never a fetch."""
    found = _remembered(job_dir / PAGE_FILE, link) if link else None
    images = (found or {}).get("images") or []
    return [u for u in images if isinstance(u, str)][:MAX_PAGE_IMAGES]


def _is_web_page(link: str) -> bool:
    return link.startswith(("http://", "https://"))


def _charset(content_type: str) -> str:
    match = re.search(r"charset=([\w-]+)", content_type or "", re.IGNORECASE)
    return match.group(1) if match else "utf-8"


def _remembered(path: Path, url: str) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("url") == url else None


def _remember(path: Path, url: str, found: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"url": url, **found}, ensure_ascii=False), encoding="utf-8")
    except OSError as exc:  # only a cache: the page is read again next time
        log.info("could not keep the article page: %s", exc)
