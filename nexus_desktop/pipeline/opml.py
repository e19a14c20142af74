"""OPML import and export: the feed lists other readers understand."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime

from ..domain.errors import UserFixableError
from .xml_guard import refuse_entity_declarations


@dataclass(frozen=True)
class OpmlFeed:
    url: str
    title: str


def looks_like_opml(data: bytes) -> bool:
    return b"<opml" in data[:2048].lower()


def parse_opml(data: bytes) -> list[OpmlFeed]:
    """Every outline with an xmlUrl, nested folders included."""
    refuse_entity_declarations(data, "OPML file")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        raise UserFixableError(f"malformed OPML at line {line}, column {column + 1}: {exc.msg if hasattr(exc, 'msg') else exc}") from None
    if root.tag.lower() != "opml":
        raise UserFixableError(f"not an OPML file: the root element is <{root.tag}>")
    feeds, seen = [], set()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url and url not in seen:
            seen.add(url)
            feeds.append(OpmlFeed(url, (outline.get("title") or outline.get("text") or "").strip()))
    return feeds


def export_opml(feeds: list[OpmlFeed], title: str = "Nexus Desktop feeds") -> bytes:
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(timezone.utc), usegmt=True)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        ET.SubElement(body, "outline", type="rss", text=feed.title or feed.url, title=feed.title or feed.url, xmlUrl=feed.url)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
