"""Queries on what staff record: consultation events, policy updates, evaluations.
They take a session and never commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from db.models import (
    ConsultationEvent,
    Contact,
    DigestItem,
    Evaluation,
    EvaluationContributor,
    Message,
    Partnership,
    PolicyUpdate,
)


def open_events(session: Session, as_of: datetime) -> list[ConsultationEvent]:
    """Return the events still ahead at `as_of` whose RSVP deadline has not passed."""
    query = select(ConsultationEvent).where(
        ConsultationEvent.starts_at > as_of,
        or_(ConsultationEvent.rsvp_deadline.is_(None), ConsultationEvent.rsvp_deadline > as_of),
    )
    return list(session.scalars(query.order_by(ConsultationEvent.starts_at)))


def unsent_updates(
    session: Session, partner_id: int, published_since: datetime, as_of: datetime
) -> list[PolicyUpdate]:
    """Return updates published in [published_since, as_of] not yet in a digest to the partner."""
    sent = select(DigestItem.update_id).where(DigestItem.partner_id == partner_id)
    query = select(PolicyUpdate).where(
        PolicyUpdate.published_at >= published_since,
        PolicyUpdate.published_at <= as_of,
        PolicyUpdate.id.not_in(sent),
    )
    return list(session.scalars(query.order_by(PolicyUpdate.published_at, PolicyUpdate.id)))


def completed_evaluations(session: Session, as_of: datetime) -> list[Evaluation]:
    """Return evaluations completed by `as_of`, with partnership and contributors loaded."""
    query = (
        select(Evaluation)
        .where(Evaluation.completed_on <= as_of.date())
        .options(
            joinedload(Evaluation.partnership).joinedload(Partnership.partner),
            selectinload(Evaluation.contributors)
            .joinedload(EvaluationContributor.contact)
            .joinedload(Contact.partner),
        )
        .order_by(Evaluation.id)
    )
    return list(session.scalars(query).unique())


def updates_by_id(session: Session, ids: Iterable[int]) -> list[PolicyUpdate]:
    query = select(PolicyUpdate).where(PolicyUpdate.id.in_(list(ids))).order_by(PolicyUpdate.id)
    return list(session.scalars(query))


def messages_of_occurrence(session: Session, occurrence_key: str) -> dict[int, Message]:
    """Return the occurrence's outbox rows by contact id."""
    query = select(Message).where(Message.occurrence_key == occurrence_key)
    return {message.contact_id: message for message in session.scalars(query)}
