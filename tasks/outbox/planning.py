"""The plan stage shared by every touchpoint: turn "who is due" into outbox rows.

A touchpoint module yields `Planned` items; this module decides each row's fate
(planned, or skipped with the reason), its language and when it may go out (the next
sending window in the recipient's time zone), and inserts the rows in batches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.models import Contact, MessageStatus, Partnership, TouchpointKind
from db.outbox import insert_messages
from db.rows import in_chunks
from tasks.calendars import Calendars
from tasks.countries import supported_language
from tasks.privacy import reason_kind
from tasks.sending_window import SendingWindow, wait_for_window


@dataclass(frozen=True)
class Planned:
    """One message a touchpoint wants sent: to whom, about what, for which occurrence."""

    contact: Contact
    kind: TouchpointKind
    occurrence_key: str
    partnership: Partnership | None = None
    context: dict[str, Any] = field(default_factory=dict)
    in_reply_to: str | None = None
    reminder_of_id: int | None = None
    language: str | None = None


@dataclass
class PlanCounts:
    inserted: int = 0
    already_planned: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    skip_reasons: Counter[str] = field(default_factory=Counter)
    deferred: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "inserted": self.inserted,
            "already_planned": self.already_planned,
            "by_status": dict(self.by_status),
            "skip_reasons": dict(self.skip_reasons),
            "deferred_to_window": self.deferred,
        }


def outbox_row(
    planned: Planned,
    campaign_id: int | None,
    as_of: datetime,
    window: SendingWindow,
    calendars: Calendars,
) -> dict[str, Any]:
    """Return the outbox row for `planned`: skipped with the reason when the contact may
    not be written to, else planned for `as_of` or, saying why, the next time the window
    opens in their time zone and their partner's country."""
    contact = planned.contact
    reason = contact.unreachable_reason()
    row: dict[str, Any] = {
        "campaign_id": campaign_id,
        "contact_id": contact.id,
        "partnership_id": planned.partnership.id if planned.partnership else None,
        "kind": planned.kind,
        "language": supported_language(
            planned.language or contact.language or contact.partner.language
        ),
        "occurrence_key": planned.occurrence_key,
        "context": planned.context,
        "in_reply_to": planned.in_reply_to,
        "reminder_of_id": planned.reminder_of_id,
        "due_at": as_of,
        "status": MessageStatus.SKIPPED if reason else MessageStatus.PLANNED,
        "status_reason": reason,
        "attempts": 0,
        "created_at": as_of,
        "updated_at": as_of,
    }
    if reason is None:
        calendar = calendars.of(contact.partner.country)
        if wait := wait_for_window(as_of, contact.local_time_zone, window, calendar):
            row["due_at"], row["status_reason"] = wait.until, str(wait)
    return row


def plan_messages(
    session: Session,
    wanted: Iterable[Planned],
    campaign_id: int | None,
    as_of: datetime,
    window: SendingWindow,
) -> PlanCounts:
    """Insert an outbox row for every item of `wanted` not planned before; return counts.

    Re-planning is a no-op: the unique (occurrence key, contact) constraint drops repeats.
    """
    counts, calendars = PlanCounts(), Calendars(session)
    for chunk in in_chunks(wanted):
        rows = [outbox_row(planned, campaign_id, as_of, window, calendars) for planned in chunk]
        inserted = insert_messages(session, rows)
        counts.inserted += len(inserted)
        counts.already_planned += len(rows) - len(inserted)
        _tally(counts, [r for r in rows if (r["occurrence_key"], r["contact_id"]) in inserted])
    return counts


def _tally(counts: PlanCounts, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        counts.by_status[str(row["status"])] += 1
        if row["status"] == MessageStatus.SKIPPED:
            counts.skip_reasons[reason_kind(row["status_reason"])] += 1
        elif row["due_at"] != row["created_at"]:
            counts.deferred += 1
