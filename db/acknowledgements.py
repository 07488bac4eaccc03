"""Queries on public acknowledgements. They take a session and never commit."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, joinedload

from db.models import Acknowledgement, Evaluation, Partner, Partnership


def ended_without_acknowledgement(session: Session, limit: int = 500) -> list[Partnership]:
    """Return up to `limit` ended partnerships with no acknowledgement yet, oldest first."""
    drafted = exists().where(Acknowledgement.partnership_id == Partnership.id)
    query = (
        select(Partnership)
        .join(Partnership.partner)
        .where(Partnership.has_ended, ~drafted)
        .options(joinedload(Partnership.partner))
        .order_by(Partnership.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def acknowledgements(session: Session) -> list[Acknowledgement]:
    """Return every acknowledgement with its partnership and partner, by country and
    partner name."""
    query = (
        select(Acknowledgement)
        .join(Acknowledgement.partnership)
        .join(Partnership.partner)
        .options(joinedload(Acknowledgement.partnership).joinedload(Partnership.partner))
        .order_by(Partnership.country, Partner.name, Partnership.reference_number)
    )
    return list(session.scalars(query))


def acknowledgement_of(
    session: Session, reference: str, for_update: bool = False
) -> Acknowledgement | None:
    """Return the partnership's acknowledgement (locked against concurrent decisions when
    `for_update`), or None."""
    query = (
        select(Acknowledgement)
        .join(Acknowledgement.partnership)
        .where(Partnership.reference_number == reference)
    )
    if for_update:
        query = query.with_for_update(of=Acknowledgement)
    return session.scalars(query).one_or_none()


def latest_evaluation(session: Session, partnership_id: int) -> Evaluation | None:
    query = (
        select(Evaluation)
        .where(Evaluation.partnership_id == partnership_id)
        .order_by(Evaluation.completed_on.desc(), Evaluation.id.desc())
    )
    return session.scalars(query).first()
