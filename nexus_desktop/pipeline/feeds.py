"""Adding feeds by URL, file or OPML, and exporting them as OPML."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..domain.errors import UserFixableError
from ..settings import Settings
from ..store import Store
from .feed_fetch import fetch, local_path, make_client
from .opml import OpmlFeed, export_opml, looks_like_opml, parse_opml


@dataclass(frozen=True)
class Added:
    url: str
    title: str
    created: bool


def normalize_address(text: str) -> str:
    """A typed or pasted address: a file path stays a path, a bare host gets https://."""
    text = text.strip().strip("<>\"'")
    if not text:
        raise UserFixableError("no feed address given")
    path = local_path(text)
    if path is not None:
        if path.exists():
            return str(path.resolve())
        if "." in text.split("/")[0] and not text.startswith((".", "/", "~")):
            return "https://" + text
        raise UserFixableError(f"file not found: {text}")
    if text.startswith("feed://"):
        return "https://" + text[len("feed://"):]
    return text


def _read_for_sniffing(address: str, settings: Settings) -> bytes | None:
    """The bytes of a local file, or of an URL ending in .opml; None for a plain feed URL."""
    path = local_path(address)
    if path is not None:
        return path.read_bytes()[: settings.harvest.max_feed_bytes]
    if address.lower().split("?")[0].endswith(".opml"):
        with make_client(settings.harvest) as client:
            return fetch(client, address, etag=None, last_modified=None, max_bytes=settings.harvest.max_feed_bytes).body
    return None


def add_feeds(store: Store, settings: Settings, address: str) -> list[Added]:
    """Add one feed, or every feed of an OPML file. Known feeds are not added twice."""
    address = normalize_address(address)
    data = _read_for_sniffing(address, settings)
    if data is not None and looks_like_opml(data):
        return [_add(store, f.url, f.title) for f in parse_opml(data)]
    return [_add(store, address, "")]


def add_opml_bytes(store: Store, data: bytes) -> list[Added]:
    return [_add(store, f.url, f.title) for f in parse_opml(data)]


def _add(store: Store, url: str, title: str) -> Added:
    view, created = store.sources.add(url, title)
    return Added(view.url, view.display_name, created)


def export_feeds(store: Store, path: Path | None = None) -> bytes:
    data = export_opml([OpmlFeed(s.url, s.title) for s in store.sources.list()])
    if path is not None:
        path.write_bytes(data)
    return data
