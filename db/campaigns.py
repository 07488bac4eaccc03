"""Queries on campaigns. They take a session and never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Campaign, Message, Partnership, TouchpointKind


def campaign_for(
    session: Session,
    kind: TouchpointKind,
    name: str,
    idempotency_key: str,
    parameters: dict[str, Any] | None = None,
) -> Campaign:
    """Return the campaign with `idempotency_key`, creating it the first time: a retried
    or doubled trigger finds the same campaign."""
    found = session.scalars(
        select(Campaign).where(Campaign.idempotency_key == idempotency_key)
    ).one_or_none()
    if found is not None:
        return found
    campaign = Campaign(
        kind=kind, name=name, idempotency_key=idempotency_key, parameters=parameters or {}
    )
    session.add(campaign)
    session.flush()
    return campaign


def recipients_of(session: Session, campaign_id: int) -> list[tuple[str, str | None]]:
    """Return (language, country of the partnership) for each of the campaign's messages,
    in row order; the country is None for a message about no partnership."""
    query = (
        select(Message.language, Partnership.country)
        .outerjoin(Partnership, Partnership.id == Message.partnership_id)
        .where(Message.campaign_id == campaign_id)
        .order_by(Message.id)
    )
    return [(language, country) for language, country in session.execute(query)]
