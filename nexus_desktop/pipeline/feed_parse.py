"""Turning feed bytes into items: RSS 0.9x/1.0/2.0 and Atom through feedparser,
JSON Feed 1.1 by hand (feedparser does not read it)."""

from __future__ import annotations

import calendar
import hashlib
import html
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import feedparser

from ..domain.errors import UserFixableError
from ..store.items import NewItem

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_IMG = re.compile(r"<img[^>]+src=[\"']([^\"']+)[\"'][^>]*>", re.I)
_TINY = re.compile(r"(width|height)=[\"']?[01][\"'\s>]", re.I)


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    site_url: str
    items: list[NewItem]
    ttl_minutes: int | None = None  # RSS <ttl>: how long the publisher asks readers to wait between checks


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
    if not link:
        return None
    parts = urlsplit(link.strip())
    if parts.scheme not in ("http", "https"):
        return link.strip() or None
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _first_image(entry: Any, content: str) -> str | None:
    for media in entry.get("media_content", []) or []:
        if media.get("url") and (media.get("medium") == "image" or str(media.get("type", "")).startswith("image/")):
            return media["url"]
    for thumb in entry.get("media_thumbnail", []) or []:
        if thumb.get("url"):
            return thumb["url"]
    for link in entry.get("links", []) or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            return link.get("href")
    for match in _IMG.finditer(content or ""):
        if not _TINY.search(match.group(0)):  # skip tracking pixels
            return match.group(1)
    return None


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
    return NewItem(
        guid=(entry.get("id") or None),
        link=normalize_link(entry.get("link")),
        title=title,
        author=plain_text(entry.get("author", "")),
        published=_when(entry),
        summary=summary,
        content=content or summary,
        image_url=_first_image(entry, content or summary),
        language=(contents[0].get("language") if contents else None) or language,
        content_hash=content_hash(title, content or summary),
    )


def _looks_like_html(body: bytes, content_type: str) -> bool:
    head = body[:512].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html"))


def _is_json(body: bytes, content_type: str) -> bool:
    return "json" in content_type.lower() or body[:64].lstrip().startswith(b"{")


def parse_json_feed(body: bytes) -> ParsedFeed:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserFixableError(f"broken JSON feed: {exc}") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise UserFixableError("not a feed: JSON without a JSON Feed version")
    items = []
    for raw in data.get("items", []) or []:
        if not isinstance(raw, dict):
            continue
        content = raw.get("content_html") or html.escape(raw.get("content_text", "") or "")
        title = plain_text(raw.get("title", "") or "")
        authors = raw.get("authors") or ([raw["author"]] if raw.get("author") else [])
        published = raw.get("date_published") or raw.get("date_modified")
        try:
            when = datetime.fromisoformat(published.replace("Z", "+00:00")) if published else None
        except ValueError:
            when = None
        items.append(
            NewItem(
                guid=str(raw["id"]) if raw.get("id") is not None else None,
                link=normalize_link(raw.get("url")),
                title=title,
                author=", ".join(a.get("name", "") for a in authors if isinstance(a, dict)),
                published=when.astimezone(timezone.utc) if when and when.tzinfo else None,
                summary=raw.get("summary", "") or "",
                content=content,
                image_url=raw.get("image") or raw.get("banner_image"),
                language=raw.get("language") or data.get("language"),
                content_hash=content_hash(title, content),
            )
        )
    return ParsedFeed(plain_text(data.get("title", "")), data.get("home_page_url", "") or "", items)


def parse_feed(body: bytes, content_type: str = "", url: str = "") -> ParsedFeed:
    """Parse a feed or raise UserFixableError saying why it is not one."""
    if not body.strip():
        raise UserFixableError("feed is empty")
    if _is_json(body, content_type):
        return parse_json_feed(body)
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
    items = [_entry(e, language) for e in parsed.entries]
    return ParsedFeed(plain_text(feed.get("title", "")), feed.get("link", "") or "", items, _ttl(feed.get("ttl")))
