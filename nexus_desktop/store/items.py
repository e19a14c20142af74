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


def _chunks(values: Sequence[str], size: int = CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _known(session, column, values: set[str], *where) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(v for v in values if v)):
        found.update(session.scalars(select(column).where(column.in_(chunk), *where)))
    return found


class ItemRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add_new(self, source_id: int, items: Sequence[NewItem]) -> int:
        """Store the items not seen before and make a job for each; returns how many.

        An item is already known by its guid within the same feed, else by its
        link or its content hash across every feed (the same article reached
        through two feeds is one job).
        """
        if not items:
            return 0
        with self.db.write() as session:
            source = session.get(Source, source_id)
            source_title = source.title if source else ""
            guids = _known(session, Item.guid, {i.guid for i in items if i.guid}, Item.source_id == source_id)
            links = _known(session, Item.link, {i.link for i in items if i.link})
            hashes = _known(session, Item.content_hash, {i.content_hash for i in items})
            fresh: list[dict] = []
            for new in items:
                if (new.guid and new.guid in guids) or (new.link and new.link in links) or new.content_hash in hashes:
                    continue
                guids.add(new.guid or "")
                links.add(new.link or "")
                hashes.add(new.content_hash)
                fresh.append({"source_id": source_id, **new.__dict__})
            if not fresh:
                return 0
            # executemany, then one look-up of the new ids by their (unique here) content hashes:
            # far cheaper than ORM inserts or per-row RETURNING.
            session.execute(insert(Item), fresh)
            ids = {}
            for chunk in _chunks([row["content_hash"] for row in fresh]):
                query = select(Item.content_hash, Item.id).where(Item.source_id == source_id, Item.content_hash.in_(chunk))
                ids.update((h, i) for h, i in session.execute(query))
            state = job_states.created()
            session.execute(
                insert(Job),
                [
                    {
                        "item_id": ids[row["content_hash"]],
                        "title": row["title"],
                        "source_title": source_title,
                        "status": state.status.value,
                        "stage": state.stage.value,
                        "done": state.done_names(),
                        "results": {},
                        "errors": {},
                    }
                    for row in fresh
                ],
            )
            return len(fresh)
