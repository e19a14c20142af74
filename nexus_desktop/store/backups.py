"""Daily copies of the SQLite database, and what to say when the database cannot be read.

Once a day, when the store opens, the database is copied with SQLite's backup
API (a consistent snapshot even while another process writes) to
``backups/<name>-YYYY-MM-DD.sqlite3`` beside it, under a temporary name renamed
when complete. The newest ``store.daily_backups`` copies are kept. A damaged or
unreadable database is then reported with its path and the newest copy to restore.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from ..domain.errors import StoreError

log = logging.getLogger(__name__)

FOLDER = "backups"
SETTING = "store.daily_backups"


def folder_for(database: Path) -> Path:
    return database.parent / FOLDER


def _copies(database: Path) -> list[Path]:
    folder = folder_for(database)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{database.stem}-????-??-??{database.suffix}"))


def newest_copy(database: Path) -> Path | None:
    copies = _copies(database)
    return copies[-1] if copies else None


def secure_new_file(database: Path) -> None:
    """The database's folder private to this user (0700) and the file itself 0600."""
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not database.exists():
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
    for path in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
        try:
            if path.exists() and path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except OSError:
            pass  # not ours to change; reading it still works


def daily_copy(database: Path, *, keep: int, today: datetime | None = None) -> Path | None:
    """Copy the database once per day; keep the newest ``keep`` copies. A copy that cannot be
    made is logged and the app goes on: the database itself is fine."""
    day = (today or datetime.now(timezone.utc)).strftime("%Y-%m-%d")
    target = folder_for(database) / f"{database.stem}-{day}{database.suffix}"
    if target.exists() or not database.exists() or database.stat().st_size == 0:
        return None
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        target.parent.mkdir(mode=0o700, exist_ok=True)
        with sqlite3.connect(database) as source, sqlite3.connect(partial) as copy:
            source.backup(copy)
        source.close()
        copy.close()
        partial.chmod(0o600)
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        log.warning("could not make today's copy of the database in %s: %s", target.parent, exc)
        return None
    for old in _copies(database)[:-keep]:
        old.unlink(missing_ok=True)
    return target


def unreadable(database: Path, reason: str) -> StoreError:
    """A sentence, the path, and the newest copy to restore."""
    damaged = any(word in reason.lower() for word in ("not a database", "malformed", "disk image", "corrupt"))
    what = "is damaged" if damaged else "cannot be opened"
    copy = newest_copy(database)
    if copy is not None:
        hint = (f"close Nexus Desktop and replace {database} with its newest automatic copy {copy} "
                f"(copies are made daily; {SETTING} sets how many are kept)")
    elif damaged:
        hint = f"there is no automatic copy yet; move {database} aside to start with an empty database"
    else:
        hint = f"check that {database} and its folder can be read and written by you"
    return StoreError(f"the database {database} {what} ({reason})", hint=hint)
