"""Queries on campaigns. They take a session and never commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from db.models import Campaign, Message, MessageStatus, Partnership, TouchpointKind
from db.outbox import IS_PLANNED

# The statuses a campaign leaves only when its messages change (see `Campaign.follow`).
UNSETTLED = ("planned", "sending", "held")


def campaign_for(
    session: Session,
    kind: TouchpointKind,
    name: str,
    idempotency_key: str,
    parameters: dict[str, Any] | None = None,
) -> Campaign:
    """Return the campaign with `idempotency_key`, creating it the first time: a retried
    or doubled trigger finds the same campaign."""
    found = keyed(session, idempotency_key)
    if found is not None:
        return found
    campaign = Campaign(
        kind=kind, name=name, idempotency_key=idempotency_key, parameters=parameters or {}
    )
    session.add(campaign)
    session.flush()
    return campaign


def keyed(session: Session, idempotency_key: str) -> Campaign | None:
    """Return the campaign with `idempotency_key`, or None."""
    query = select(Campaign).where(Campaign.idempotency_key == idempotency_key)
    return session.scalars(query).one_or_none()


def drop_if_empty(session: Session, campaign: Campaign) -> bool:
    """Delete `campaign` if no message belongs to it; return True when it was dropped (a
    run that planned nothing leaves no campaign behind)."""
    if session.scalar(select(exists().where(Message.campaign_id == campaign.id))):
        return False
    session.delete(campaign)
    session.flush()
    return True


def due_by_campaign(
    session: Session, kinds: Iterable[TouchpointKind], now: datetime, campaign_id: int | None
) -> dict[int | None, int]:
    """Return how many planned messages of `kinds` (of one campaign, if given) are due by
    `now`, per campaign (None for messages of no campaign)."""
    query = (
        select(Message.campaign_id, func.count())
        .where(IS_PLANNED, Message.kind.in_(list(kinds)), Message.due_at <= now)
        .group_by(Message.campaign_id)
    )
    if campaign_id is not None:
        query = query.where(Message.campaign_id == campaign_id)
    return {found: count for found, count in session.execute(query)}


def settle(session: Session, campaign_ids: Iterable[int | None]) -> dict[int, str]:
    """Make the status of the campaigns `campaign_ids`, and of every campaign not yet
    settled (planned, sending or held), follow their messages (`Campaign.follow`); return
    the statuses that changed, by campaign id."""
    ids = [found for found in campaign_ids if found is not None]
    campaigns = session.scalars(
        select(Campaign).where(or_(Campaign.id.in_(ids), Campaign.status.in_(UNSETTLED)))
    ).all()
    counts: dict[int | None, dict[MessageStatus, int]] = defaultdict(dict)
    query = (
        select(Message.campaign_id, Message.status, func.count())
        .where(Message.campaign_id.in_([campaign.id for campaign in campaigns]))
        .group_by(Message.campaign_id, Message.status)
    )
    for campaign_id, status, count in session.execute(query):
        counts[campaign_id][MessageStatus(status)] = count
    changed = {}
    for campaign in campaigns:
        before = campaign.status
        if campaign.follow(counts[campaign.id]) != before:
            changed[campaign.id] = campaign.status
    return changed


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
