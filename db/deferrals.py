"""Messages waiting for a later time: those staff release (held, or planned and not due
yet) and those the sending window deferred, looked at again by each delivery.

Every function takes a session and never commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from db.models import Contact, Message, Partner, TouchpointKind
from db.outbox import IS_PLANNED
from db.outbox_decisions import WAITING

# What every reason a window deferral writes holds (`Wait` in tasks/sending_window.py).
DEFERRED_MARK = "; deferred to "
# How every reason a staff release writes starts: such a row is never re-evaluated.
RELEASED_MARK = "released by "


def releasable(
    session: Session,
    campaign_id: int | None = None,
    kind: TouchpointKind | None = None,
    alpha3: str | None = None,
) -> list[Message]:
    """Return the messages staff may release, oldest first: held, or planned (deferred to
    a window, a campaign's `send_at`, a retry's backoff, or due and not claimed yet), of
    the campaign, kind and country (ISO alpha-3) given. On PostgreSQL they stay locked
    until the transaction ends, so no delivery claims one meanwhile."""
    query = select(Message).where(Message.status.in_(WAITING))
    if campaign_id is not None:
        query = query.where(Message.campaign_id == campaign_id)
    if kind is not None:
        query = query.where(Message.kind == kind)
    if alpha3 is not None:
        query = query.where(Message.contact_id.in_(_contacts_in(Partner.country == alpha3)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Message)
    return list(session.scalars(query.order_by(Message.id)))


def deferral_places(session: Session, now: datetime) -> list[tuple[str, str | None]]:
    """Return the (time zone, partner's country) pairs of the messages the window
    deferred past `now`: one pair stands for every such message, however many."""
    query = (
        select(_zone(), Partner.country)
        .select_from(Message)
        .join(Contact, Contact.id == Message.contact_id)
        .join(Partner, Partner.id == Contact.partner_id)
        .where(*_window_deferred(now))
        .distinct()
    )
    return [(zone, country) for zone, country in session.execute(query)]


def move_deferred(
    session: Session,
    now: datetime,
    place: tuple[str, str | None],
    due_at: datetime,
    reason: str,
) -> int:
    """Make `due_at` (with `reason`) the due time of the messages the window deferred past
    `now` to contacts in `place` (time zone, country) that were due at another time;
    return how many moved. Rows a delivery claimed meanwhile are left to it."""
    zone, country = place
    contacts = _contacts_in(_zone() == zone, Partner.country.is_not_distinct_from(country))
    result = session.execute(
        update(Message)
        .where(*_window_deferred(now), Message.contact_id.in_(contacts), Message.due_at != due_at)
        .values(due_at=due_at, status_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _window_deferred(now: datetime) -> tuple[ColumnElement[bool], ...]:
    # Planned before `now` (a campaign's later `send_at` is its planning moment: it is
    # looked at once that has come), due after it, with the reason a deferral writes.
    return (
        IS_PLANNED,
        Message.due_at > now,
        Message.created_at <= now,
        Message.status_reason.contains(DEFERRED_MARK, autoescape=True),
        ~Message.status_reason.startswith(RELEASED_MARK, autoescape=True),
    )


def _zone() -> ColumnElement[str]:
    """The time zone mail to a contact goes by: their own, else their partner's."""
    return func.coalesce(Contact.time_zone, Partner.time_zone)


def _contacts_in(*where: ColumnElement[bool]) -> Any:
    return select(Contact.id).join(Partner, Partner.id == Contact.partner_id).where(*where)
