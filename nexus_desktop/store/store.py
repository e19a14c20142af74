"""The store: one database and its repositories."""

from __future__ import annotations

from ..paths import AppPaths
from ..settings import Settings
from .accounts import AccountRepo
from .assets import AssetRepo
from .database import Database, open_store, sqlite_url
from .items import ItemRepo
from .jobs import JobRepo
from .posts import PostRepo
from .sources import SourceRepo
from .targets import TargetRepo


class Store:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.sources = SourceRepo(db)
        self.items = ItemRepo(db)
        self.jobs = JobRepo(db)
        self.assets = AssetRepo(db)
        self.posts = PostRepo(db)
        self.targets = TargetRepo(db)
        self.accounts = AccountRepo(db)

    @classmethod
    def open(cls, url: str, *, daily_backups: int = 0) -> "Store":
        return cls(open_store(url, daily_backups=daily_backups))

    @classmethod
    def for_settings(cls, settings: Settings, paths: AppPaths) -> "Store":
        from ..secrets import database_url_with_password

        url = database_url_with_password(settings.store.database_url) if settings.store.database_url else sqlite_url(paths.database)
        return cls.open(url, daily_backups=settings.store.daily_backups)

    def close(self) -> None:
        self.db.close()
