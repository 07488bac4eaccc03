"""Queries on campaigns. They take a session and never commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Campaign, TouchpointKind


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
