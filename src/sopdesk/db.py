"""The database: one declarative Base, engines for SQLite (WAL) or PostgreSQL, sessions, migrations.

Every room keeps its tables in its own `models.py` on this Base and its migrations in
`sopdesk/migrations/versions/` on its own Alembic branch; `migrate()` upgrades every head.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator, create_engine, event, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from sopdesk.errors import Refusal

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Stable constraint names, so migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite stores no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, open transactions (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


_HELD = "sopdesk_write_lock"
READ_ONLY = "sopdesk_read_only"
IF_FREE = "sopdesk_write_if_free"  # a writer that gives up at once rather than queue
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_LOCK_WAIT_SECONDS = 5.0
PG_LOCK_TIMEOUT_MS = 5_000
PG_STATEMENT_TIMEOUT_MS = 60_000


def _sqlite_writer_lock(engine: Engine, path: str) -> None:
    """One transaction at a time per SQLite file in this process, queued on a Python lock.

    A deferred transaction that reads, then writes, fails at once ("database is locked") when
    another writer committed in between, so every transaction takes SQLite's write lock up front
    (BEGIN IMMEDIATE). Left to SQLite, the waiting threads would poll with sleeps of up to
    100 ms; queued here they wake the moment the lock is free. Other processes still meet
    SQLite's busy_timeout. Never open a second session while one of the same thread holds a
    transaction: it would wait out the timeout.
    """
    lock = _WRITE_LOCKS.setdefault(path, threading.Lock())

    def begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")  # a reader never upgrades: it needs no write lock
            return
        wait = 0.0 if conn.get_execution_options().get(IF_FREE) else _LOCK_WAIT_SECONDS
        if not lock.acquire(timeout=wait):
            raise sqlite3.OperationalError("database is locked (waited for another writer)")
        conn.info[_HELD] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            release(conn)
            raise

    def release(conn: Any) -> None:
        if conn.info.pop(_HELD, False):
            lock.release()

    def checkin(_dbapi: Any, record: Any) -> None:
        # A connection returned to the pool by any path gives the lock back.
        if record.info.pop(_HELD, False):
            lock.release()

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", release)
    event.listen(engine, "rollback", release)
    event.listen(engine.pool, "checkin", checkin)


def sqlite_file(url: str) -> Path | None:
    """The absolute path of a SQLite file database, None for memory or another backend."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).resolve()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL, foreign keys and one writer at a time."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 5})
        event.listen(engine, "connect", _sqlite_pragmas)
        _sqlite_writer_lock(engine, str(Path(path).resolve()) if path else url)
        return engine
    # A lock held elsewhere (a long migration, someone's psql) fails the statement after a few
    # seconds instead of hanging the sweepers and the intake without a word; the request
    # answers 503 and the sweeper's pass is logged and retried.
    options = f"-c lock_timeout={PG_LOCK_TIMEOUT_MS} -c statement_timeout={PG_STATEMENT_TIMEOUT_MS}"
    return create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        connect_args={"options": options},
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def driver_reason(exc: BaseException) -> str:
    """The first line of what the database driver said (SQLAlchemy wraps it in `orig`), for a
    log line or a message: the rest is the statement and its parameters."""
    return (str(getattr(exc, "orig", None) or exc).splitlines() or ["?"])[0]


class ReadOnlyWrite(RuntimeError):
    """Code holding a reader session tried to write: a bug (the write would not be queued
    behind the other writers, and on SQLite could fail or be lost)."""


def make_reader_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that only read: on SQLite they do not queue behind writers. Any attempt to
    flush a change through one raises `ReadOnlyWrite`."""
    return sessionmaker(
        engine.execution_options(**{READ_ONLY: True}),
        expire_on_commit=False,
        info={READ_ONLY: True},
    )


def make_if_free_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that write only if no other writer of this process holds SQLite's lock: they
    raise `sqlite3.OperationalError` at once instead of queueing (for bookkeeping a request may
    skip, like a token's last use, which must not make a read wait for a writer)."""
    return sessionmaker(engine.execution_options(**{IF_FREE: True}), expire_on_commit=False)


@event.listens_for(Session, "before_flush")
def _refuse_writes_of_readers(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise ReadOnlyWrite("a reader session was asked to write (a GET route that writes?)")


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits together or not at all (a refusal that `keeps_writes`
    commits what it recorded, then is raised)."""
    with factory() as session:
        with session.begin():
            try:
                yield session
            except Refusal as refusal:
                if not refusal.keeps_writes:
                    raise
                pending = refusal
            else:
                return
        raise pending


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("version_locations", str(MIGRATIONS / "versions"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Create or upgrade the database at `url` to every room's latest revision."""
    from alembic import command

    command.upgrade(alembic_config(url), "heads")
