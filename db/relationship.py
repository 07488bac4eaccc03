"""Queries behind the relationship report. They take a session and never commit."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from db.models import (
    ENDED_STATUSES,
    Contact,
    FollowUpPlan,
    Message,
    MessageStatus,
    Partner,
    Partnership,
    Response,
    TouchpointKind,
)

NOT_ANSWERS = ("auto_reply", "opt_out")
DELIVERED = (MessageStatus.SENT, MessageStatus.BOUNCED)


def last_contact_by_partner(session: Session) -> list[dict[str, Any]]:
    """Return, for each partner with an ended partnership, when we last sent it anything
    and when it last answered (None when never)."""
    sent = (
        select(Contact.partner_id, func.max(Message.sent_at).label("last_sent"))
        .join(Message, Message.contact_id == Contact.id)
        .where(Message.status.in_(DELIVERED))
        .group_by(Contact.partner_id)
        .subquery()
    )
    heard = (
        select(Contact.partner_id, func.max(Response.received_at).label("last_heard"))
        .join(Response, Response.contact_id == Contact.id)
        .where(Response.kind.not_in(NOT_ANSWERS))
        .group_by(Contact.partner_id)
        .subquery()
    )
    ended = exists().where(
        Partnership.partner_id == Partner.id, Partnership.status.in_(list(ENDED_STATUSES))
    )
    query = (
        select(Partner.name, Partner.country, sent.c.last_sent, heard.c.last_heard)
        .outerjoin(sent, sent.c.partner_id == Partner.id)
        .outerjoin(heard, heard.c.partner_id == Partner.id)
        .where(ended)
        .order_by(Partner.name)
    )
    return [row._asdict() for row in session.execute(query)]


def response_rates(
    session: Session, dimension: str, asking: Collection[TouchpointKind]
) -> list[dict[str, Any]]:
    """Return messages of the `asking` kinds (those that ask for an answer) delivered and
    answered, grouped by "kind", "country" or "language". Reminders, which ask for no
    answer of their own, are counted with the message they remind of."""
    column = {
        "kind": Message.kind,
        "country": Partnership.country,
        "language": Message.language,
    }[dimension]
    reminder = aliased(Message)
    answered = exists().where(
        Response.kind.not_in(NOT_ANSWERS),
        (Response.message_id == Message.id)
        | Response.message_id.in_(select(reminder.id).where(reminder.reminder_of_id == Message.id)),
    )
    query = (
        select(
            column.label("value"),
            func.count().label("delivered"),
            func.count().filter(answered).label("answered"),
        )
        .select_from(Message)
        .outerjoin(Partnership, Partnership.id == Message.partnership_id)
        .where(Message.status.in_(DELIVERED), Message.kind.in_(list(asking)))
        .group_by(column)
        .order_by(column)
    )
    return [
        {
            dimension: str(row.value or "?"),
            "delivered": row.delivered,
            "answered": row.answered,
            "rate": f"{100 * row.answered / row.delivered:.0f}%" if row.delivered else "-",
        }
        for row in session.execute(query)
    ]


def current_checkin_answers(
    session: Session, since: datetime
) -> list[tuple[Response, Partnership, Partner]]:
    """Return the current (not superseded) check-in answers received since `since`."""
    query = (
        select(Response, Partnership, Partner)
        .join(Partnership, Partnership.id == Response.partnership_id)
        .join(Partner, Partner.id == Partnership.partner_id)
        .where(
            Response.kind == str(TouchpointKind.SUSTAINABILITY_CHECKIN),
            Response.superseded_at.is_(None),
            Response.received_at >= since,
        )
        .options(selectinload(Response.message))
        .order_by(Response.received_at.desc())
    )
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def follow_ups_between(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Return the active plans next due in [start, end), soonest first."""
    query = (
        select(
            Partner.name, Partnership.reference_number, FollowUpPlan.kind, FollowUpPlan.next_due_at
        )
        .join(Partnership, Partnership.id == FollowUpPlan.partnership_id)
        .join(Partner, Partner.id == Partnership.partner_id)
        .where(
            FollowUpPlan.active, FollowUpPlan.next_due_at >= start, FollowUpPlan.next_due_at < end
        )
        .order_by(FollowUpPlan.next_due_at)
    )
    return [row._asdict() for row in session.execute(query)]


def suppressed_contacts(session: Session) -> list[dict[str, Any]]:
    query = (
        select(
            Partner.name.label("partner"),
            Contact.id.label("contact_id"),
            Contact.name.label("contact"),
            Contact.suppression_reason,
            Contact.suppressed_at,
        )
        .join(Partner, Partner.id == Contact.partner_id)
        .where(Contact.suppressed_at.is_not(None))
        .order_by(Contact.suppressed_at.desc())
    )
    return [row._asdict() for row in session.execute(query)]


def bounces_since(session: Session, since: datetime) -> list[dict[str, Any]]:
    query = (
        select(Partner.name.label("partner"), func.count().label("bounced"))
        .join(Contact, Contact.partner_id == Partner.id)
        .join(Message, Message.contact_id == Contact.id)
        .where(Message.status == MessageStatus.BOUNCED, Message.sent_at >= since)
        .group_by(Partner.name)
        .order_by(func.count().desc())
    )
    return [row._asdict() for row in session.execute(query)]
