from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError

from db.engine import (
    SQLITE_BUSY_TIMEOUT_MS,
    OldPagesKeptError,
    make_engine,
    purge_old_pages,
    transaction,
)
from db.models import Contact, Partner


def test_it_enforces_foreign_keys(engine: Engine) -> None:
    with pytest.raises(IntegrityError), transaction(engine) as session:
        session.add(Contact(partner_id=999_999, name="Nobody", language="en"))


def test_it_runs_sqlite_in_wal_mode(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_it_rolls_back_everything_on_error(engine: Engine) -> None:
    with pytest.raises(RuntimeError), transaction(engine) as session:
        session.add(Partner(vendor_number="1", name="A", language="fr", time_zone="UTC"))
        session.flush()
        raise RuntimeError("boom")
    with transaction(engine) as session:
        assert session.scalars(select(Partner)).all() == []


def test_it_keeps_datetimes_aware_and_in_utc(engine: Engine) -> None:
    dakar_evening = datetime(2026, 3, 1, 22, 30, tzinfo=timezone(timedelta(hours=-5)))
    with transaction(engine) as session:
        partner = Partner(vendor_number="1", name="A", language="fr", time_zone="UTC")
        session.add(partner)
        session.flush()
        session.add(Contact(partner=partner, name="B", language="fr", opted_out_at=dakar_evening))
    with transaction(engine) as session:
        stored = session.scalars(select(Contact)).one().opted_out_at
    assert stored == dakar_evening
    assert stored is not None and stored.tzinfo == UTC


def test_it_refuses_naive_datetimes(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"), transaction(engine) as session:
        partner = Partner(vendor_number="1", name="A", language="fr", time_zone="UTC")
        session.add(
            Contact(partner=partner, name="B", language="fr", opted_out_at=datetime(2026, 1, 1))
        )


@pytest.fixture
def wal_engine(tmp_path: Path) -> Iterator[Engine]:
    """A SQLite engine whose one table holds a name, then holds it no more."""
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE people (name TEXT)"))
        connection.execute(text("INSERT INTO people VALUES ('Aminata Diallo')"))
    yield engine
    engine.dispose()


def files_of(tmp_path: Path) -> bytes:
    return b"".join(found.read_bytes() for found in sorted(tmp_path.glob("wal.db*")))


def test_a_purge_empties_the_write_ahead_log_of_old_pages(
    wal_engine: Engine, tmp_path: Path
) -> None:
    with wal_engine.begin() as connection:
        connection.execute(text("UPDATE people SET name = '[erased]'"))
    assert b"Aminata Diallo" in files_of(tmp_path)
    purge_old_pages(wal_engine, wait_ms=0)
    assert b"Aminata Diallo" not in files_of(tmp_path)


def test_a_purge_that_a_reader_holds_up_says_so_and_a_later_one_finishes(
    wal_engine: Engine, tmp_path: Path
) -> None:
    # Another process (the portal, a worker) reading the snapshot from before the change.
    reader = sqlite3.connect(tmp_path / "wal.db", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT name FROM people").fetchall()
    with wal_engine.begin() as connection:
        connection.execute(text("UPDATE people SET name = '[erased]'"))
    with pytest.raises(OldPagesKeptError, match="write-ahead log still holds old pages"):
        purge_old_pages(wal_engine, wait_ms=0)
    assert b"Aminata Diallo" in files_of(tmp_path)
    reader.execute("COMMIT")
    reader.close()
    purge_old_pages(wal_engine, wait_ms=0)
    assert b"Aminata Diallo" not in files_of(tmp_path)


def test_a_purge_gives_its_connection_back_with_the_usual_busy_timeout(
    wal_engine: Engine,
) -> None:
    purge_old_pages(wal_engine, wait_ms=0)
    with wal_engine.connect() as connection:
        timeout = connection.execute(text("PRAGMA busy_timeout")).scalar()
    assert timeout == SQLITE_BUSY_TIMEOUT_MS
