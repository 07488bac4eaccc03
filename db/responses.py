"""Queries on responses and the register of spheres of influence. They take a session and
never commit."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from db.models import (
    NOT_ANSWERS,
    Contact,
    InfluenceEntry,
    Message,
    MessageStatus,
    Response,
    TouchpointKind,
)


def message_by_token_hash(session: Session, digest: str) -> Message | None:
    """Return the message whose token hashes to `digest`, with contact, partner,
    partnership and the original it reminds of loaded; None if there is none."""
    query = (
        select(Message)
        .where(Message.token_hash == digest)
        .options(
            joinedload(Message.contact).joinedload(Contact.partner),
            joinedload(Message.partnership),
            joinedload(Message.reminder_of),
        )
    )
    return session.scalars(query).unique().one_or_none()


def current_answer(session: Session, message_id: int, contact_id: int) -> Response | None:
    """Return the latest, not superseded answer of the contact to the message (any
    channel; the highest revision, the last recorded among equals); None if there is none."""
    query = select(Response).where(
        Response.message_id == message_id,
        Response.contact_id == contact_id,
        Response.superseded_at.is_(None),
        Response.kind.not_in(NOT_ANSWERS),
    )
    return session.scalars(query.order_by(Response.revision.desc(), Response.id.desc())).first()


def current_answers(session: Session, message_id: int, contact_id: int) -> list[Response]:
    """Return every not superseded answer of the contact to the message, by any channel,
    oldest first (at most one by the portal or staff, and any e-mail replies since)."""
    query = select(Response).where(
        Response.message_id == message_id,
        Response.contact_id == contact_id,
        Response.superseded_at.is_(None),
        Response.kind.not_in(NOT_ANSWERS),
    )
    return list(session.scalars(query.order_by(Response.id)))


def last_revision(session: Session, message_id: int, contact_id: int) -> int:
    """Return the highest revision number of the contact's answers to the message, 0 when
    there is none."""
    query = select(func.max(Response.revision)).where(
        Response.message_id == message_id,
        Response.contact_id == contact_id,
        Response.kind.not_in(NOT_ANSWERS),
    )
    return session.scalar(query) or 0


def lock_answers_to(session: Session, message_id: int) -> None:
    """Lock the message's row until the transaction ends, so that answers to it are
    recorded one after the other: on PostgreSQL a concurrent answer waits here (SELECT …
    FOR UPDATE), then reads what the first committed. SQLite renders no FOR UPDATE; its
    writing transactions take the database's write lock up front (`for_writing`)."""
    session.execute(select(Message.id).where(Message.id == message_id).with_for_update())


def retire_influence_entries(session: Session, response_id: int) -> None:
    """Deactivate the register entries a (now superseded) answer had added."""
    session.execute(
        update(InfluenceEntry).where(InfluenceEntry.response_id == response_id).values(active=False)
    )


def latest_message_to(
    session: Session, kind: TouchpointKind, partnership_id: int, contact_id: int
) -> Message | None:
    """Return the latest message of `kind` sent to the contact about the partnership, or
    about no partnership (an answer closes it and its reminders); None when none was sent."""
    query = (
        select(Message)
        .where(
            Message.kind == kind,
            Message.contact_id == contact_id,
            Message.status.in_([MessageStatus.SENT, MessageStatus.BOUNCED]),
            (Message.partnership_id == partnership_id) | (Message.partnership_id.is_(None)),
        )
        .order_by(Message.sent_at.desc(), Message.id.desc())
    )
    return session.scalars(query).first()
