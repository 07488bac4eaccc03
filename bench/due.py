"""How long the daily "who is due" query takes: 200,000 partnerships, each with a
sustainability check-in plan, 1% of them due, on SQLite and on PostgreSQL.

    .venv/bin/python -m bench.due [--partnerships 200000] [--postgresql-url URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url

from bench.population import CHUNK, NOW, populate
from db.engine import make_engine, transaction
from db.migrate import upgrade
from db.models import FollowUpPlan, TouchpointKind
from db.plans import due_plans_of_kind

TRIALS = 5


def add_plans(engine: Engine, partnerships: int, due_every: int) -> None:
    """Give every partnership a check-in plan; one in `due_every` is due at NOW."""
    with transaction(engine) as session:
        for start in range(0, partnerships, CHUNK):
            session.execute(
                insert(FollowUpPlan),
                [
                    {
                        "partnership_id": n + 1,
                        "kind": TouchpointKind.SUSTAINABILITY_CHECKIN,
                        "cadence": "months=6",
                        "starts_at": NOW - timedelta(days=700),
                        "ends_at": NOW + timedelta(days=400),
                        "next_due_at": NOW - timedelta(hours=n % 24)
                        if n % due_every == 0
                        else NOW + timedelta(days=1 + n % 180),
                        "active": True,
                        "policy_version": 1,
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for n in range(start, min(partnerships, start + CHUNK))
                ],
            )


def due_seconds(engine: Engine) -> tuple[list[float], int]:
    """Return the seconds of each trial of loading every due plan (with partnership,
    partner and contacts, as the plan stage does) and how many were due."""
    timings, found = [], 0
    for _ in range(TRIALS):
        started = time.perf_counter()
        with transaction(engine) as session:
            found = sum(
                len(plans)
                for plans in due_plans_of_kind(session, TouchpointKind.SUSTAINABILITY_CHECKIN, NOW)
            )
        timings.append(time.perf_counter() - started)
    return timings, found


def measure(url: str, partnerships: int) -> dict[str, object]:
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    populate(engine, partnerships, 1)
    add_plans(engine, partnerships, 100)
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    setup = time.perf_counter() - started
    timings, found = due_seconds(engine)
    engine.dispose()
    return {
        "database": make_url(url).get_backend_name(),
        "partnerships": partnerships,
        "due": found,
        "setup_s": round(setup, 1),
        "median_s": round(statistics.median(timings), 3),
        "max_s": round(max(timings), 3),
    }


def scratch_postgresql(server_url: str) -> tuple[str, str]:
    """Create an empty database beside `server_url`'s; return its URL and name."""
    name = f"continuity_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), name


def drop_postgresql(server_url: str, name: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partnerships", type=int, default=200_000)
    parser.add_argument(
        "--postgresql-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    arguments = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="continuity-due-"))
    results = [measure(f"sqlite:///{workdir / 'due.db'}", arguments.partnerships)]
    url, name = scratch_postgresql(arguments.postgresql_url)
    try:
        results.append(measure(url, arguments.partnerships))
    finally:
        drop_postgresql(arguments.postgresql_url, name)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
