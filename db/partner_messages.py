"""Queries on partner messages: the answers that carry a partner's own words (`LISTED`),
and the notices focal points have had of them. They take a session and never commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session, joinedload

from db.models import (
    Contact,
    Message,
    MessageStatus,
    Partner,
    PartnerMessageNotice,
    Partnership,
    Response,
    ResponseChannel,
    TouchpointKind,
)

# `db.models.LISTED` as an expression (the unhandled messages' index has it as SQL), less
# what UNICEF's own staff write: a focal point's reply to a digest or an alert, a measure
# owner's report, are recorded as answers too, but they are no partner's words.
IS_LISTED = and_(
    Response.words != "",
    or_(Response.superseded_at.is_(None), Response.channel == ResponseChannel.EMAIL),
    ~Response.contact.has(Contact.is_staff),
)


@dataclass(frozen=True)
class MessageFilter:
    """Which partner messages to list: one partnership (its reference), one partner (its
    vendor number), received since a moment, only those nobody has handled."""

    partnership: str | None = None
    partner: str | None = None
    since: datetime | None = None
    unhandled: bool = False


def partner_messages(
    session: Session, wanted: MessageFilter = MessageFilter(), limit: int | None = None
) -> list[Response]:
    """Return the partner messages `wanted` asks for, newest first (the latest recorded
    first among equals), with contact, partnership and partner loaded."""
    query = (
        select(Response)
        .where(IS_LISTED)
        .options(
            joinedload(Response.contact).joinedload(Contact.partner),
            joinedload(Response.partnership).joinedload(Partnership.partner),
        )
        .order_by(Response.received_at.desc(), Response.id.desc())
        .limit(limit)
    )
    if wanted.partnership is not None or wanted.partner is not None:
        query = query.join(Partnership, Partnership.id == Response.partnership_id)
    if wanted.partnership is not None:
        query = query.where(Partnership.reference_number == wanted.partnership)
    if wanted.partner is not None:
        query = query.join(Partner, Partner.id == Partnership.partner_id).where(
            Partner.vendor_number == wanted.partner
        )
    if wanted.since is not None:
        query = query.where(Response.received_at >= wanted.since)
    if wanted.unhandled:
        query = query.where(Response.handled_at.is_(None))
    return list(session.scalars(query).unique())


def partner_message(session: Session, ident: int) -> Response | None:
    """Return the partner message with id `ident`; None when there is none, or when that
    answer carries no words or a later revision replaced it."""
    found = partner_messages_by_id(session, [ident])
    return found[0] if found else None


def partner_messages_by_id(
    session: Session, idents: Iterable[int], replaced_too: bool = False
) -> list[Response]:
    """Return the partner messages among `idents`, oldest first, loaded as
    `partner_messages` loads them (an id that is no partner message is left out; with
    `replaced_too`, one a later revision replaced is kept, as it was when told)."""
    wanted = list(idents)
    if not wanted:
        return []
    query = (
        select(Response)
        .where(Response.id.in_(wanted), Response.words != "" if replaced_too else IS_LISTED)
        .options(
            joinedload(Response.contact).joinedload(Contact.partner),
            joinedload(Response.partnership).joinedload(Partnership.partner),
        )
        .order_by(Response.received_at, Response.id)
    )
    return list(session.scalars(query).unique())


def unhandled_messages(
    session: Session, received_after: datetime | None = None, received_by: datetime | None = None
) -> list[Response]:
    """Return the unhandled partner messages received in (`received_after`,
    `received_by`] (either end open when None), oldest first, with contact, partnership and
    partner loaded: what focal points are told of and the report counts as waiting."""
    query = (
        select(Response)
        .where(IS_LISTED, Response.handled_at.is_(None))
        .options(
            joinedload(Response.contact).joinedload(Contact.partner),
            joinedload(Response.partnership).joinedload(Partnership.partner),
        )
        .order_by(Response.received_at, Response.id)
    )
    if received_after is not None:
        query = query.where(Response.received_at > received_after)
    if received_by is not None:
        query = query.where(Response.received_at <= received_by)
    return list(session.scalars(query).unique())


def notices_of(session: Session, response_ids: Iterable[int]) -> set[tuple[int, int, bool]]:
    """Return the notices given of the responses, as (response id, focal point's contact
    id, reminder) triples."""
    wanted = list(response_ids)
    found: set[tuple[int, int, bool]] = set()
    for start in range(0, len(wanted), 500):
        query = select(
            PartnerMessageNotice.response_id,
            PartnerMessageNotice.contact_id,
            PartnerMessageNotice.reminder,
        ).where(PartnerMessageNotice.response_id.in_(wanted[start : start + 500]))
        found.update(
            (response, contact, reminder) for response, contact, reminder in session.execute(query)
        )
    return found


def add_notices(
    session: Session,
    contact_id: int,
    occurrence_key: str,
    response_ids: Iterable[int],
    reminder: bool,
    now: datetime,
) -> None:
    """Note that the focal point gets the responses in the digest `occurrence_key`."""
    session.add_all(
        PartnerMessageNotice(
            response_id=ident,
            contact_id=contact_id,
            reminder=reminder,
            occurrence_key=occurrence_key,
            noticed_at=now,
        )
        for ident in response_ids
    )
    session.flush()


def copy_notices(session: Session, from_id: int, to_id: int) -> None:
    """Give response `to_id` the notices response `from_id` had (a revision that says the
    same in words was had by the same focal points)."""
    query = select(PartnerMessageNotice).where(PartnerMessageNotice.response_id == from_id)
    session.add_all(
        PartnerMessageNotice(
            response_id=to_id,
            contact_id=notice.contact_id,
            reminder=notice.reminder,
            occurrence_key=notice.occurrence_key,
            noticed_at=notice.noticed_at,
        )
        for notice in session.scalars(query)
    )


# A digest in one of these states never reached its focal point.
UNDELIVERED = (
    MessageStatus.FAILED,
    MessageStatus.SKIPPED,
    MessageStatus.CANCELLED,
    MessageStatus.BOUNCED,
)


def release_undelivered_notices(session: Session) -> int:
    """Delete the notices of the digests that never reached their focal point (failed,
    bounced, cancelled, skipped), so that their messages are told in the next one; return
    how many. The digest rows keep their state and reason."""
    undelivered = (
        select(Message.id)
        .where(
            Message.occurrence_key == PartnerMessageNotice.occurrence_key,
            Message.contact_id == PartnerMessageNotice.contact_id,
            Message.kind == TouchpointKind.FOCAL_POINT_DIGEST,
            Message.status.in_(UNDELIVERED),
        )
        .exists()
    )
    result = session.execute(delete(PartnerMessageNotice).where(undelivered))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
