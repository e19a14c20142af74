"""Assets: the files stages made, and their sync status."""

from __future__ import annotations

from sqlalchemy import select

from .database import Database
from .models import Asset
from .views import AssetView


def _view(a: Asset) -> AssetView:
    return AssetView(a.id, a.job_id, a.kind, a.path, a.format, a.duration, a.checksum, a.size, a.sync_status, a.sync_error, a.remote_key)


class AssetRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    def for_job(self, job_id: int, kind: str | None = None) -> list[AssetView]:
        with self.db.read() as session:
            query = select(Asset).where(Asset.job_id == job_id)
            if kind:
                query = query.where(Asset.kind == kind)
            return [_view(a) for a in session.scalars(query.order_by(Asset.id))]

    def all(self) -> list[AssetView]:
        with self.db.read() as session:
            return [_view(a) for a in session.scalars(select(Asset).order_by(Asset.id))]

    def set_sync(self, asset_id: int, status: str, *, error: str | None = None, remote_key: str | None = None,
                 remote_checksum: str | None = None) -> None:
        with self.db.write() as session:
            asset = session.get(Asset, asset_id)
            if asset is None:
                return
            asset.sync_status, asset.sync_error = status, error
            if remote_key is not None:
                asset.remote_key = remote_key
            if remote_checksum is not None:
                asset.remote_checksum = remote_checksum
