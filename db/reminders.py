"""Queries for reminders: the messages no answer followed, and the reminders already
planned for them. They take a session and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, joinedload

from db.models import Contact, Message, MessageStatus, Response, TouchpointKind
from db.rows import in_chunks


def unanswered(
    session: Session, kinds: Iterable[TouchpointKind], sent_after: datetime, sent_before: datetime
) -> list[Message]:
    """Return messages of `kinds` sent in (sent_after, sent_before] that no answer followed:
    no response to them or to a reminder of them, and no answer by their contact about the
    same touchpoint and partnership (by phone or meeting, say) since they were sent."""
    thread_answered = exists().where(
        Response.contact_id == Message.contact_id,
        Response.kind == Message.kind,
        Response.received_at >= Message.sent_at,
        or_(Response.partnership_id.is_(None), Response.partnership_id == Message.partnership_id),
    )
    query = (
        select(Message)
        .where(
            Message.kind.in_(list(kinds)),
            Message.status == MessageStatus.SENT,
            Message.sent_at > sent_after,
            Message.sent_at <= sent_before,
            ~thread_answered,
        )
        .options(
            joinedload(Message.contact).joinedload(Contact.partner),
            joinedload(Message.partnership),
        )
        .order_by(Message.id)
    )
    return list(session.scalars(query).unique())


def reminders_of(session: Session, original_ids: Sequence[int]) -> dict[int, list[Message]]:
    """Return the reminders already planned for each original message, oldest first."""
    found: dict[int, list[Message]] = {}
    for chunk in in_chunks(original_ids):
        query = select(Message).where(Message.reminder_of_id.in_(chunk)).order_by(Message.id)
        for reminder in session.scalars(query):
            found.setdefault(reminder.reminder_of_id or 0, []).append(reminder)
    return found
