"""Queries on the register of spheres of influence. They take a session, never commit."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, joinedload

from db.models import InfluenceEntry, Partnership


def active_entries(session: Session, partnership_id: int | None = None) -> list[InfluenceEntry]:
    """Return the active entries (of one partnership, if given), by partnership and name."""
    query = select(InfluenceEntry).where(InfluenceEntry.active)
    if partnership_id is not None:
        query = query.where(InfluenceEntry.partnership_id == partnership_id)
    return list(session.scalars(query.order_by(InfluenceEntry.partnership_id, InfluenceEntry.key)))


def entry_named(session: Session, partnership_id: int, key: str) -> InfluenceEntry | None:
    """Return the partnership's active entry whose name folds to `key`, if any."""
    query = select(InfluenceEntry).where(
        InfluenceEntry.active,
        InfluenceEntry.partnership_id == partnership_id,
        InfluenceEntry.key == key,
    )
    return session.scalars(query.order_by(InfluenceEntry.id)).first()


def ended_without_supporters(session: Session) -> list[Partnership]:
    """Return the ended partnerships for which no one is registered to support the impact."""
    supported = exists().where(
        InfluenceEntry.partnership_id == Partnership.id, InfluenceEntry.active
    )
    query = (
        select(Partnership)
        .join(Partnership.partner)
        .where(Partnership.has_ended, ~supported)
        .options(joinedload(Partnership.partner))
        .order_by(Partnership.reference_number)
    )
    return list(session.scalars(query))


def reference_numbers(session: Session) -> dict[int, str]:
    """Return every partnership's reference number by id."""
    rows = session.execute(select(Partnership.id, Partnership.reference_number))
    return {partnership_id: reference for partnership_id, reference in rows}
