"""Turning feed bytes into items: RSS 0.9x/1.0/2.0 and Atom through feedparser,
JSON Feed 1.0/1.1 by hand (feedparser does not read it).

The bytes are someone else's: a document that declares its own XML entities is
refused before feedparser sees it (a few KB of nested or repeated entities expand
to gigabytes), and an item that cannot be read is skipped with its reason while
the rest of the feed goes on.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import json
import re
from dataclasses import dataclass, fields, replace
from datetime import datetime, timezone
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import feedparser

from ..domain.errors import UserFixableError
from ..store.items import NewItem
from .xml_guard import refuse_entity_declarations

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_IMG = re.compile(r"<img[^>]+src=[\"']([^\"']+)[\"'][^>]*>", re.I)
_TINY = re.compile(r"(width|height)=[\"']?[01][\"'\s>]", re.I)
# Share buttons and counters that feed services put in every item: never the article's picture.
_BUTTONS = re.compile(r"feeds\.feedburner\.com/~(ff|f|r)/|feedburner\.google\.com/~(ff|f|r)/|/~ff/|"
                      r"feeds\.wordpress\.com/[\d.]+/(comments|go)/|(share|sharing|social|button)[-_/][^\"']*\.(gif|png)", re.I)
_IMAGE_PATH = re.compile(r"\.(jpe?g|png|webp|gif|avif)$", re.I)
_JSON_FEED_VERSIONS = ("https://jsonfeed.org/version/", "http://jsonfeed.org/version/")


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    site_url: str
    items: list[NewItem]
    ttl_minutes: int | None = None  # RSS <ttl>: how long the publisher asks readers to wait between checks
    skipped: tuple[str, ...] = ()  # why an item could not be read, one line each


def _ttl(value: object) -> int | None:
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return minutes if 0 < minutes <= 7 * 24 * 60 else None


def plain_text(markup: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup or ""))).strip()


def content_hash(title: str, text: str) -> str:
    """Same words, same hash: dates, markup and whitespace do not count."""
    basis = f"{plain_text(title).lower()}\n{plain_text(text).lower()}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def normalize_link(link: str | None) -> str | None:
    """Scheme and host in lower case, an empty path as "/". The #fragment stays: blogs and
    podcasts give each post its own fragment of one page."""
    if not link:
        return None
    parts = urlsplit(link.strip())
    if parts.scheme not in ("http", "https"):
        return link.strip() or None
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, parts.fragment))


MAX_IMAGES = 24  # image URLs kept per item: visualize tries the first 12 and keeps the best 6


def _is_image_media(media: Any) -> bool:
    kind = str(media.get("type", "") or "")
    medium = str(media.get("medium", "") or "")
    if medium or kind:
        return medium == "image" or kind.startswith("image/")
    return bool(_IMAGE_PATH.search(urlsplit(str(media.get("url", ""))).path))  # no type given: judge by its name


def _unique(urls: Iterable[str | None], limit: int = MAX_IMAGES) -> tuple[str, ...]:
    """The URLs in order, each once, http(s) only, at most ``limit``."""
    seen: set[str] = set()
    kept: list[str] = []
    for url in urls:
        url = (url or "").strip()
        if not url.lower().startswith(("http://", "https://")) or url in seen:
            continue
        seen.add(url)
        kept.append(url)
        if len(kept) == limit:
            break
    return tuple(kept)


def content_images(content: str) -> list[str]:
    """The ``<img>`` sources of an item's HTML, without tracking pixels and share buttons."""
    return [html.unescape(m.group(1)) for m in _IMG.finditer(content or "")
            if not _TINY.search(m.group(0)) and not _BUTTONS.search(m.group(1))]


def _images(entry: Any, content: str) -> tuple[str, ...]:
    """Every image the item carries, in the order a reader meets them: media:content (all of
    them), media:thumbnail, image enclosures, then the ``<img>`` in its content."""
    urls: list[str | None] = []
    urls += [m.get("url") for m in entry.get("media_content", []) or [] if _is_image_media(m)]
    urls += [t.get("url") for t in entry.get("media_thumbnail", []) or []]
    urls += [link.get("href") for link in entry.get("links", []) or []
             if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/")]
    urls += [e.get("href") or e.get("url") for e in entry.get("enclosures", []) or []
             if str(e.get("type", "")).startswith("image/")]
    urls += content_images(content)
    return _unique(urls)


def _when(entry: Any) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), timezone.utc)


def _entry(entry: Any, language: str | None) -> NewItem:
    contents = entry.get("content") or []
    content = max((c.get("value", "") for c in contents), key=len, default="")
    summary = entry.get("summary", "") or ""
    title = plain_text(entry.get("title", ""))
    images = _images(entry, content or summary)
    return NewItem(
        guid=(entry.get("id") or None),
        link=normalize_link(entry.get("link")),
        title=title,
        author=plain_text(entry.get("author", "")),
        published=_when(entry),
        summary=summary,
        content=content or summary,
        image_url=images[0] if images else None,
        language=(contents[0].get("language") if contents else None) or language,
        content_hash=content_hash(title, content or summary),
        image_urls=images,
    )


def _without_nul(item: NewItem) -> NewItem:
    """NUL (``&#0;``, ``\\u0000``) means nothing in a title or an article, and PostgreSQL text
    cannot hold it: one item carrying it would make the whole feed unstorable there."""
    changes: dict[str, Any] = {}
    for field in fields(item):
        value = getattr(item, field.name)
        if isinstance(value, str) and "\0" in value:
            changes[field.name] = value.replace("\0", "")
        elif isinstance(value, tuple) and any("\0" in v for v in value):
            changes[field.name] = tuple(v.replace("\0", "") for v in value)
    if "guid" in changes and not changes["guid"]:
        changes["guid"] = None
    return replace(item, **changes) if changes else item


