"""Queries on responses and the register of spheres of influence. They take a session and
never commit."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from db.models import Contact, InfluenceEntry, Message, Response


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
    """Return the latest, not superseded answer of the contact to the message."""
    query = select(Response).where(
        Response.message_id == message_id,
        Response.contact_id == contact_id,
        Response.superseded_at.is_(None),
        Response.kind.not_in(["auto_reply", "opt_out"]),
    )
    return session.scalars(query.order_by(Response.revision.desc())).first()


def retire_influence_entries(session: Session, response_id: int) -> None:
    """Deactivate the register entries a (now superseded) answer had added."""
    session.execute(
        update(InfluenceEntry).where(InfluenceEntry.response_id == response_id).values(active=False)
    )
