"""Many rows inserted on PostgreSQL as one short statement over one array per column.

SQLAlchemy's "insertmanyvalues" sends a statement as long as its rows (`VALUES (...),
(...)` a thousand times over), and psycopg parses every such statement anew to find its
placeholders: that parse was half of planning a campaign. `INSERT ... SELECT FROM
unnest(...)` takes the same rows as a handful of arrays, so the statement is short, the
same for every chunk, and parsed once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table
from sqlalchemy.orm import Session

Row = dict[str, Any]


def inserted_as_arrays(
    session: Session,
    table: Table,
    rows: Sequence[Row],
    conflict: tuple[str, ...],
    returning: tuple[str, ...],
) -> list[tuple[Any, ...]]:
    """Insert `rows` (dicts with the same keys, column names of `table`) in their order,
    skipping any that conflicts on the unique columns `conflict`; return the `returning`
    columns of those inserted. PostgreSQL only; the caller commits."""
    if not rows:
        return []
    connection: Connection = session.connection()
    names = tuple(rows[0])
    sql, processors = _statement(table, names, conflict, returning, connection.dialect)
    arrays = tuple(
        [process(row[name]) for row in rows] if process else [row[name] for row in rows]
        for name, process in zip(names, processors, strict=True)
    )
    return [tuple(found) for found in connection.exec_driver_sql(sql, arrays)]


@lru_cache(maxsize=16)
def _statement(
    table: Table,
    names: tuple[str, ...],
    conflict: tuple[str, ...],
    returning: tuple[str, ...],
    dialect: Dialect,
) -> tuple[str, list[Any]]:
    """Return the statement's SQL and each column's conversion to what the driver takes
    (as SQLAlchemy converts a bound value of that column's type)."""
    columns = [table.c[name] for name in names]
    preparer = dialect.identifier_preparer
    # The arrays' types without their length: an explicit cast to VARCHAR(255) would cut a
    # longer value where the insert into the column refuses it.
    arrays = ", ".join(
        f"%s::{_WIDTH.sub('', column.type.compile(dialect=dialect))}[]" for column in columns
    )
    listed = ", ".join(preparer.format_column(column) for column in columns)
    values = ", ".join(f"c{number}" for number in range(len(columns)))
    sql = (
        f"INSERT INTO {preparer.format_table(table)} ({listed}) "
        # In the arrays' order, so that ids follow the rows' order.
        f"SELECT {values} FROM unnest({arrays}) WITH ORDINALITY AS u({values}, n) ORDER BY n "
        f"ON CONFLICT ({', '.join(preparer.quote(name) for name in conflict)}) DO NOTHING "
        f"RETURNING {', '.join(preparer.quote(name) for name in returning)}"
    )
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    return sql, processors


_WIDTH = re.compile(r"\([^)]*\)")
