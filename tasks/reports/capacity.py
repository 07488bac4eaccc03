"""What the capacity-alerts flow reports: every partnership whose local capacity is at
risk, and whom a notice can reach."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from db.engine import transaction
from tasks.artifacts import publish_table
from tasks.clock import Clock
from tasks.outbox.stages import app_engine
from tasks.run_context import only_in_a_run
from tasks.staff.focal_points import focal_points_of
from tasks.touchpoints.capacity_alert import concerns


def overview(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Return each partnership at risk with why, and which focal points the directory can
    reach (a notice needs an address: `continuity focal-point add`)."""
    rows = []
    for found in concerns(session, now):
        focal = focal_points_of(session, found.partnership)
        rows.append(
            {
                "partnership": found.partnership.reference_number,
                "partner": found.partner.name,
                "why": ", ".join(found.reasons),
                "history": " → ".join(f"{level}/5" for _, level in found.history),
                "notified": ", ".join(contact.name for contact in focal.reachable),
                "no address for": ", ".join(focal.unknown),
            }
        )
    return rows


@task(name="capacity-overview", cache_policy=NO_CACHE)
def capacity_overview(clock: Clock) -> list[dict[str, Any]]:
    """Return the overview; in a flow run, publish it as the `capacity-at-risk` table."""
    with transaction(app_engine()) as session:
        rows = overview(session, clock.now())
    publish(rows)
    return rows


@only_in_a_run
def publish(rows: list[dict[str, Any]]) -> None:
    publish_table(
        "capacity-at-risk", rows, "partnerships whose local capacity is insufficient or declining"
    )
