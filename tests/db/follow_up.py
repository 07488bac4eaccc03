"""Follow-up plans for the query tests, a few by hand or thousands at once, and what the
database's planner does with a query on them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, insert, text
from sqlalchemy.orm import Session

from db.engine import session_factory, transaction
from db.models import FollowUpPlan, Partner, Partnership, TouchpointKind

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
DIGEST = TouchpointKind.POLICY_DIGEST
# How SQLite says it reads a table: "SEARCH follow_up_plans USING INDEX ix_… (…)",
# "SCAN partners", "SEARCH partners USING INTEGER PRIMARY KEY (rowid=?)".
SQLITE_READ = re.compile(r"(?:SCAN|SEARCH) (\S+)(?: USING (?:COVERING )?INDEX (\S+))?")


def add_plans(
    engine: Engine, due: list[datetime | None], active: bool = True, kind: TouchpointKind = CHECKIN
) -> list[int]:
    """Add one partner with one partnership per entry of `due`, each with a plan of
    `kind` next due then; return the plans' ids in that order."""
    with transaction(engine) as session:
        partner = Partner(
            vendor_number=f"v{len(due)}{active}{kind}", name="P", language="fr", time_zone="UTC"
        )
        plans = [
            FollowUpPlan(
                partnership=Partnership(
                    reference_number=f"SEN/{active}/{kind}/{index}",
                    partner=partner,
                    document_type="PD",
                    status="ended",
                ),
                kind=kind,
                cadence="every 6 months at 10:00",
                starts_at=NOW - timedelta(days=400),
                next_due_at=next_due_at,
                active=active,
            )
            for index, next_due_at in enumerate(due)
        ]
        session.add_all(plans)
        session.flush()
        return [plan.id for plan in plans]


def add_population(engine: Engine, partnerships: int, due: int) -> None:
    """Insert `partnerships` partnerships, one partner each, each with a check-in and a
    digest plan. `due` plans of each kind are due at NOW (spread over the past day); of
    the rest one in ten is inactive with a past due time, the others are due within six
    months. Then ANALYZE, as a production database's statistics would be."""
    with transaction(engine) as session:
        session.execute(insert(Partner), [_partner(n) for n in range(partnerships)])
        session.execute(insert(Partnership), [_partnership(n) for n in range(partnerships)])
        for kind in (CHECKIN, DIGEST):
            session.execute(insert(FollowUpPlan), list(_plans(kind, partnerships, due)))
    with engine.begin() as connection:
        for table in ("partners", "partnerships", "follow_up_plans"):
            connection.execute(text(f"ANALYZE {table}"))


def _partner(n: int) -> dict[str, Any]:
    return {
        "id": n + 1,
        "vendor_number": f"B{n:08d}",
        "name": f"Organisation {n}",
        "language": "fr",
        "time_zone": "Africa/Dakar",
    }


def _partnership(n: int) -> dict[str, Any]:
    return {
        "id": n + 1,
        "reference_number": f"SEN/PCA{n:08d}",
        "partner_id": n + 1,
        "document_type": "PD",
        "status": "ended",
    }


def _plans(kind: TouchpointKind, partnerships: int, due: int) -> Iterator[dict[str, Any]]:
    every = partnerships // due
    for n in range(partnerships):
        is_due = n % every == 0 and n // every < due
        inactive = not is_due and n % 10 == 1
        yield {
            "partnership_id": n + 1,
            "kind": kind,
            "cadence": "every 6 months at 10:00",
            "starts_at": NOW - timedelta(days=700),
            "next_due_at": NOW - timedelta(hours=n % 24)
            if is_due or inactive
            else NOW + timedelta(days=1 + n % 180),
            "active": not inactive,
        }


def indexes_read(engine: Engine, run: Callable[[Session], object]) -> dict[str, str | None]:
    """Run `run(session)`, then ask the database how it would execute the first SELECT
    `run` sent, with the same parameters (EXPLAIN QUERY PLAN on SQLite, EXPLAIN (FORMAT
    JSON) on PostgreSQL: its planner as configured, on the statistics it has). Return, per
    table (by its alias in the statement), the index read; None when the table itself is
    (a scan, or SQLite's rowid)."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    with engine.connect() as connection:
        event.listen(connection, "before_cursor_execute", capture)
        run(session_factory(engine)(bind=connection))
        event.remove(connection, "before_cursor_execute", capture)
        statement, parameters = next(sql for sql in sent if sql[0].startswith("SELECT"))
        if engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return _sqlite_reads([row.detail for row in rows])
        explained = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
        return _postgresql_reads(explained.scalar_one()[0]["Plan"])


def _sqlite_reads(details: list[str]) -> dict[str, str | None]:
    reads = (SQLITE_READ.match(detail) for detail in details)
    return {read[1]: read[2] for read in reads if read}


def _postgresql_reads(root: dict[str, Any]) -> dict[str, str | None]:
    reads: dict[str, str | None] = {}
    for node in _nodes(root):
        if "Alias" in node:
            # A bitmap heap scan names its index in the bitmap index scan below it.
            named = [child.get("Index Name") for child in _nodes(node)]
            reads[node["Alias"]] = next(filter(None, named), None)
    return reads


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)