def _feed(title: str, site_url: str, items: list[NewItem], ttl: int | None = None, skipped: tuple[str, ...] = ()) -> ParsedFeed:
    return ParsedFeed(title.replace("\0", ""), site_url.replace("\0", ""), [_without_nul(i) for i in items], ttl, skipped)


def _looks_like_html(body: bytes, content_type: str) -> bool:
    head = body[:512].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html"))


def _is_json(body: bytes, content_type: str) -> bool:
    return "json" in content_type.lower() or body[:64].lstrip().startswith(b"{")


def _text(raw: dict, key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"'{key}' is {_kind(value)}, not text")
    return value


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _json_item(raw: Any, data: dict) -> NewItem:
    if not isinstance(raw, dict):
        raise ValueError(f"the item is {_kind(raw)}, not an object")
    guid = raw.get("id")
    if guid is not None and (isinstance(guid, bool) or not isinstance(guid, (str, int))):
        raise ValueError(f"'id' is {_kind(guid)}, not text")
    content = _text(raw, "content_html") or html.escape(_text(raw, "content_text"))
    title = plain_text(_text(raw, "title"))
    author = raw.get("author")
    authors = raw.get("authors") if raw.get("authors") is not None else ([author] if author else [])
    if not isinstance(authors, list):
        raise ValueError(f"'authors' is {_kind(authors)}, not a list")
    published = _text(raw, "date_published") or _text(raw, "date_modified")
    try:
        when = datetime.fromisoformat(published.replace("Z", "+00:00")) if published else None
    except ValueError:
        when = None
    language = _text(raw, "language") or (data.get("language") if isinstance(data.get("language"), str) else None)
    images = _json_images(raw, content)
    return NewItem(
        guid=str(raw["id"]) if raw.get("id") is not None else None,
        link=normalize_link(_text(raw, "url")),
        title=title,
        author=", ".join(a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)),
        published=when.astimezone(timezone.utc) if when and when.tzinfo else None,
        summary=_text(raw, "summary"),
        content=content,
        image_url=images[0] if images else None,
        language=language or None,
        content_hash=content_hash(title, content),
        image_urls=images,
    )


def _json_images(raw: dict, content: str) -> tuple[str, ...]:
    """JSON Feed's image and banner_image, image attachments, then the <img> in content_html."""
    attachments = raw.get("attachments")
    if attachments is not None and not isinstance(attachments, list):
        raise ValueError(f"'attachments' is {_kind(attachments)}, not a list")
    attached = [a.get("url") for a in attachments or [] if isinstance(a, dict) and isinstance(a.get("url"), str)
                and str(a.get("mime_type", "")).startswith("image/")]
    return _unique([_text(raw, "image"), _text(raw, "banner_image"), *attached, *content_images(content)])


def parse_json_feed(body: bytes) -> ParsedFeed:
    try:
        data = json.loads(body)
    except RecursionError:  # arrays or objects nested thousands deep
        raise UserFixableError("broken JSON feed: nested too deeply to read") from None
    except ValueError as exc:  # not JSON, not UTF-8, a number of thousands of digits
        raise UserFixableError(f"broken JSON feed: {exc}") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(_JSON_FEED_VERSIONS):
        raise UserFixableError("not a feed: JSON without a JSON Feed version")
    raw_items = data.get("items") or []
    if not isinstance(raw_items, list):
        raise UserFixableError(f"broken JSON feed: 'items' is {_kind(raw_items)}, not a list")
    items, skipped = [], []
    for number, raw in enumerate(raw_items, start=1):
        try:
            items.append(_json_item(raw, data))
        except ValueError as exc:
            skipped.append(f"item {number} skipped: {exc}")
    title = data.get("title") if isinstance(data.get("title"), str) else ""
    home = data.get("home_page_url") if isinstance(data.get("home_page_url"), str) else ""
    return _feed(plain_text(title), home, items, skipped=tuple(skipped))


def parse_feed(body: bytes, content_type: str = "", url: str = "") -> ParsedFeed:
    """Parse a feed or raise UserFixableError saying why it is not one."""
    if not body.strip():
        raise UserFixableError("feed is empty")
    if _is_json(body, content_type):
        return parse_json_feed(body)
    refuse_entity_declarations(body)
    headers = {"content-type": content_type} if content_type else {}
    if url:
        headers["content-location"] = url
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        if _looks_like_html(body, content_type):
            kind = content_type.split(";")[0].strip() or "an HTML page"
            raise UserFixableError(f"not a feed: got {kind}", hint="use the feed's own address (often /feed or /rss)")
        if parsed.get("bozo"):
            raise UserFixableError(f"broken XML: {parsed.get('bozo_exception')}")
        raise UserFixableError("not a feed: no RSS, Atom or JSON Feed found")
    feed = parsed.get("feed", {})
    language = feed.get("language")
    items, skipped = [], []
    for number, entry in enumerate(parsed.entries, start=1):
        try:
            items.append(_entry(entry, language))
        except (TypeError, ValueError, AttributeError, OverflowError) as exc:
            skipped.append(f"item {number} skipped: {exc}")
    return _feed(plain_text(feed.get("title", "")), feed.get("link", "") or "", items, _ttl(feed.get("ttl")), tuple(skipped))
