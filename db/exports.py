"""Queries behind the exports (`continuity export`): answers and outbox rows, streamed a
batch at a time so that an export of any size holds one batch in memory. They take a
session and never commit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from db.models import (
    NOT_ANSWERS,
    Campaign,
    Contact,
    Message,
    Partner,
    Partnership,
    Response,
    ResponseChannel,
)

# Rows fetched from the database at a time (a server-side cursor on PostgreSQL).
BATCH = 1000


@dataclass(frozen=True)
class ExportFilter:
    """Which rows an export holds: in one of `countries` (ISO alpha-3; the partnership's
    country, else the partner's), of one of `kinds` (touchpoint kinds), dated in
    [`since`, `until`); an empty tuple or None means any."""

    countries: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None


def country_column() -> ColumnElement[str | None]:
    """The country a row counts for: its partnership's, else its partner's."""
    return func.coalesce(Partnership.country, Partner.country)


Column = ColumnElement[Any] | InstrumentedAttribute[Any]


def filtered(
    query: Select[*tuple[Any, ...]], dated: Column, kind: Column, wanted: ExportFilter
) -> Select[*tuple[Any, ...]]:
    """Return `query` restricted to what `wanted` asks, dates read from `dated`."""
    if wanted.countries:
        query = query.where(country_column().in_(wanted.countries))
    if wanted.kinds:
        query = query.where(kind.in_(wanted.kinds))
    if wanted.since is not None:
        query = query.where(dated >= wanted.since)
    if wanted.until is not None:
        query = query.where(dated < wanted.until)
    return query


def answer_rows(
    session: Session, wanted: ExportFilter = ExportFilter()
) -> Iterator[Row[*tuple[Any, ...]]]:
    """Yield partners' answers, oldest first: every answer still current (a revised one
    only as revised, each e-mail reply on its own), never an auto-reply, an opt-out or
    what UNICEF's own staff wrote back, with partner, partnership and the contact's number,
    role and erasure date."""
    query = (
        select(
            Response.id,
            Response.received_at,
            Response.kind,
            Response.channel,
            Response.revision,
            Response.answers,
            Response.words,
            Response.handled_at,
            Response.handled_by,
            Response.contact_id,
            *_person_and_partner(),
        )
        .outerjoin(Partnership, Partnership.id == Response.partnership_id)
        .outerjoin(Contact, Contact.id == Response.contact_id)
        .outerjoin(Partner, Partner.id == func.coalesce(Partnership.partner_id, Contact.partner_id))
        .where(
            Response.kind.not_in(NOT_ANSWERS),
            or_(Response.superseded_at.is_(None), Response.channel == ResponseChannel.EMAIL),
            ~Response.contact.has(Contact.is_staff),
        )
        .order_by(Response.received_at, Response.id)
    )
    query = filtered(query, Response.received_at, Response.kind, wanted)
    yield from session.execute(query.execution_options(yield_per=BATCH))


def _person_and_partner() -> tuple[Any, ...]:
    """The columns every export row shares: the contact's role and erasure date, the
    partner, its vendor number and country, the partnership's reference."""
    return (
        Contact.role,
        Contact.erased_at,
        Partner.name.label("partner"),
        Partner.vendor_number,
        country_column().label("country"),
        Partnership.reference_number,
    )


def outbox_rows(
    session: Session, wanted: ExportFilter = ExportFilter()
) -> Iterator[Row[*tuple[Any, ...]]]:
    """Yield outbox rows, in the order they were planned, dated by when they went (else
    when they were due): partner, partnership, the contact's number, role and erasure
    date, kind, language, state and why, dates and campaign. Never a token's hash, a
    Message-ID, a subject (it may name the person) or what a server replied."""
    dated = func.coalesce(Message.sent_at, Message.due_at)
    query = (
        select(
            Message.id,
            Message.kind,
            Message.language,
            Message.status,
            Message.status_reason,
            Message.attempts,
            Message.due_at,
            Message.sent_at,
            Message.reminder_of_id,
            Message.campaign_id,
            Campaign.name.label("campaign"),
            Message.contact_id,
            *_person_and_partner(),
        )
        .join(Contact, Contact.id == Message.contact_id)
        .outerjoin(Partnership, Partnership.id == Message.partnership_id)
        .outerjoin(Partner, Partner.id == func.coalesce(Partnership.partner_id, Contact.partner_id))
        .outerjoin(Campaign, Campaign.id == Message.campaign_id)
        .order_by(Message.id)
    )
    query = filtered(query, dated, Message.kind, wanted)
    yield from session.execute(query.execution_options(yield_per=BATCH))
