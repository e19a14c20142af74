"""Reading feed addresses out of what is dropped or pasted: URLs, feed files, OPML files."""

from __future__ import annotations

import re

from PySide6.QtCore import QMimeData

_WEB_SCHEMES = ("http", "https", "feed")
_LOOKS_LIKE_ADDRESS = re.compile(r"^(?:(?:https?|feed)://\S+|/\S+|~/\S+|[\w.-]+\.[a-z]{2,}(?:/\S*)?)$", re.IGNORECASE)


def addresses(mime: QMimeData) -> list[str]:
    """Feed addresses in dropped data: local files by path, web links as URLs, or lines of text."""
    if mime.hasUrls():
        found = []
        for url in mime.urls():
            if url.isLocalFile():
                found.append(url.toLocalFile())
            elif url.scheme().lower() in _WEB_SCHEMES:
                found.append(url.toString())
        if found:
            return found
    if mime.hasText():
        return addresses_in_text(mime.text())
    return []


def addresses_in_text(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if _LOOKS_LIKE_ADDRESS.match(line.strip())]
