"""The harvest stage: fetch every active feed concurrently, store new items as jobs.

Fetching and parsing run in a thread pool; the results are written by the
calling thread one feed at a time, so database writes stay short and serial.
A feed that fails records why and the others go on; nothing stored is lost:
a feed's new validators (ETag, Last-Modified) are committed with its items, so
if the items cannot be stored the next harvest downloads them again instead of
hearing "not modified". An item that cannot be read is skipped with its reason.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from urllib.parse import urlsplit

import httpx

from ..domain.errors import NexusError
from ..settings import Settings
from ..store import Store
from ..store.items import FetchRecord
from ..store.views import SourceView
from ..providers.safe_http import is_internal_address
from .feed_fetch import fetch, local_path, make_client
from .feed_parse import ParsedFeed, parse_feed

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedOutcome:
    source_id: int
    name: str
    new_jobs: int = 0
    not_modified: bool = False
    error: str | None = None
    retry_after: float | None = None  # seconds the server asked us to wait (429/503 Retry-After)
    ttl_minutes: int | None = None  # the feed's own <ttl>
    held: int = 0  # new items over harvest.max_new_jobs_per_feed, kept as older (cancelled) jobs
    skipped: tuple[str, ...] = ()  # items that could not be read, with why


@dataclass(frozen=True)
class HarvestReport:
    outcomes: tuple[FeedOutcome, ...]

    @property
    def new_jobs(self) -> int:
        return sum(o.new_jobs for o in self.outcomes)

    @property
    def failed(self) -> tuple[FeedOutcome, ...]:
        return tuple(o for o in self.outcomes if o.error)


@dataclass(frozen=True)
class _Fetched:
    source: SourceView
    parsed: ParsedFeed | None
    etag: str | None
    last_modified: str | None
    error: str | None
    not_modified: bool = False
    retry_after: float | None = None


def _fetch_and_parse(client: httpx.Client, source: SourceView, settings: Settings) -> _Fetched:
    try:
        got = fetch(client, source.url, etag=source.etag, last_modified=source.last_modified,
                    max_bytes=settings.harvest.max_feed_bytes, deadline_seconds=settings.harvest.deadline_seconds)
        if got.not_modified:
            return _Fetched(source, None, source.etag, source.last_modified, None, not_modified=True)
        parsed = _without_internal_addresses(parse_feed(got.body, got.content_type, got.final_url), got.final_url)
        return _Fetched(source, parsed, got.etag, got.last_modified, None)
    except NexusError as exc:
        return _Fetched(source, None, None, None, str(exc), retry_after=getattr(exc, "retry_after", None))
    except Exception as exc:  # a bug in a parser must not stop the other feeds
        log.exception("harvesting %s failed", source.url)
        return _Fetched(source, None, None, None, f"unexpected error: {exc}")


def _without_internal_addresses(parsed: ParsedFeed, feed_url: str) -> ParsedFeed:
    """A feed on the public internet may not make the app fetch pictures or pages from this
    computer or its local network; a feed that lives there itself (a home server) may."""
    if local_path(feed_url) is not None or is_internal_address(feed_url):
        return parsed
    verdicts: dict[str, bool] = {}

    def internal(url: str) -> bool:
        host = urlsplit(url).netloc  # one lookup per server, not per picture
        if host not in verdicts:
            verdicts[host] = is_internal_address(url)
        return verdicts[host]

    items = []
    for item in parsed.items:
        images = tuple(u for u in item.image_urls if not internal(u))
        first = None if item.image_url and internal(item.image_url) else item.image_url
        items.append(replace(item, image_url=images[0] if images else first, image_urls=images,
                             link=None if item.link and internal(item.link) else item.link))
    return replace(parsed, items=items)


def _store(store: Store, result: _Fetched, now: datetime, max_new: int) -> FeedOutcome:
    source = result.source
    if result.error:
        # Keep the old validators: the next harvest asks again as if nothing changed.
        store.sources.record_fetch(source.id, checked_at=now, error=result.error, keep_validators=True)
        return FeedOutcome(source.id, source.display_name, error=result.error, retry_after=result.retry_after)
    if result.not_modified:
        store.sources.record_fetch(source.id, checked_at=now, error=None, keep_validators=True)
        return FeedOutcome(source.id, source.display_name, not_modified=True)
    parsed = result.parsed
    assert parsed is not None
    for reason in parsed.skipped:
        log.warning("feed %s: %s", source.url, reason)
    error = None if parsed.items else ("feed has no items" if not parsed.skipped else f"no readable items ({parsed.skipped[0]})")
    record = FetchRecord(now, error, result.etag, result.last_modified, parsed.title, parsed.site_url)
    added = store.items.store_fetch(source.id, parsed.items, record, max_new=max_new)
    return FeedOutcome(source.id, parsed.title or source.display_name, new_jobs=added.new_jobs,
                       held=added.held, skipped=parsed.skipped, ttl_minutes=parsed.ttl_minutes)


def _store_safely(store: Store, result: _Fetched, now: datetime, max_new: int) -> FeedOutcome:
    """One feed that cannot be stored (a full disk, a database error) does not stop the others;
    its validators stay as they were, so the next harvest fetches its items again."""
    try:
        return _store(store, result, now, max_new)
    except Exception as exc:
        log.exception("storing the items of %s failed", result.source.url)
        # The database's own words (a SQLAlchemy error's first line), not the statement and its parameters.
        reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
        error = f"its items could not be stored: {reason}"
        try:
            store.sources.record_fetch(result.source.id, checked_at=now, error=error, keep_validators=True)
        except Exception:  # the database itself is gone; the report still says why
            log.exception("recording the failure of %s failed", result.source.url)
        return FeedOutcome(result.source.id, result.source.display_name, error=error)


def harvest(
    store: Store,
    settings: Settings,
    source_ids: Iterable[int] | None = None,
    *,
    progress: Callable[[int, str], None] = lambda p, m: None,
    cancel: threading.Event | None = None,
) -> HarvestReport:
    wanted = set(source_ids) if source_ids is not None else None
    sources = [s for s in store.sources.list(active_only=wanted is None) if wanted is None or s.id in wanted]
    if not sources:
        return HarvestReport(())
    with make_client(settings.harvest) as client, ThreadPoolExecutor(settings.harvest.concurrency) as pool:
        futures = [pool.submit(_fetch_and_parse, client, s, settings) for s in sources]
        outcomes = _collect(store, futures, len(sources), progress, cancel, settings.harvest.max_new_jobs_per_feed)
    return HarvestReport(tuple(sorted(outcomes, key=lambda o: o.source_id)))


def _collect(store: Store, futures, total: int, progress, cancel, max_new: int) -> list[FeedOutcome]:
    """Store each feed's result as it arrives, in this thread: writes stay serial."""
    outcomes: list[FeedOutcome] = []
    for done, future in enumerate(as_completed(futures), start=1):
        if cancel is not None and cancel.is_set():
            for pending in futures:
                pending.cancel()
            break
        outcome = _store_safely(store, future.result(), datetime.now(timezone.utc), max_new)
        outcomes.append(outcome)
        progress(int(100 * done / total), f"Checked {outcome.name}")
    return outcomes
