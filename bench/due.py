"""How long the daily "who is due" query takes as the table grows while the number of due
plans stays the same, on SQLite and on PostgreSQL.

For each size, a fresh database holds that many ended partnerships (one partner and one
contact each), each with one follow-up plan: sustainability check-ins and policy digests
in turn. `--due` check-ins (and as many digests) are due at NOW, spread over the past day;
one other plan in ten is inactive with a past due time (eTools ended it); the rest fall
due within six months. The measured work is the plan stage's: every due check-in with its
partnership, partner and contacts, through db.plans.due_plans_of_kind, five times (median
and slowest reported). Rows are written inside the database by INSERT ... SELECT over a
generated series (a recursive CTE on SQLite), then ANALYZE'd.

    .venv/bin/python -m bench.due [--partnerships 200000 2000000] [--due 1000]
        [--databases sqlite postgresql] [--postgresql-url URL]

`schema` in the output is the Alembic revision measured. To measure an earlier version of
the query, run this file from a copy of the tree at that commit:

    mkdir /tmp/before && git archive <commit> | tar -x -C /tmp/before
    cp bench/due.py /tmp/before/bench/ && cd /tmp/before
    PYTHONPATH=$PWD "$OLDPWD"/.venv/bin/python -m bench.due
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    FromClause,
    String,
    case,
    cast,
    create_engine,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.sql.elements import ColumnElement

from db.engine import make_engine, transaction
from db.migrate import current_revision, upgrade
from db.models import Contact, FollowUpPlan, Partner, Partnership, TouchpointKind
from db.plans import due_plans_of_kind
from db.types import UTCDateTime

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
TRIALS = 5
KIND = TouchpointKind.SUSTAINABILITY_CHECKIN
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def series(engine: Engine, count: int) -> FromClause:
    """Return a one-column (`n`) selectable of the integers 1..count."""
    if engine.dialect.name == "postgresql":
        return func.generate_series(1, count).table_valued("n").render_derived(name="numbers")
    numbers = select(literal(1).label("n")).cte("numbers", recursive=True)
    return numbers.union_all(select(numbers.c.n + 1).where(numbers.c.n < count))


def populate(engine: Engine, partnerships: int, due: int) -> None:
    """Insert partners, partnerships, contacts and plans 1..`partnerships` (same ids)."""
    numbers = series(engine, partnerships)
    n = numbers.c.n
    name = cast(n, String(16))
    columns: dict[Any, dict[str, Any]] = {
        Partner: {
            "vendor_number": "B" + name,
            "name": "Organisation " + name,
            "country": "SEN",
            "language": "fr",
            "time_zone": "Africa/Dakar",
        },
        Partnership: {
            "reference_number": "SEN/PCA" + name,
            "partner_id": n,
            "document_type": "PD",
            "status": "ended",
            "country": "SEN",
        },
        Contact: {
            "partner_id": n,
            "name": "Contact " + name,
            "email": "c" + name + "@bench.example",
            "language": "fr",
            "active": True,
        },
        FollowUpPlan: _plan_columns(n, partnerships, due),
    }
    with transaction(engine) as session:
        for model, values in columns.items():
            query = select(n, *(_typed(model, key, value) for key, value in values.items()))
            session.execute(insert(model).from_select(["id", *values], query.select_from(numbers)))
    with engine.begin() as connection:
        for table in ("partners", "partnerships", "contacts", "follow_up_plans"):
            connection.execute(text(f"ANALYZE {table}"))


def _plan_columns(n: Any, partnerships: int, due: int) -> dict[str, Any]:
    # Plan n is a check-in when n is even; one check-in and one digest in each `cycle` are
    # due, and 2 in 20 others inactive. Prime moduli spread both kinds over every hour and
    # day (and need no division, which differs between the two databases).
    cycle = 2 * max(1, partnerships // (2 * due))
    is_due = n % cycle < 2
    inactive = (n % 20 >= 18) & ~is_due
    past = {hour: _at(NOW - timedelta(hours=hour)) for hour in range(23)}
    future = {day: _at(NOW + timedelta(days=1 + 6 * day)) for day in range(31)}
    return {
        "partnership_id": n,
        "kind": case((n % 2 == 0, KIND.value), else_=TouchpointKind.POLICY_DIGEST.value),
        "cadence": "every 6 months at 10:00",
        "starts_at": _at(NOW - timedelta(days=700)),
        "ends_at": _at(NOW + timedelta(days=400)),
        "next_due_at": case(
            (is_due | inactive, case(past, value=n % 23)), else_=case(future, value=n % 31)
        ),
        "active": case((inactive, False), else_=True),
        "policy_version": 1,
    }


def _at(moment: datetime) -> ColumnElement[datetime]:
    return literal(moment, UTCDateTime())


def _typed(model: Any, key: str, value: Any) -> ColumnElement[Any]:
    column = model.__table__.c[key]
    return literal(value, column.type) if not isinstance(value, ColumnElement) else value


def due_seconds(engine: Engine) -> tuple[list[float], int]:
    """Return the seconds of each trial of loading every due check-in (with partnership,
    partner and contacts, as the plan stage does) and how many were due."""
    timings, found = [], 0
    for _ in range(TRIALS):
        started = time.perf_counter()
        with transaction(engine) as session:
            found = sum(len(plans) for plans in due_plans_of_kind(session, KIND, NOW))
        timings.append(time.perf_counter() - started)
    return timings, found


def measure(url: str, partnerships: int, due: int) -> dict[str, object]:
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    populate(engine, partnerships, due)
    setup = time.perf_counter() - started
    timings, found = due_seconds(engine)
    schema = current_revision(engine)
    engine.dispose()
    return {
        "database": make_url(url).get_backend_name(),
        "schema": schema,
        "plans": partnerships,
        "due": found,
        "setup_s": round(setup, 1),
        "median_s": round(statistics.median(timings), 4),
        "max_s": round(max(timings), 4),
    }


def measure_sqlite(partnerships: int, due: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="continuity-due-") as workdir:
        return measure(f"sqlite:///{Path(workdir) / 'due.db'}", partnerships, due)


def measure_postgresql(server_url: str, partnerships: int, due: int) -> dict[str, object]:
    """Measure in an empty database created beside `server_url`'s, dropped afterwards."""
    name = f"continuity_bench_{uuid.uuid4().hex[:8]}"
    _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        return measure(url, partnerships, due)
    finally:
        _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(server_url: str, statement: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(statement))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partnerships", type=int, nargs="+", default=[200_000, 2_000_000])
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument(
        "--databases", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgresql-url", default=SERVER)
    arguments = parser.parse_args()
    for size in arguments.partnerships:
        for database in arguments.databases:
            if database == "sqlite":
                result = measure_sqlite(size, arguments.due)
            else:
                result = measure_postgresql(arguments.postgresql_url, size, arguments.due)
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
