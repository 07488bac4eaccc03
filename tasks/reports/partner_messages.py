"""The report's sections on what partners wrote: what they said lately, what has waited
too long for a person, and the partnerships whose messages reach no focal point (also the
focal-point-digest flow's own table). Rows of the first two carry the words and the
writer's name for the terminal; `tasks.privacy.for_prefect` drops both before anything
goes to Prefect (its artifacts keep history and can name people)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from db.engine import transaction
from db.models import Partnership, Response
from db.partner_messages import MessageFilter, partner_messages, unhandled_messages
from tasks.artifacts import publish_table
from tasks.calendars import Calendars
from tasks.clock import Clock
from tasks.outbox.stages import app_engine
from tasks.privacy import reason_kind, redacted
from tasks.responses.partner_messages import artifact_row, partner_of
from tasks.run_context import only_in_a_run, run_logger
from tasks.staff.focal_points import focal_points_of
from tasks.touchpoints.focal_point_digest import reachable_focal_points
from tasks.working_days import working_days_between


def said_since(session: Session, since: datetime) -> list[dict[str, Any]]:
    """Return what partners wrote since `since`, newest first."""
    return [_row(response) for response in partner_messages(session, MessageFilter(since=since))]


def waiting_too_long(session: Session, now: datetime, working_days: int) -> list[dict[str, Any]]:
    """Return the unhandled partner messages that have waited more than `working_days`
    working days at `now` (of the partner's country: tasks/working_days.py), the longest
    waiting first."""
    calendars = Calendars(session)
    rows = []
    for response in unhandled_messages(session, received_by=now):
        partner = partner_of(response)
        calendar = calendars.of(partner.country if partner else None)
        waiting = working_days_between(response.received_at.date(), now.date(), calendar)
        if waiting > working_days:
            rows.append(_row(response) | {"waiting": waiting})
    return rows


def _row(response: Response) -> dict[str, Any]:
    contact = response.contact
    return artifact_row(response) | {
        "from": contact.name if contact else "",
        "text": response.words,
    }


def unreached(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Return each partnership with unhandled partner messages received by `now` and no
    focal point a digest can reach, and each partner whose messages are about no
    partnership (no focal point to tell): how many wait, since when, and why."""
    waiting: dict[tuple[str, int], list[Response]] = {}
    for message in unhandled_messages(session, received_by=now):
        if message.partnership_id is not None:
            waiting.setdefault(("partnership", message.partnership_id), []).append(message)
        elif message.contact is not None:
            waiting.setdefault(("partner", message.contact.partner_id), []).append(message)
    rows = [
        _unreached_row(session, messages)
        for messages in waiting.values()
        if messages[0].partnership is None
        or not reachable_focal_points(session, messages[0].partnership)
    ]
    return sorted(rows, key=lambda row: (str(row["partnership"]), str(row["partner"])))


def _unreached_row(session: Session, messages: list[Response]) -> dict[str, Any]:
    partnership = messages[0].partnership
    partner = partner_of(messages[0])
    return {
        "partnership": partnership.reference_number if partnership else "",
        "partner": partner.name if partner else "",
        "waiting": len(messages),
        "since": f"{messages[0].received_at:%Y-%m-%d}",
        "why": why_unreached(session, partnership)
        if partnership
        else "about no partnership: no focal point to tell",
    }


def why_unreached(session: Session, partnership: Partnership) -> str:
    """Return why no digest reaches the partnership's focal points, one reason each."""
    focal = focal_points_of(session, partnership)
    reasons = [f"{name}: no address in the staff directory" for name in focal.unknown]
    reasons += [
        f"{contact.name}: {reason_kind(contact.unreachable_reason() or '')}"
        for contact in focal.reachable
    ]
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
    """Publish the unreached partnerships as the `partner-messages-unreached` table."""
    publish_table(
        "partner-messages-unreached",
        rows,
        "partnerships whose partner messages no focal point receives (no address, opted out…)",
    )
