"""Another process reading a SQLite database: its open read transaction keeps the
snapshot it started on, so pages written since cannot leave the write-ahead log."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, make_url

import db.engine


@contextmanager
def reading(engine: Engine) -> Iterator[None]:
    """Hold a read transaction open on `engine`'s SQLite file (a second, real connection,
    as the portal or a worker would hold) until the block ends."""
    reader = sqlite3.connect(str(make_url(str(engine.url)).database), isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sqlite_master").fetchall()
        yield
    finally:
        reader.close()


def no_wait_for_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make purges give up at once, instead of waiting for readers, in this test."""
    monkeypatch.setattr(db.engine, "PURGE_WAIT_MS", 0)
