"""Feed sources: add, list, remove, and what the last fetch found."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from .database import Database
from .models import Item, Source
from .views import SourceView


def _view(source: Source, item_count: int) -> SourceView:
    return SourceView(
        id=source.id,
        url=source.url,
        title=source.title,
        site_url=source.site_url,
        active=source.active,
        last_checked=source.last_checked,
        last_error=source.last_error,
        item_count=item_count,
        etag=source.etag,
        last_modified=source.last_modified,
    )


class SourceRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, url: str, title: str = "") -> tuple[SourceView, bool]:
        """Add a feed; returns (source, created). Adding a known URL returns the existing one."""
        with self.db.write() as session:
            existing = session.scalar(select(Source).where(Source.url == url))
            if existing is not None:
                if not existing.title and title:
                    existing.title = title
                return self._count_view(session, existing), False
            source = Source(url=url, title=title, active=True)
            session.add(source)
            session.flush()
            return _view(source, 0), True

    def _count_view(self, session, source: Source) -> SourceView:
        count = session.scalar(select(func.count(Item.id)).where(Item.source_id == source.id)) or 0
        return _view(source, count)

    def list(self, *, active_only: bool = False) -> list[SourceView]:
        with self.db.read() as session:
            counts = dict(session.execute(select(Item.source_id, func.count(Item.id)).group_by(Item.source_id)).all())
            query = select(Source).order_by(Source.id)
            if active_only:
                query = query.where(Source.active.is_(True))
            return [_view(s, counts.get(s.id, 0)) for s in session.scalars(query)]

    def get(self, source_id: int) -> SourceView | None:
        with self.db.read() as session:
            source = session.get(Source, source_id)
            return self._count_view(session, source) if source else None

    def set_active(self, source_id: int, active: bool) -> None:
        with self.db.write() as session:
            source = session.get(Source, source_id)
            if source is not None:
                source.active = active

    def remove(self, source_id: int) -> None:
        """Forget the feed; items and the jobs made from them stay."""
        with self.db.write() as session:
            session.execute(delete(Source).where(Source.id == source_id))

    def record_fetch(
        self,
        source_id: int,
        *,
        checked_at: datetime,
        error: str | None,
        etag: str | None = None,
        last_modified: str | None = None,
        title: str | None = None,
        site_url: str | None = None,
        keep_validators: bool = False,
    ) -> None:
        with self.db.write() as session:
            source = session.get(Source, source_id)
            if source is None:
                return
            source.last_checked = checked_at
            source.last_error = error
            if not keep_validators:
                source.etag = etag
                source.last_modified = last_modified
            if title and not source.title:
                source.title = title
            if site_url:
                source.site_url = site_url
