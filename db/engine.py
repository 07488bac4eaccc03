"""Engines and sessions: SQLite with foreign keys, WAL and secure delete, PostgreSQL
through psycopg 3."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from db.migrate import ensure_migrated

SQLITE_BUSY_TIMEOUT_MS = 30_000
# How long a purge waits for other connections' readers to move past the old pages.
PURGE_WAIT_MS = 10_000
# What a purge that could not finish says, and what staff then do.
OLD_PAGES_KEPT = (
    "SQLite's write-ahead log still holds old pages: "
    "stop the portal and workers, then run `continuity db purge`"
)


def make_engine(url: str, **options: Any) -> Engine:
    """Return an engine for `url`; SQLite connections get foreign keys, WAL and a busy
    timeout. A statement's values never show in its errors or logs: they hold partners'
    names, addresses and words, and a task's error reaches Prefect's logs."""
    # A pooled PostgreSQL connection is tried before use: after a restart, or when a
    # delivery lane lost its connection, the others in the pool are dead too.
    ping = {"pool_pre_ping": True} if url.startswith("postgresql") else {}
    engine = create_engine(url, **{"hide_parameters": True, **ping, **options})
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see the
        # "Serializable isolation / Savepoints / Transactional DDL" notes in its docs).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        # What is deleted or overwritten is zeroed in the file, not left in free pages:
        # an erased person's name must not stay readable in the database file.
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(f"BEGIN {connection.get_execution_options().get(_MODE, '')}")


_MODE = "sqlite_begin"


def for_writing(engine: Engine) -> Engine:
    """Return `engine` whose SQLite transactions take the write lock up front (BEGIN
    IMMEDIATE), waiting up to the busy timeout. A deferred transaction that reads, then
    writes, fails at once with "database is locked" when another process wrote in
    between, as concurrent deliver workers do. Reads elsewhere keep WAL's concurrency."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{_MODE: "IMMEDIATE"})


class OldPagesKeptError(RuntimeError):
    """SQLite's write-ahead log still holds earlier versions of pages: another connection
    (the portal, a delivery or collection worker) kept a read transaction open. The
    message says what staff do about it."""


def purge_old_pages(engine: Engine, wait_ms: int | None = None) -> None:
    """Leave no earlier version of a page in SQLite's files: the write-ahead log is copied
    into the database and truncated to nothing (pages overwritten or freed there are zeroed,
    as secure delete asks). Nothing to do on PostgreSQL, whose old row versions go at the
    next VACUUM (the README says so).

    A reader of an older snapshot holds the log: SQLite's busy handler waits for it up to
    `wait_ms` (default `PURGE_WAIT_MS`), then the checkpoint gives up without an error, so
    its result row is checked. Raise `OldPagesKeptError` when the log could not be emptied;
    calling again once the readers are gone finishes the job."""
    if engine.dialect.name != "sqlite":
        return
    wait = PURGE_WAIT_MS if wait_ms is None else wait_ms
    with engine.connect() as connection:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait)}")
        try:
            busy, _log, _done = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        finally:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    if busy:
        raise OldPagesKeptError(OLD_PAGES_KEPT)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """Yield a session whose work is committed on success and rolled back on any error."""
    with session_factory(engine).begin() as session:
        yield session


def migrated_engine(url: str) -> Engine:
    """Return an engine on `url`; raise `NotMigratedError` (naming the command to run)
    when its schema is not at the newest revision."""
    engine = make_engine(url)
    try:
        ensure_migrated(engine)
    except Exception:
        engine.dispose()
        raise
    return engine


@cache
def engine_for(url: str) -> Engine:
    """Return the process's one migrated engine for `url` (pooled, reused by every task
    run in the process)."""
    return migrated_engine(url)
