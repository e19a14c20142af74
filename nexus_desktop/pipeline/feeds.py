"""Adding feeds by URL, file or OPML, and exporting them as OPML.

A local file is a feed only when the creator names it: an OPML list (a file or
one fetched from the network) may name http(s) feeds alone, so it cannot point
the harvest at /dev/zero, /etc/passwd or a pipe. A list fetched from a public
address may not name feeds on this computer or its local network either, by address or by a
name that resolves there.
"""

from __future__ import annotations

import ipaddress
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..domain.errors import UserFixableError
from ..providers.safe_http import is_internal_address, is_internal_ip
from ..settings import Settings
from ..store import Store
from .feed_fetch import fetch, local_path, make_client, read_local_file
from .opml import OpmlFeed, export_opml, looks_like_opml, parse_opml


@dataclass(frozen=True)
class Added:
    url: str
    title: str
    created: bool
    refused: str = ""  # why an entry of a list was not added


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
        return read_local_file(path, settings.harvest.max_feed_bytes)
    if address.lower().split("?")[0].endswith(".opml"):
        with make_client(settings.harvest) as client:
            return fetch(client, address, etag=None, last_modified=None, max_bytes=settings.harvest.max_feed_bytes,
                         deadline_seconds=settings.harvest.deadline_seconds).body
    return None


def add_feeds(store: Store, settings: Settings, address: str) -> list[Added]:
    """Add one feed, or every feed of an OPML file. Known feeds are not added twice."""
    address = normalize_address(address)
    data = _read_for_sniffing(address, settings)
    if data is not None and looks_like_opml(data):
        public = local_path(address) is None and not is_internal_address(address)
        return add_opml_bytes(store, data, from_public_address=public)
    return [_add(store, address, "")]


def add_opml_bytes(store: Store, data: bytes, *, from_public_address: bool = False) -> list[Added]:
    """Every http(s) feed of the list; the others come back with why they were refused."""
    feeds = parse_opml(data)
    refusals = [list_entry_refusal(feed.url, from_public_address) for feed in feeds]
    if from_public_address:
        refusals = _refuse_names_of_this_network(feeds, refusals)
    return [Added(feed.url, feed.title or feed.url, False, refused) if refused else _add(store, feed.url, feed.title)
            for feed, refused in zip(feeds, refusals)]


def _refuse_names_of_this_network(feeds: list[OpmlFeed], refusals: list[str]) -> list[str]:
    """A list from the internet naming a host that resolves to this computer or its network
    (``intranet.example.com`` → 10.0.0.5) is refused like one naming the address itself.
    Each server is looked up once, a few at a time."""
    hosts = {urlsplit(f.url).hostname: f.url for f, r in zip(feeds, refusals) if not r and urlsplit(f.url).hostname}
    with ThreadPoolExecutor(max_workers=8) as pool:
        internal = dict(zip(hosts, pool.map(is_internal_address, hosts.values())))
    return [r or (_FROM_THE_INTERNET if internal.get(urlsplit(f.url).hostname) else "") for f, r in zip(feeds, refusals)]


def list_entry_refusal(url: str, from_public_address: bool) -> str:
    """Why a feed named by a list may not be added, or "" when it may."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "not an http(s) address; add a local file by hand if you mean it"
    if from_public_address and _names_this_network(parts.hostname):
        return _FROM_THE_INTERNET
    return ""


_FROM_THE_INTERNET = "a list from the internet may not name feeds on this computer or its local network"


def _names_this_network(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return is_internal_ip(ipaddress.ip_address(host))
    except ValueError:
        return False


def _add(store: Store, url: str, title: str) -> Added:
    view, created = store.sources.add(url, title)
    return Added(view.url, view.display_name, created)


def export_feeds(store: Store, path: Path | None = None) -> bytes:
    data = export_opml([OpmlFeed(s.url, s.title) for s in store.sources.list()])
    if path is not None:
        path.write_bytes(data)
    return data
