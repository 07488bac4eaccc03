"""The report's sections on what partners wrote: what they said lately, what has waited
too long for a person, and the partnerships whose messages reach no focal point. Rows
carry the words and the writer's name for the terminal; `for_prefect` drops both before
anything goes to Prefect (its artifacts keep history and can name people)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.models import Partnership, Response
from db.partner_messages import MessageFilter, partner_messages, unhandled_partnership_messages
from tasks.responses.partner_messages import artifact_row
from tasks.staff.focal_points import focal_points_of
from tasks.working_days import waited_longer_than, working_days_between

# The columns only the terminal shows.
PRIVATE = ("from", "text")


def said_since(session: Session, since: datetime) -> list[dict[str, Any]]:
    """Return what partners wrote since `since`, newest first."""
    return [_row(response) for response in partner_messages(session, MessageFilter(since=since))]


def waiting_too_long(session: Session, now: datetime, working_days: int) -> list[dict[str, Any]]:
    """Return the unhandled partner messages that have waited more than `working_days`
    working days at `now`, the longest waiting first."""
    return [
        _row(response) | {"waiting": working_days_between(response.received_at.date(), now.date())}
        for response in unhandled_partnership_messages(session)
        if waited_longer_than(response.received_at, now, working_days)
    ]


def without_focal_point(session: Session) -> list[dict[str, Any]]:
    """Return the partnerships with unhandled partner messages that no focal point can be
    told of: none in eTools, none in the staff directory, or none reachable."""
    waiting: dict[int, tuple[Partnership, int]] = {}
    for response in unhandled_partnership_messages(session):
        assert response.partnership is not None
        partnership, count = waiting.get(response.partnership.id, (response.partnership, 0))
        waiting[partnership.id] = (partnership, count + 1)
    rows = []
    for partnership, count in waiting.values():
        found = focal_points_of(session, partnership)
        if any(contact.is_reachable for contact in found.reachable):
            continue
        rows.append(
            {
                "partnership": partnership.reference_number,
                "partner": partnership.partner.name,
                "messages": count,
                "why": _why_unreachable(partnership, found.unknown),
            }
        )
    return sorted(rows, key=lambda row: row["partnership"])


def _why_unreachable(partnership: Partnership, unknown: list[str]) -> str:
    if not partnership.focal_points:
        return "eTools names no focal point"
    if unknown:
        return "not in the staff directory: " + ", ".join(unknown)
    return "focal points unreachable (bounced or opted out)"


def for_prefect(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the rows without the columns only the terminal may show."""
    return [{key: value for key, value in row.items() if key not in PRIVATE} for row in rows]


def _row(response: Response) -> dict[str, Any]:
    contact = response.contact
    return artifact_row(response) | {
        "from": contact.name if contact else "",
        "text": response.words,
    }
