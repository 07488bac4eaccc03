"""Queries behind run reports. They take a session and never commit."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Contact, Message, Partner


def campaign_counts(session: Session, campaign_id: int) -> list[tuple[str, str, int]]:
    """Return (kind, status, count) rows for the campaign's messages."""
    query = (
        select(Message.kind, Message.status, func.count())
        .where(Message.campaign_id == campaign_id)
        .group_by(Message.kind, Message.status)
        .order_by(Message.kind, Message.status)
    )
    return [(str(kind), str(status), count) for kind, status, count in session.execute(query)]


def campaign_reasons(session: Session, campaign_id: int) -> list[tuple[str, str | None, int]]:
    """Return (status, reason, count) rows for the campaign's skipped, failed, deferred or
    unconfirmed messages."""
    query = (
        select(Message.status, Message.status_reason, func.count())
        .where(Message.campaign_id == campaign_id, Message.status_reason.is_not(None))
        .group_by(Message.status, Message.status_reason)
        .order_by(func.count().desc())
    )
    return [(str(status), reason, count) for status, reason, count in session.execute(query)]


def campaign_partners(session: Session, campaign_id: int) -> dict[str, dict[str, int]]:
    """Return, per partner name, the campaign's message counts by status."""
    query = (
        select(Partner.name, Message.status, func.count())
        .join(Contact, Contact.id == Message.contact_id)
        .join(Partner, Partner.id == Contact.partner_id)
        .where(Message.campaign_id == campaign_id)
        .group_by(Partner.name, Message.status)
        .order_by(Partner.name)
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    for name, status, count in session.execute(query):
        found[name][str(status)] = count
    return dict(found)
