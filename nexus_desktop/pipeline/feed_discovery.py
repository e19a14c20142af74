"""Before a feed is saved: is what the creator typed or dropped a feed, and if it is a site, where
is its feed? No Qt.

- A web page is searched for ``<link rel="alternate">`` feeds (RSS, Atom, JSON
  Feed; the WHATWG "alternate" + type convention) and the first that parses is taken.
- A file or page that is not a feed (an image, a document, text that is no
  address) is refused with the reason, so nothing is saved for it.
- A feed that cannot be reached now (offline, a server down) is accepted: it
  may be fine later, and the harvest says what goes wrong.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

from ..domain.errors import RetryableError, UserFixableError
from ..settings import Settings
from ..providers.safe_http import is_internal_address
from .feed_fetch import fetch, local_path, make_client, read_local_file
from .feed_parse import parse_feed
from .feeds import list_entry_refusal, normalize_address
from .opml import looks_like_opml

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
              "application/xml", "text/xml")
MAGIC = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image", b"%PDF": "a PDF document",
         b"PK\x03\x04": "a ZIP archive", b"RIFF": "a media file", b"\x1aE\xdf\xa3": "a video"}


@dataclass(frozen=True)
class Found:
    """What an address turned out to be: a feed (``url``), or an OPML list to add whole."""

    url: str
    title: str = ""
    opml: bool = False
    note: str = ""  # e.g. "found through the page's <link rel=alternate>", "not checked: offline"


class _AlternateLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (href, title)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag not in ("link", "a"):
            return
        found = {k.lower(): (v or "") for k, v in attrs}
        rels = found.get("rel", "").lower().split()
        kind = found.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES and found.get("href"):
            self.links.append((found["href"], found.get("title", "")))


def alternate_feeds(html: bytes, base_url: str) -> list[tuple[str, str]]:
    """The feeds a page names with ``<link rel="alternate" type="application/rss+xml" href=...>``."""
    parser = _AlternateLinks()
    parser.feed(html[:2_000_000].decode("utf-8", "replace"))
    return [(urljoin(base_url, href), title) for href, title in parser.links]


def _what_it_is(data: bytes, name: str) -> str:
    for magic, kind in MAGIC.items():
        if data.startswith(magic):
            return kind
    guessed = mimetypes.guess_type(name)[0] or ""
    return f"a {guessed.split('/')[0]} file" if guessed and "xml" not in guessed else ""


def _looks_like_address(text: str) -> bool:
    return "://" in text or "." in text.split("/")[0] or text.startswith(("/", "~", "."))


def find_feed(address: str, settings: Settings) -> Found:
    """Check an address before it is saved; raise UserFixableError saying why it is not a feed."""
    text = address.strip()
    if not _looks_like_address(text) or " " in text.split("/")[0]:
        raise UserFixableError(f"“{text}” is not a feed address",
                               hint="type a web address like https://example.com/feed.xml, or pick a feed or OPML file")
    url = normalize_address(text)
    path = local_path(url)
    if path is not None:
        data = read_local_file(path, settings.harvest.max_feed_bytes)
        return _from_bytes(url, data, "", path.name)
    try:
        with make_client(settings.harvest) as client:
            got = fetch(client, url, etag=None, last_modified=None, max_bytes=settings.harvest.max_feed_bytes,
                        deadline_seconds=settings.harvest.deadline_seconds)
            found = _from_bytes(got.final_url or url, got.body, got.content_type, url, original=url)
            if found.url or found.opml:
                return found
            return _discover(client, got.final_url or url, got.body, settings)
    except RetryableError as exc:  # offline or a server down: keep it, the harvest will tell
        return Found(url, note=f"not checked now ({exc.message})")


def _from_bytes(url: str, data: bytes, content_type: str, name: str, *, original: str | None = None) -> Found:
    if looks_like_opml(data):
        return Found(original or url, opml=True)
    kind = _what_it_is(data, name)
    if kind:
        raise UserFixableError(f"{name} is not a feed: it is {kind}")
    try:
        parsed = parse_feed(data, content_type, url)
    except UserFixableError as exc:
        if "html" in content_type.lower() or data[:512].lstrip().lower().startswith((b"<!doctype html", b"<html")):
            return Found("")  # a web page: look for its feed
        raise UserFixableError(f"{name} is not a feed: {exc.message}") from None
    return Found(original or url, parsed.title)


def _discover(client, page_url: str, html: bytes, settings: Settings) -> Found:
    candidates = alternate_feeds(html, page_url)
    public = local_path(page_url) is None and not is_internal_address(page_url)
    for feed_url, title in candidates:
        # A page may name only http(s) feeds, and a page on the internet none on this computer's network.
        if list_entry_refusal(feed_url, from_public_address=False) or (public and is_internal_address(feed_url)):
            continue
        try:
            got = fetch(client, feed_url, etag=None, last_modified=None, max_bytes=settings.harvest.max_feed_bytes,
                        deadline_seconds=settings.harvest.deadline_seconds)
            parsed = parse_feed(got.body, got.content_type, got.final_url)
        except (UserFixableError, RetryableError):
            continue
        return Found(feed_url, parsed.title or title, note=f"the feed named by {page_url}")
    if candidates:
        raise UserFixableError(f"the feeds {page_url} names could not be read",
                               hint="use the feed's own address (often /feed or /rss)")
    raise UserFixableError(f"{page_url} is a web page that names no feed",
                           hint="use the feed's own address (often /feed or /rss)")
