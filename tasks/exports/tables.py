"""What each export holds, column by column: partners' answers (`responses`), the outbox
(`messages`) and the relationship report's at-risk list (`at-risk`).

Partners' people are named by contact number and role, never by name or address. M&E
staff report per partner and partnership; a number is enough to tell two people of one
partner apart and to look one up (`continuity contact show`), and a file that leaves the
database (mailed, shared, kept on a laptop) is beyond the reach of an erasure or of
retention, so it holds no more about a person than that. An erased contact shows nothing
of them: no number, no role (what they wrote was already replaced by `[erased]`). Free
text has addresses and personal-link tokens redacted; nothing holds a token or its hash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.exports import ExportFilter, answer_rows, outbox_rows
from tasks.exports.files import Column
from tasks.reports.relationship import Risk, risks
from tasks.touchpoints.capacity_alert import capacity_of

Rows = Iterator[tuple[object, ...]]


@dataclass(frozen=True)
class Export:
    """One kind of export: its sheet's title, its columns, and its rows for a filter at a
    moment (the at-risk list is as of then)."""

    title: str
    columns: list[Column]
    rows: Callable[[Session, ExportFilter, datetime], Rows]
    takes_kinds: bool = True


PLACE = [
    Column("partner", 36),
    Column("vendor number", 14),
    Column("country", 8),
    Column("partnership", 28),
]
CONTACT = [Column("contact number", 10), Column("contact role", 24)]


def contact_cells(contact_id: int | None, role: str | None, erased_at: Any) -> tuple[Any, ...]:
    """The contact's number and role; nothing for an erased contact."""
    return (None, "") if erased_at is not None else (contact_id, role or "")


def response_rows(session: Session, wanted: ExportFilter, now: datetime) -> Rows:
    for row in answer_rows(session, wanted):
        answers = row.answers or {}
        yield (
            row.id,
            row.received_at,
            row.partner,
            row.vendor_number,
            row.country,
            row.reference_number,
            row.kind,
            str(row.channel),
            *contact_cells(row.contact_id, row.role, row.erased_at),
            answers.get("sustained"),
            answers.get("capacity"),
            answers.get("attending"),
            row.words,
            row.handled_at,
            row.handled_by,
            row.revision,
        )


def message_rows(session: Session, wanted: ExportFilter, now: datetime) -> Rows:
    for row in outbox_rows(session, wanted):
        yield (
            row.id,
            str(row.kind),
            str(row.status),
            row.status_reason,
            row.due_at,
            row.sent_at,
            row.attempts,
            row.partner,
            row.vendor_number,
            row.country,
            row.reference_number,
            *contact_cells(row.contact_id, row.role, row.erased_at),
            row.language,
            row.campaign_id,
            row.campaign,
            row.reminder_of_id,
        )


def risk_rows(session: Session, wanted: ExportFilter, now: datetime) -> Rows:
    for risk in risks(session, now):
        if kept(risk, wanted):
            response, partner = risk.response, risk.partner
            contact = response.contact
            yield (
                response.received_at,
                partner.name,
                partner.vendor_number,
                risk.partnership.country or partner.country,
                risk.partnership.reference_number,
                risk.why,
                response.answers.get("sustained"),
                capacity_of(response),
                response.answers.get("support_needed"),
                *contact_cells(
                    response.contact_id,
                    contact.role if contact else "",
                    contact.erased_at if contact else None,
                ),
                response.id,
            )


def kept(risk: Risk, wanted: ExportFilter) -> bool:
    """Whether the at-risk answer is in the filter's countries and dates."""
    country = risk.partnership.country or risk.partner.country
    moment = risk.response.received_at
    return (
        (not wanted.countries or country in wanted.countries)
        and (wanted.since is None or moment >= wanted.since)
        and (wanted.until is None or moment < wanted.until)
    )


EXPORTS = {
    "responses": Export(
        "responses",
        [
            Column("answer", 8),
            Column("answered at (UTC)", 19),
            *PLACE,
            Column("kind", 24),
            Column("channel", 9),
            *CONTACT,
            Column("results sustained", 10),
            Column("local capacity (1-5)", 10),
            Column("attending", 10),
            Column("what they wrote", 80),
            Column("handled at (UTC)", 19),
            Column("handled by", 20),
            Column("revision", 8),
        ],
        response_rows,
    ),
    "messages": Export(
        "messages",
        [
            Column("message", 8),
            Column("kind", 24),
            Column("status", 11),
            Column("reason", 40),
            Column("planned for (UTC)", 19),
            Column("sent at (UTC)", 19),
            Column("attempts", 8),
            *PLACE,
            *CONTACT,
            Column("language", 8),
            Column("campaign", 9),
            Column("campaign name", 36),
            Column("reminder of", 9),
        ],
        message_rows,
    ),
    "at-risk": Export(
        "at risk",
        [
            Column("answered at (UTC)", 19),
            *PLACE,
            Column("why", 40),
            Column("results sustained", 10),
            Column("local capacity (1-5)", 10),
            Column("support needed", 60),
            *CONTACT,
            Column("answer", 8),
        ],
        risk_rows,
        takes_kinds=False,
    ),
}
