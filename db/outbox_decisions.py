"""Outbox rows staff decide about: held messages (the planned rows of a run whose render
check failed, kept out of every delivery, since a claim takes only `planned` rows) until
released or cancelled; messages in doubt or failed, requeued; waiting ones cancelled.

Every function takes a session and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from db.models import Campaign, Message, MessageStatus, TouchpointKind
from db.outbox import IS_PLANNED

# In a message's context: released "now" by staff, so its next delivery attempt sets the
# recipient's sending window aside (tasks/outbox/composition.py).
RELEASED_NOW = "released_now"
# Not sent yet and not with a delivery: what a cancellation ends.
WAITING = (MessageStatus.PLANNED, MessageStatus.HELD)


def hold_planned(
    session: Session, kinds: Iterable[TouchpointKind], reason: str, campaign_id: int | None = None
) -> int:
    """Hold, with `reason`, every planned message of `kinds` (of one campaign, if given);
    return how many. Rows a delivery already claimed are left to it."""
    query = update(Message).where(IS_PLANNED, Message.kind.in_(list(kinds)))
    if campaign_id is not None:
        query = query.where(Message.campaign_id == campaign_id)
    result = session.execute(
        query.values(status=MessageStatus.HELD, status_reason=reason).execution_options(
            synchronize_session=False
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def unhold(
    session: Session, reason: str, campaign_id: int | None = None, ids: Sequence[int] = ()
) -> int:
    """Plan again, with `reason`, the held messages (of one campaign and/or with given ids;
    all of them when neither is given); return how many. Their due time is kept: a
    delivery sends them at its next run, in their recipients' window."""
    query = update(Message).where(Message.status == MessageStatus.HELD)
    if campaign_id is not None:
        query = query.where(Message.campaign_id == campaign_id)
    if ids:
        query = query.where(Message.id.in_(list(ids)))
    result = session.execute(
        query.values(status=MessageStatus.PLANNED, status_reason=reason).execution_options(
            synchronize_session=False
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def held_groups(session: Session, campaign_id: int | None = None) -> list[dict[str, Any]]:
    """Return the held messages grouped by campaign, kind and reason: the campaign's id and
    name, the kind, how many, the lowest and highest row id, and the reason; oldest
    campaign first. Empty when nothing is held."""
    query = (
        select(
            Message.campaign_id,
            Campaign.name,
            Message.kind,
            func.count(),
            func.min(Message.id),
            func.max(Message.id),
            Message.status_reason,
        )
        .outerjoin(Campaign, Campaign.id == Message.campaign_id)
        .where(Message.status == MessageStatus.HELD)
        .group_by(Message.campaign_id, Campaign.name, Message.kind, Message.status_reason)
        .order_by(Message.campaign_id, Message.kind, func.min(Message.id))
    )
    if campaign_id is not None:
        query = query.where(Message.campaign_id == campaign_id)
    return [
        {
            "campaign": campaign or "",
            "name": name or "",
            "kind": str(kind),
            "messages": count,
            "ids": f"{first}-{last}" if first != last else str(first),
            "reason": reason or "",
        }
        for campaign, name, kind, count, first, last, reason in session.execute(query)
    ]


def requeue(
    session: Session,
    status: MessageStatus,
    now: datetime,
    kind: TouchpointKind | None = None,
    ids: Sequence[int] = (),
) -> int:
    """Plan again the messages in `status` (optionally of one kind or with given ids);
    return how many. Their attempts start over, and their recipients' sending window
    applies again (a "release now" the message still carries is dropped)."""
    where = [Message.status == status]
    if kind is not None:
        where.append(Message.kind == kind)
    if ids:
        where.append(Message.id.in_(list(ids)))
    _forget_release_now(session, where)
    query = update(Message).where(*where)
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        query.values(
            status=MessageStatus.PLANNED,
            due_at=now,
            attempts=0,
            handoff_at=None,
            status_reason=f"requeued by staff (was {status})",
        )
    )
    return int(result.rowcount or 0)


def _forget_release_now(session: Session, where: list[ColumnElement[bool]]) -> None:
    # Few rows carry the mark (a message cancelled before its delivery tried it): look for
    # it in the JSON's text, the same on SQLite and PostgreSQL, and load only those.
    marked = cast(Message.context, String).contains(f'"{RELEASED_NOW}"', autoescape=True)
    for message in session.scalars(select(Message).where(*where, marked)):
        message.context = {k: v for k, v in message.context.items() if k != RELEASED_NOW}


def cancel_planned(session: Session, occurrence_prefix: str, reason: str) -> int:
    """Cancel, with `reason`, the messages still planned or held whose occurrence key
    starts with `occurrence_prefix`; return how many. Rows already claimed by a delivery
    are left."""
    result = session.execute(
        update(Message)
        .where(
            Message.status.in_(WAITING),
            Message.occurrence_key.startswith(occurrence_prefix, autoescape=True),
        )
        .values(status=MessageStatus.CANCELLED, status_reason=reason)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def cancel_campaign_messages(session: Session, campaign_id: int, reason: str) -> int:
    """Cancel, with `reason`, the campaign's messages still planned or held; return how
    many. Rows already claimed by a delivery are left."""
    result = session.execute(
        update(Message)
        .where(Message.campaign_id == campaign_id, Message.status.in_(WAITING))
        .values(status=MessageStatus.CANCELLED, status_reason=reason)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
