"""Guarded updates of claimed outbox rows by primary key, committed: what `RowWrites`
(db/outbox.py) executes.

A row is written only while the claim that loaded it still holds it (status `sending`,
same claim); the hand-over's row only while its contact is not erased either. Delivery
commits once a message, so on PostgreSQL the updates and their commit go straight to the
driver as prepared statements, below the ORM and the session: with several lanes in one
process the client's time per message is what limits delivery, and SQLAlchemy's path (or
psycopg's pipeline mode, measured) cost more of it than the round trips they saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import psycopg
from sqlalchemy import Connection, Dialect, bindparam, exists, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Update

from db.models import Contact, Message, MessageStatus
from db.models.base import utcnow

Row = dict[str, Any]


def committed(session: Session, rows: Iterable[Row], held: Row | None = None) -> bool:
    """Execute `rows` and `held` (a hand-over: written only on a living contact) and
    commit; return False when `held` changed no row (the rest is committed all the same)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _committed_by_the_driver(connection, list(rows), held)
    changed = written(session, [held], living=True) if held else 1
    written(session, rows)
    session.commit()
    return changed == 1


def written(session: Session, rows: Iterable[Row], living: bool = False) -> int:
    """Execute `rows` as guarded updates by id (`living`: only of contacts not erased);
    return how many rows they changed. The caller commits."""
    connection, changed = session.connection(), 0
    for columns, group in _by_columns(rows).items():
        result = connection.execute(_update_by_id(columns, living), [_keyed(r) for r in group])
        changed += max(0, result.rowcount)
    return changed


def _committed_by_the_driver(connection: Connection, rows: list[Row], held: Row | None) -> bool:
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        held_cursor = _executed(driver, connection.dialect, [held], living=True) if held else None
        for group in _by_columns(rows).values():
            _executed(driver, connection.dialect, group)
        # SQLAlchemy's transaction stays open around it: its own commit at the end of the
        # lane finds nothing left to do, and what the session reads meanwhile begins a new
        # transaction in the driver, as every read does.
        driver.commit()
    except psycopg.Error as error:  # raised by psycopg itself, outside SQLAlchemy's wrapping
        connection.invalidate(error)  # in no known state: never reuse it
        raise DBAPIError.instance(
            "outbox row updates", None, error, psycopg.Error, hide_parameters=True
        ) from error
    return held_cursor is None or held_cursor.rowcount == 1


def _executed(
    driver: psycopg.Connection[Any], dialect: Dialect, rows: list[Row], living: bool = False
) -> psycopg.Cursor[Any]:
    """Execute `rows` (all with the same columns) as one prepared guarded update; return
    its cursor (its row count)."""
    sql, static, processors = _statement(frozenset(rows[0]) - {"id", "claim"}, living, dialect)
    now = utcnow()
    params = [_processed({**static, **_keyed(row), "updated_at": now}, processors) for row in rows]
    cursor = driver.cursor()
    if len(params) == 1:
        cursor.execute(sql, params[0], prepare=True)
    else:
        cursor.executemany(sql, params)
    return cursor


@lru_cache(maxsize=64)
def _statement(
    columns: frozenset[str], living: bool, dialect: Dialect
) -> tuple[str, Row, dict[str, Any]]:
    """Return the guarded update as the driver's SQL, its constant parameters, and the
    type conversion of each parameter (as SQLAlchemy would apply it)."""
    compiled = _update_by_id(columns | {"updated_at"}, living).compile(dialect=dialect)
    processors = {
        name: bind.type.dialect_impl(dialect).bind_processor(dialect)
        for name, bind in compiled.binds.items()
    }
    constants = {k: v for k, v in compiled.params.items() if k not in columns | _KEYS}
    return compiled.string, constants, processors


_KEYS = {"id_", "claim_", "updated_at"}


def _processed(params: Row, processors: dict[str, Any]) -> Row:
    return {
        name: processor(value) if (processor := processors.get(name)) else value
        for name, value in params.items()
    }


def _by_columns(rows: Iterable[Row]) -> dict[frozenset[str], list[Row]]:
    """Return `rows` grouped by the columns they set: one statement a group."""
    groups: dict[frozenset[str], list[Row]] = {}
    for row in rows:
        groups.setdefault(frozenset(row) - {"id", "claim"}, []).append(row)
    return groups


@lru_cache(maxsize=64)
def _update_by_id(columns: frozenset[str], living: bool) -> Update:
    table = Message.metadata.tables[Message.__tablename__]
    contacts = Contact.metadata.tables[Contact.__tablename__]
    statement = update(table).where(
        table.c.id == bindparam("id_"),
        table.c.claim == bindparam("claim_"),
        table.c.status == MessageStatus.SENDING.value,
    )
    if living:
        erased = exists().where(
            contacts.c.id == table.c.contact_id, contacts.c.erased_at.is_not(None)
        )
        statement = statement.where(~erased)
    return statement.values({column: bindparam(column) for column in sorted(columns)})


def _keyed(row: Row) -> Row:
    """Return `row` with its id and claim under `id_` and `claim_`: a bound parameter may
    not share a column's name."""
    keyed = {key: value for key, value in row.items() if key not in ("id", "claim")}
    keyed["id_"], keyed["claim_"] = row["id"], row["claim"]
    return keyed
