"""Queries the touchpoints use to find who is due. They take a session and never commit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from db.models import Contact, FollowUpPlan, Partner, Partnership, TouchpointKind
from db.rows import CHUNK


def due_plans_of_kind(
    session: Session, kind: TouchpointKind, as_of: datetime, chunk: int = CHUNK
) -> Iterator[list[FollowUpPlan]]:
    """Yield, in id-cursor batches, the active plans of `kind` due at `as_of`, each with
    its partnership, partner and the partner's contacts loaded."""
    after = 0
    while True:
        query = (
            select(FollowUpPlan)
            .where(
                FollowUpPlan.active,
                FollowUpPlan.next_due_at <= as_of,
                FollowUpPlan.kind == kind,
                FollowUpPlan.id > after,
            )
            .options(
                joinedload(FollowUpPlan.partnership)
                .joinedload(Partnership.partner)
                .selectinload(Partner.contacts)
            )
            .order_by(FollowUpPlan.id)
            .limit(chunk)
        )
        plans = list(session.scalars(query).unique())
        if not plans:
            return
        yield plans
        after = plans[-1].id


def plans_open_at(session: Session, kind: TouchpointKind, as_of: datetime) -> list[FollowUpPlan]:
    """Return the active plans of `kind` whose window contains `as_of` (event-driven
    touchpoints: who may be invited now)."""
    query = (
        select(FollowUpPlan)
        .where(
            FollowUpPlan.active,
            FollowUpPlan.kind == kind,
            FollowUpPlan.starts_at <= as_of,
            (FollowUpPlan.ends_at.is_(None)) | (FollowUpPlan.ends_at > as_of),
        )
        .options(
            joinedload(FollowUpPlan.partnership)
            .joinedload(Partnership.partner)
            .selectinload(Partner.contacts)
        )
        .order_by(FollowUpPlan.id)
    )
    return list(session.scalars(query).unique())


def contacts_of(partner: Partner) -> list[Contact]:
    """Return the partner's contacts in a stable order (all of them: the plan stage records
    why the unreachable ones are skipped)."""
    return sorted(partner.contacts, key=lambda contact: contact.id)
