"""Guarded updates of claimed outbox rows by primary key, committed: what `RowWrites`
(db/outbox.py) executes.

A row is written only while the claim that loaded it still holds it (status `sending`,
same claim); the hand-over's row only while its contact is not erased either. Delivery
commits once a message, so on PostgreSQL the updates and their commit go straight to the
driver as prepared statements, below the ORM and the session: with several lanes in one
process the client's time per message is what limits delivery, and SQLAlchemy's path (or
psycopg's pipeline mode, measured) cost more of it than the round trips they saved. On a
lane's autocommit connection a hand-over and the answer before it are one statement, one
round trip instead of four."""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import nullcontext
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
    if driver.autocommit and not rows and held is None:
        return True  # nothing to write, and no transaction open to end
    try:
        if driver.autocommit and len(rows) + (held is not None) <= ONE_STATEMENT_ROWS:
            return _written_at_once(driver, connection.dialect, rows, held)
        with driver.transaction() if driver.autocommit else nullcontext():
            changed = _executed(driver, connection.dialect, [held], living=True) if held else 1
            for group in _by_columns(rows).values():
                _executed(driver, connection.dialect, group)
        # Outside autocommit SQLAlchemy's transaction stays open around it: its own commit
        # at the end finds nothing left to do, and what the session reads meanwhile begins
        # a new transaction in the driver, as every read does.
        if not driver.autocommit:
            driver.commit()
    except psycopg.Error as error:  # raised by psycopg itself, outside SQLAlchemy's wrapping
        connection.invalidate(error)  # in no known state: never reuse it
        raise DBAPIError.instance(
            "outbox row updates", None, error, psycopg.Error, hide_parameters=True
        ) from error
    return changed == 1


def _executed(
    driver: psycopg.Connection[Any], dialect: Dialect, rows: list[Row], living: bool = False
) -> int:
    """Execute `rows` (all with the same columns) as one prepared guarded update; return
    how many rows it changed."""
    sql, static, processors = _statement(frozenset(rows[0]) - {"id", "claim"}, living, dialect)
    now = utcnow()
    params = [_processed({**static, **_keyed(row), "updated_at": now}, processors) for row in rows]
    cursor = driver.cursor()
    if len(params) == 1:
        cursor.execute(sql, params[0], prepare=True)
    else:
        cursor.executemany(sql, params)
    return max(0, cursor.rowcount)


def _written_at_once(
    driver: psycopg.Connection[Any], dialect: Dialect, rows: list[Row], held: Row | None
) -> bool:
    """Write `held` and `rows` in one statement, one update each in a `WITH`, which an
    autocommit connection commits on its own: one round trip to the server where a
    transaction takes four (BEGIN, two updates, COMMIT). Return False when `held`
    changed no row."""
    shapes = tuple((frozenset(row) - {"id", "claim"}, False) for row in rows)
    if held is not None:
        shapes = ((frozenset(held) - {"id", "claim"}, True), *shapes)
    sql, parameters = _combined(shapes, dialect)
    now, params = utcnow(), []
    for row, (static, names) in zip([held, *rows] if held else rows, parameters, strict=True):
        values = {**static, **_keyed(row), "updated_at": now}
        params += [process(values[name]) if process else values[name] for name, process in names]
    cursor = driver.cursor().execute(sql, params, prepare=True)
    found = cursor.fetchone()
    return held is None or (found is not None and found[0] == 1)


@lru_cache(maxsize=64)
def _combined(
    shapes: tuple[tuple[frozenset[str], bool], ...], dialect: Dialect
) -> tuple[str, list[tuple[Row, list[tuple[str, Any]]]]]:
    """Return one statement of the guarded updates `shapes` (columns, living) and, for
    each, its constant parameters and its placeholders' names and conversions in order;
    the statement answers how many rows the first update changed."""
    updates, parameters = [], []
    for number, (columns, living) in enumerate(shapes):
        sql, static, processors = _statement(columns, living, dialect)
        names = _NAMED.findall(sql)
        updates.append(f"u{number} AS ({_NAMED.sub('%s', sql)} RETURNING 1)")
        parameters.append((static, [(name, processors.get(name)) for name in names]))
    return f"WITH {', '.join(updates)} SELECT (SELECT count(*) FROM u0)", parameters


# At most this many rows are written in one statement (a hand-over and the answer before
# it); more (the end of a batch) go in a transaction.
ONE_STATEMENT_ROWS = 2
# A named placeholder as SQLAlchemy's psycopg dialect writes them.
_NAMED = re.compile(r"%\((\w+)\)s")


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
