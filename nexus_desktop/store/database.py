"""Opening the database: engine, SQLite pragmas, migrations, backups.

SQLite runs in WAL mode with a busy timeout and foreign keys on. Write sessions
start with ``BEGIN IMMEDIATE`` so two writers queue for the lock instead of one
failing with "database is locked" halfway through. PostgreSQL is used as is.

Several processes may start at once on a new data folder: the schema is created
by one of them under a lock (SQLite's write lock, PostgreSQL's advisory lock)
while the others wait and then find it done. A damaged or unreadable SQLite file
is reported with its path and the newest automatic daily copy to restore.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from ..domain.errors import StoreError
from . import backups

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
SETTING = "store.database_url"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # The busy timeout first: switching to WAL takes a lock another new process may hold.
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn) -> None:
    immediate = conn.get_execution_options().get("nexus_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"the database URL is not valid: {exc}", hint=f"fix the setting {SETTING}") from exc
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        elif parsed.get_backend_name() == "postgresql":
            engine = create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=5, connect_args={"connect_timeout": 10})
        else:
            raise StoreError(
                f"unsupported database '{parsed.get_backend_name()}'",
                hint=f"set {SETTING} to a postgresql+psycopg:// URL or leave it empty for SQLite",
            )
    except (ArgumentError, NoSuchModuleError) as exc:
        raise StoreError(f"the database URL is not valid: {exc}", hint=f"fix the setting {SETTING}") from exc
    return engine


class Database:
    """An engine plus two session factories: one for reads, one for writes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(engine.execution_options(nexus_write=True), expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session:
            yield session
            session.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A short transaction that commits on success and rolls back on error."""
        with self._write() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()


def _alembic_config(connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _backup_sqlite(path: Path, revision: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    backup = path.with_name(f"{path.name}.before-{revision}-{stamp}.bak")
    # sqlite3's backup API copies a consistent snapshot even with a WAL file beside it.
    with sqlite3.connect(path) as source, sqlite3.connect(backup) as target:
        source.backup(target)
    return backup


MIGRATION_LOCK = 0x6E657875  # "nexu": PostgreSQL advisory lock id held while migrating


@contextmanager
def _migration_lock(engine: Engine) -> Iterator:
    """One connection in a transaction that holds the database's write lock, so of several
    processes starting at once one migrates and the others wait, then find it done."""
    if engine.dialect.name == "sqlite":
        with engine.execution_options(nexus_write=True).begin() as connection:  # BEGIN IMMEDIATE
            yield connection
    else:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            yield connection


_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)
_LITERAL = re.compile(r"""^(?:None|'[^']*'|"[^"]*")$""")


def _written_head() -> str | None:
    """The newest revision, read from the migration files' ``revision``/``down_revision``
    lines without importing Alembic (0.1-0.2 s of CPU at every start); None when
    the files do not say it plainly (a merge, a computed value): then Alembic decides."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if not {"revision", "down_revision"} <= found.keys() or not all(_LITERAL.match(v) for v in found.values()):
            return None
        revisions.add(found["revision"].strip("'\""))
        if found["down_revision"] != "None":
            parents.add(found["down_revision"].strip("'\""))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    """The database's revision, or None for a new database (no table yet)."""
    with engine.connect() as connection:
        if not engine.dialect.has_table(connection, "alembic_version"):
            return None
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; refuse a database from a newer app.
    An up-to-date database (every start but the first after an update) is recognised
    without loading Alembic."""
    head = _written_head()
    if head is not None and _stored_revision(engine) == head:
        return
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(_alembic_config(None))
    head = scripts.get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current == head:
        return
    with _migration_lock(engine) as connection:
        current = MigrationContext.configure(connection).get_current_revision()  # another process may have done it
        if current == head:
            return
        if current is not None and current not in {rev.revision for rev in scripts.walk_revisions()}:
            raise StoreError(
                f"this database was written by a newer version of Nexus Desktop (schema {current})",
                hint="update the app, or choose another data folder; the database was left untouched",
            )
        if current is not None and engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            backup = _backup_sqlite(Path(engine.url.database), current)
            log.info("copied the database to %s before migrating", backup)
        command.upgrade(_alembic_config(connection), "head")


def _sqlite_file(engine: Engine) -> Path | None:
    name = engine.url.database if engine.dialect.name == "sqlite" else None
    return Path(name) if name and name != ":memory:" and not name.startswith("file:") else None


def open_store(url: str, *, daily_backups: int = 0) -> Database:
    """Connect, migrate and return the database, or raise StoreError saying what to fix.

    With ``daily_backups`` a SQLite database is copied once a day (the newest that
    many copies are kept), and a damaged one names the newest copy to restore."""
    engine = make_engine(url)
    path = _sqlite_file(engine)
    if path is not None:
        backups.secure_new_file(path)
    try:
        migrate(engine)
        if path is not None and daily_backups:
            backups.daily_copy(path, keep=daily_backups)
    except BaseException as exc:
        engine.dispose()
        if not isinstance(exc, DatabaseError):
            raise
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if path is not None:
            raise backups.unreadable(path, reason) from exc
        raise StoreError(f"cannot open the database: {reason}", hint=f"check the setting {SETTING}") from exc
    return Database(engine)


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def copy_database_file(source: Path, target: Path) -> None:
    shutil.copy2(source, target)
