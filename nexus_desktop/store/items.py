"""Feed items: stored once, however often a feed repeats, re-orders or re-dates them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from ..domain import jobs as job_states
from .database import Database
from .models import Item, Job, Source

CHUNK = 500


@dataclass(frozen=True)
class NewItem:
    guid: str | None
    link: str | None
    title: str
    author: str
    published: datetime | None
    summary: str
    content: str
    image_url: str | None
    language: str | None
    content_hash: str
    image_urls: tuple[str, ...] = ()  # every image the item carries, in order; image_url is the first


def _chunks(values: Sequence[str], size: int = CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _known(session, column, values: set[str], *where) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(v for v in values if v)):
        found.update(session.scalars(select(column).where(column.in_(chunk), *where)))
    return found


def _known_by_feed(session, column, values: set[str], source_id: int) -> tuple[set[str], set[str]]:
    """Values already stored: (in this feed, in any other feed)."""
    here: set[str] = set()
    elsewhere: set[str] = set()
    for chunk in _chunks(sorted(v for v in values if v)):
        for value, owner in session.execute(select(column, Item.source_id).where(column.in_(chunk))):
            (here if owner == source_id else elsewhere).add(value)
    return here, elsewhere


@dataclass(frozen=True)
class FetchRecord:
    """What one fetch of a feed found; stored in the same transaction as its items."""

    checked_at: datetime
    error: str | None
    etag: str | None
    last_modified: str | None
    title: str | None = None
    site_url: str | None = None


@dataclass(frozen=True)
class Added:
    new_jobs: int  # queued to be made into videos
    held: int = 0  # new but over the per-feed cap: kept as cancelled jobs marked older


HELD_REASON = ("older item: over the {limit} new jobs one feed may add per harvest "
               "(setting harvest.max_new_jobs_per_feed); queue it again to make a video")


def _newest_first(items: Sequence[NewItem]) -> list[NewItem]:
    """Dated items newest first, then the undated ones in feed order (feeds list newest first)."""
    dated = sorted((i for i in items if i.published), key=lambda i: i.published, reverse=True)
    return dated + [i for i in items if not i.published]


class ItemRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add_new(self, source_id: int, items: Sequence[NewItem]) -> int:
        """Store the items not seen before and make a job for each; returns how many."""
        with self.db.write() as session:
            return self._add(session, source_id, items, None).new_jobs

    def store_fetch(self, source_id: int, items: Sequence[NewItem], fetched: FetchRecord,
                    *, max_new: int | None = None) -> Added:
        """The feed's new items, their jobs and its validators (ETag, Last-Modified) in one
        transaction: if the items cannot be stored, the next harvest downloads them again."""
        with self.db.write() as session:
            source = session.get(Source, source_id)
            if source is None:
                return Added(0)
            if fetched.title and not source.title:  # first, so the first harvest's jobs carry the feed's name
                source.title = fetched.title
            if fetched.site_url:
                source.site_url = fetched.site_url
            added = self._add(session, source_id, items, max_new)
            source.last_checked = fetched.checked_at
            source.last_error = fetched.error
            source.etag = fetched.etag
            source.last_modified = fetched.last_modified
            return added

    def _fresh(self, session, source_id: int, items: Sequence[NewItem]) -> list[NewItem]:
        """The items not stored before.

        Within one feed an item with a guid is known by its guid alone: episodes that
        share a link, or links that differ by a #fragment, are separate items when their
        guids differ. An item without a guid is known by its link or its text. Across
        feeds, the same link or the same text is one article (one job).
        """
        guids = _known(session, Item.guid, {i.guid for i in items if i.guid}, Item.source_id == source_id)
        links_here, links_elsewhere = _known_by_feed(session, Item.link, {i.link for i in items if i.link}, source_id)
        hashes_here, hashes_elsewhere = _known_by_feed(session, Item.content_hash, {i.content_hash for i in items}, source_id)
        fresh: list[NewItem] = []
        batch_guids: set[str] = set()
        batch_links: set[str] = set()
        batch_hashes: set[str] = set()
        for new in items:
            if new.guid:
                if new.guid in guids or new.guid in batch_guids:
                    continue
                if (new.link and new.link in links_elsewhere) or new.content_hash in hashes_elsewhere:
                    continue
            elif (new.link and (new.link in links_here or new.link in links_elsewhere or new.link in batch_links)) or (
                new.content_hash in hashes_here or new.content_hash in hashes_elsewhere or new.content_hash in batch_hashes
            ):
                continue
            batch_guids.add(new.guid or "")
            batch_links.add(new.link or "")
            batch_hashes.add(new.content_hash)
            fresh.append(new)
        return fresh

    def _add(self, session, source_id: int, items: Sequence[NewItem], max_new: int | None) -> Added:
        if not items:
            return Added(0)
        source = session.get(Source, source_id)
        source_title = source.title if source else ""
        fresh = self._fresh(session, source_id, items)
        if not fresh:
            return Added(0)
        queued = {id(new) for new in (fresh if max_new is None else _newest_first(fresh)[:max_new])}
        rows = [{"source_id": source_id, **new.__dict__, "image_urls": list(new.image_urls)} for new in fresh]
        # executemany with RETURNING, batched by SQLAlchemy ("insertmanyvalues") on SQLite and PostgreSQL.
        ids = list(session.scalars(insert(Item).returning(Item.id, sort_by_parameter_order=True), rows))
        state = job_states.created()
        held = job_states.JobState(job_states.JobStatus.CANCELLED, state.done)
        reason = HELD_REASON.format(limit=max_new)
        jobs = []
        for new, row, item_id in zip(fresh, rows, ids):
            now = state if id(new) in queued else held
            jobs.append({
                "item_id": item_id, "title": row["title"], "source_title": source_title,
                "status": now.status.value, "stage": now.stage.value, "done": now.done_names(),
                "results": {}, "errors": {}, "error": None if now is state else reason,
            })
        session.execute(insert(Job), jobs)
        return Added(len(queued), len(fresh) - len(queued))
