"""SQLAlchemy models, sessions, repositories and Alembic migrations. No Qt."""

from .database import Database, open_store
from .store import Store

__all__ = ["Database", "Store", "open_store"]
