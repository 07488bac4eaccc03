"""What the focal-point-digest flow reports besides its mail: the partnerships whose
partner messages wait with no focal point a digest can reach, and why. It names
partnerships and UNICEF staff, never the partners' people or what they wrote."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from db.engine import transaction
from db.models import Partnership, Response
from db.partner_messages import unhandled_partnership_messages
from tasks.artifacts import publish_table
from tasks.clock import Clock
from tasks.outbox.stages import app_engine
from tasks.privacy import redacted
from tasks.run_context import only_in_a_run, run_logger
from tasks.staff.focal_points import focal_points_of
from tasks.touchpoints.focal_point_digest import reachable_focal_points


def unreached(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Return, by reference, each partnership with unhandled partner messages received by
    `now` and no focal point a digest can reach: how many wait, since when, and why."""
    waiting: dict[int, list[Response]] = {}
    for message in unhandled_partnership_messages(session):
        if message.received_at <= now and message.partnership_id is not None:
            waiting.setdefault(message.partnership_id, []).append(message)
    rows = []
    for messages in waiting.values():
        partnership = messages[0].partnership
        assert partnership is not None
        if not reachable_focal_points(session, partnership):
            rows.append(
                {
                    "partnership": partnership.reference_number,
                    "waiting": len(messages),
                    "since": f"{messages[0].received_at:%Y-%m-%d}",
                    "why": why_unreached(session, partnership),
                }
            )
    return sorted(rows, key=lambda row: str(row["partnership"]))


def why_unreached(session: Session, partnership: Partnership) -> str:
    """Return why no digest reaches the partnership's focal points, one reason each."""
    focal = focal_points_of(session, partnership)
    reasons = [f"{name}: no address in the staff directory" for name in focal.unknown]
    reasons += [f"{contact.name}: {contact.unreachable_reason()}" for contact in focal.reachable]
    return redacted("; ".join(reasons)) or "no focal point named in eTools"


@task(name="unreached-partnerships", cache_policy=NO_CACHE)
def unreached_partnerships(clock: Clock) -> list[dict[str, Any]]:
    """Return the partnerships no digest reaches; in a flow run, publish them as the
    `partner-messages-unreached` table and warn when there are any."""
    with transaction(app_engine()) as session:
        rows = unreached(session, clock.now())
    if rows:
        run_logger().warning("%d partnership(s): partner messages no focal point gets", len(rows))
    publish(rows)
    return rows


@only_in_a_run
def publish(rows: list[dict[str, Any]]) -> None:
    publish_table(
        "partner-messages-unreached",
        rows,
        "partnerships whose partner messages no focal point receives (no address, opted out…)",
    )
