"""Queries on everything held about one person (their contact rows, by number): what was
sent to them, what they answered, the mail they sent, and the records of others that
name them. They take a session and never commit."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from db.models import (
    NOT_ANSWERS,
    Acknowledgement,
    Campaign,
    ContactEvent,
    CorrectiveEvent,
    CorrectiveMeasure,
    CorrectivePlan,
    InboundMail,
    InfluenceEntry,
    Message,
    Partnership,
    Response,
)

# Where a staff member's name is written as who did something, whole.
STAFF_NAME_COLUMNS = (
    Response.handled_by,
    Response.recorded_by,
    Acknowledgement.staff_approved_by,
    InfluenceEntry.recorded_by,
    CorrectivePlan.recorded_by,
    ContactEvent.actor,
)
# How a corrective plan's trail names who acted (tasks/corrective).
ACTOR_ROLES = ("partner", "focal point", "staff")


def history_of(session: Session, contact_ids: Collection[int]) -> list[ContactEvent]:
    """Return the contacts' history, oldest first."""
    query = select(ContactEvent).where(ContactEvent.contact_id.in_(contact_ids))
    return list(session.scalars(query.order_by(ContactEvent.at, ContactEvent.id)))


def messages_to(
    session: Session, contact_ids: Collection[int], locked: bool = False
) -> list[Message]:
    """Return every message to the contacts, oldest planned first; `locked`, their rows
    locked until the transaction ends (PostgreSQL: a delivery's hand-over of one of them
    waits, and one already committed is read as it now is)."""
    query = select(Message).where(Message.contact_id.in_(contact_ids))
    if locked:
        query = query.with_for_update(of=Message)
    return list(session.scalars(query.order_by(Message.due_at, Message.id)))


def responses_of(session: Session, contact_ids: Collection[int]) -> list[Response]:
    """Return every answer, reply and request of the contacts, oldest first."""
    query = select(Response).where(Response.contact_id.in_(contact_ids))
    return list(session.scalars(query.order_by(Response.received_at, Response.id)))


def message_counts(session: Session, contact_id: int) -> dict[str, int]:
    """Return how many messages the contact has, by status."""
    query = (
        select(Message.status, func.count())
        .where(Message.contact_id == contact_id)
        .group_by(Message.status)
        .order_by(Message.status)
    )
    return {str(status): count for status, count in session.execute(query)}


def answer_count(session: Session, contact_id: int) -> int:
    """Return how many answers the contact gave (revisions each; opt-outs and automatic
    replies are no answers)."""
    query = select(func.count()).where(
        Response.contact_id == contact_id, Response.kind.not_in(NOT_ANSWERS)
    )
    return session.scalar(query) or 0


def inbound_linked_to(
    session: Session, message_ids: Collection[int], response_ids: Collection[int]
) -> list[InboundMail]:
    """Return the inbound mail tied to these messages (replies, bounces, reports) or
    answers, oldest first."""
    query = select(InboundMail).where(
        or_(InboundMail.message_id.in_(message_ids), InboundMail.response_id.in_(response_ids))
    )
    return list(session.scalars(query.order_by(InboundMail.received_at, InboundMail.id)))


def inbound_senders(session: Session) -> list[tuple[int, str]]:
    """Return (id, From header) of every inbound mail that still holds its sender."""
    query = select(InboundMail.id, InboundMail.from_address).where(InboundMail.from_address != "")
    return [(ident, sender) for ident, sender in session.execute(query.order_by(InboundMail.id))]


def inbound_by_ids(session: Session, ids: Collection[int]) -> list[InboundMail]:
    query = select(InboundMail).where(InboundMail.id.in_(ids))
    return list(session.scalars(query.order_by(InboundMail.received_at, InboundMail.id)))


def measures_owned_by(session: Session, contact_ids: Collection[int]) -> list[CorrectiveMeasure]:
    query = select(CorrectiveMeasure).where(CorrectiveMeasure.owner_id.in_(contact_ids))
    return list(session.scalars(query.order_by(CorrectiveMeasure.id)))


def acknowledgements_of(session: Session, partner_ids: Collection[int]) -> list[Acknowledgement]:
    """Return the acknowledgements of the partners' partnerships (their people approve them)."""
    query = (
        select(Acknowledgement)
        .join(Partnership, Partnership.id == Acknowledgement.partnership_id)
        .where(Partnership.partner_id.in_(partner_ids))
    )
    return list(session.scalars(query.order_by(Acknowledgement.id)))


def register_entries(session: Session) -> list[InfluenceEntry]:
    """Return every entry of the register of spheres of influence (anyone may name anyone)."""
    return list(session.scalars(select(InfluenceEntry).order_by(InfluenceEntry.id)))


def every_corrective_event(session: Session) -> list[CorrectiveEvent]:
    """Return every line of every corrective plan's trail (a measure's owner changes)."""
    return list(session.scalars(select(CorrectiveEvent).order_by(CorrectiveEvent.id)))


def rewrite(
    session: Session, column: InstrumentedAttribute[Any], change: Callable[[Any], Any]
) -> int:
    """Set `column` of every row to `change(value)` where that differs, by primary key;
    return how many rows changed. Every row is read (an erasure is rare, and neither JSON
    nor Unicode text can be searched reliably with LIKE); objects already loaded in the
    session are not refreshed, so the caller flushes its own changes first."""
    model = column.class_
    rows = session.execute(select(model.id, column).order_by(model.id))
    changed = [
        {"id": ident, column.key: new} for ident, value in rows if (new := change(value)) != value
    ]
    if changed:
        session.execute(update(model), changed)
    return len(changed)


def campaigns(session: Session) -> list[Campaign]:
    """Return every campaign (their parameters list staff test recipients' addresses)."""
    return list(session.scalars(select(Campaign).order_by(Campaign.id)))


def rename_actor(session: Session, name: str, marker: str, staff: bool) -> int:
    """Write `marker` for `name` where the trail of corrective plans names who acted and,
    for a staff member, wherever their name says who recorded, handled or approved
    something; return how many rows changed."""
    changed = 0
    for role in ACTOR_ROLES:
        query = update(CorrectiveEvent).where(CorrectiveEvent.actor == f"{role}: {name}")
        changed += _count(session.execute(query.values(actor=f"{role}: {marker}")))
    for column in STAFF_NAME_COLUMNS if staff else ():
        query = update(column.class_).where(column == name).values({column.key: marker})
        changed += _count(session.execute(query))
    return changed


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
