"""The harvest stage: fetch every active feed concurrently, store new items as jobs.

Fetching and parsing run in a thread pool; the results are written by the
calling thread one feed at a time, so database writes stay short and serial.
A feed that fails records why and the others go on; nothing stored is lost.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx

from ..domain.errors import NexusError
from ..settings import Settings
from ..store import Store
from ..store.views import SourceView
from .feed_fetch import fetch, make_client
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
                    max_bytes=settings.harvest.max_feed_bytes)
        if got.not_modified:
            return _Fetched(source, None, source.etag, source.last_modified, None, not_modified=True)
        parsed = parse_feed(got.body, got.content_type, got.final_url)
        return _Fetched(source, parsed, got.etag, got.last_modified, None)
    except NexusError as exc:
        return _Fetched(source, None, None, None, str(exc), retry_after=getattr(exc, "retry_after", None))
    except Exception as exc:  # a bug in a parser must not stop the other feeds
        log.exception("harvesting %s failed", source.url)
        return _Fetched(source, None, None, None, f"unexpected error: {exc}")


def _store(store: Store, result: _Fetched, now: datetime) -> FeedOutcome:
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
    store.sources.record_fetch(
        source.id, checked_at=now, error=None if parsed.items else "feed has no items",
        etag=result.etag, last_modified=result.last_modified, title=parsed.title, site_url=parsed.site_url,
    )
    new = store.items.add_new(source.id, parsed.items)
    return FeedOutcome(source.id, parsed.title or source.display_name, new_jobs=new, ttl_minutes=parsed.ttl_minutes)


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
        outcomes = _collect(store, futures, len(sources), progress, cancel)
    return HarvestReport(tuple(sorted(outcomes, key=lambda o: o.source_id)))


def _collect(store: Store, futures, total: int, progress, cancel) -> list[FeedOutcome]:
    """Store each feed's result as it arrives, in this thread: writes stay serial."""
    outcomes: list[FeedOutcome] = []
    for done, future in enumerate(as_completed(futures), start=1):
        if cancel is not None and cancel.is_set():
            for pending in futures:
                pending.cancel()
            break
        outcome = _store(store, future.result(), datetime.now(timezone.utc))
        outcomes.append(outcome)
        progress(int(100 * done / total), f"Checked {outcome.name}")
    return outcomes
