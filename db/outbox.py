"""The outbox: inserting planned messages, claiming them for delivery, recording outcomes.

Every function takes a session and never commits, except `RowWrites.commit`: delivery
commits between steps, through it, so that the database always says how far a message
got.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, exists, func, literal_column, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from db.array_insert import inserted_as_arrays
from db.models import Contact, Message, MessageStatus, TouchpointKind
from db.row_updates import committed, written

# Written as a literal so SQLite's planner can use the partial index on planned rows.
IS_PLANNED = literal_column("messages.status") == literal_column("'planned'")
_MESSAGES = Message.metadata.tables[Message.__tablename__]


def insert_messages(session: Session, rows: Sequence[dict[str, Any]]) -> set[tuple[str, int]]:
    """Insert outbox rows, ignoring any whose (occurrence key, contact) exists; return the
    (occurrence key, contact id) pairs that were new."""
    if not rows:
        return set()
    keys = ("occurrence_key", "contact_id")
    if session.get_bind().dialect.name == "postgresql":
        inserted = inserted_as_arrays(session, _MESSAGES, rows, keys, keys)
        return {(key, contact_id) for key, contact_id in inserted}
    # One statement compiled once and executed for many rows ("insertmanyvalues").
    statement = (
        sqlite_insert(Message)
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(Message.occurrence_key, Message.contact_id)
    )
    return {(key, contact_id) for key, contact_id in session.execute(statement, list(rows))}


def claim_batch(
    session: Session,
    kinds: Iterable[TouchpointKind],
    now: datetime,
    limit: int,
    campaign_id: int | None = None,
    claim: str | None = None,
) -> list[int]:
    """Mark up to `limit` planned messages of `kinds` (of one campaign, if given) due by
    `now` as sending under `claim` (a new token if None); return their ids.

    On PostgreSQL the rows are locked with SKIP LOCKED, so several workers claiming at
    once never share a row; SQLite has one writer at a time.
    """
    candidates = (
        select(Message.id)
        .where(IS_PLANNED, Message.due_at <= now, Message.kind.in_(list(kinds)))
        .order_by(Message.due_at, Message.id)
        .limit(limit)
    )
    if campaign_id is not None:
        candidates = candidates.where(Message.campaign_id == campaign_id)
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(session.scalars(candidates))
    if ids:
        session.execute(
            update(Message)
            .where(Message.id.in_(ids))
            .values(
                status=MessageStatus.SENDING,
                claimed_at=now,
                claim=claim or secrets.token_hex(16),
                attempts=Message.attempts + 1,
            )
        )
    return ids


class RowWrites:
    """Column values of claimed messages, written by primary key when committed (one
    statement per set of columns): delivery writes each row twice, and the ORM's unit of
    work cost more per message than the mail server did. The loaded objects show the
    values at once. A row is written only while the claim that loaded it still holds it
    (status `sending`, same claim): a delivery that outlived its lease writes nothing
    over the delivery that took the row over. The hand-over (`must_hold`) is written only
    while its contact is not erased either: a batch loads its contacts once, and an
    erasure committed since must stop the mail."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[str, Any]] = {}

    def set(self, message: Message, **values: Any) -> None:
        for key, value in values.items():
            set_committed_value(message, key, value)
        self.rows.setdefault(message.id, {"id": message.id, "claim": message.claim}).update(values)

    def commit(self, session: Session, must_hold: Message | None = None) -> bool:
        """Execute the pending writes and commit; return False when the row of
        `must_hold` was no longer held (its write did nothing; the rest is committed).
        Writes are forgotten only once committed, so a failed commit leaves them for
        `save_answers`."""
        pending = dict(self.rows)
        held = pending.pop(must_hold.id) if must_hold is not None else None
        changed = committed(session, pending.values(), held)
        self.rows.clear()
        return changed

    def answers(self) -> list[dict[str, Any]]:
        """Return the pending writes that record an outcome (a status), leaving out a
        hand-over whose message never reached the transport."""
        return [row for row in self.rows.values() if "status" in row]

    def never_submitted(self) -> list[int]:
        """Return the ids of pending hand-overs: their commit failed as far as this
        process knows (it may have reached the database all the same), and their message
        was never given to the transport, which gets the data only after the commit (at
        most the envelope's MAIL FROM, which delivers nothing)."""
        return [row["id"] for row in self.rows.values() if "status" not in row]

    def save_answers(self, session: Session) -> None:
        """Execute the pending outcomes alone in `session` (the caller commits)."""
        written(session, self.answers())


def messages_with_recipients(session: Session, ids: Sequence[int]) -> list[Message]:
    """Return the messages `ids` in order, with contact, partner and partnership loaded."""
    query = (
        select(Message)
        .where(Message.id.in_(list(ids)))
        .options(
            joinedload(Message.contact).joinedload(Contact.partner),
            joinedload(Message.partnership),
        )
        .order_by(Message.id)
    )
    return list(session.scalars(query).unique())


def planned_after(
    session: Session,
    kinds: Iterable[TouchpointKind],
    after_id: int,
    limit: int,
    campaign_id: int | None = None,
    ids: Sequence[int] = (),
) -> list[Row[Any]]:
    """Return the next `limit` planned messages of `kinds` (of one campaign, and among
    `ids`, if given) with an id above `after_id`, as rows of what their content depends
    on (id, kind, language, context, partner, partnership, due time, contact name): a
    cursor for walking every planned row in batches without loading each as an object."""
    query = (
        select(
            Message.id,
            Message.kind,
            Message.language,
            Message.context,
            Contact.partner_id,
            Message.partnership_id,
            Message.due_at,
            Contact.name,
        )
        .join(Message.contact)
        .where(IS_PLANNED, Message.kind.in_(list(kinds)), Message.id > after_id)
        .order_by(Message.id)
        .limit(limit)
    )
    if campaign_id is not None:
        query = query.where(Message.campaign_id == campaign_id)
    if ids:
        query = query.where(Message.id.in_(list(ids)))
    return list(session.execute(query))


def release_unstarted(
    session: Session, ids: Sequence[int], claim: str, never_submitted: Sequence[int] = ()
) -> int:
    """Put the rows of `ids` still held by `claim` and never handed over (or handed over
    but, as the caller knows, `never_submitted` to the mail server) back to planned,
    without counting the attempt; return how many."""
    unsent: ColumnElement[bool] = Message.handoff_at.is_(None)
    if never_submitted:
        unsent = or_(unsent, Message.id.in_(list(never_submitted)))
    result = session.execute(
        update(Message)
        .where(
            Message.id.in_(list(ids)),
            Message.claim == claim,
            Message.status == MessageStatus.SENDING,
            unsent,
        )
        .values(
            status=MessageStatus.PLANNED,
            handoff_at=None,
            attempts=case((Message.attempts > 0, Message.attempts - 1), else_=0),
            status_reason="released: its delivery lost the database before handing it to"
            " the mail server",
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def interrupted(session: Session, claimed_before: datetime) -> list[Message]:
    """Return messages still marked sending that were claimed before `claimed_before`."""
    query = select(Message).where(
        Message.status == MessageStatus.SENDING, Message.claimed_at < claimed_before
    )
    return list(session.scalars(query.order_by(Message.id)))


def number_due(
    session: Session, kinds: Iterable[TouchpointKind], now: datetime, campaign_id: int | None
) -> int:
    """Return how many planned messages of `kinds` (of one campaign, if given) are due by
    `now`."""
    query = select(func.count()).where(
        IS_PLANNED, Message.kind.in_(list(kinds)), Message.due_at <= now
    )
    if campaign_id is not None:
        query = query.where(Message.campaign_id == campaign_id)
    return session.scalar(query.select_from(Message)) or 0


def counts_by_status(session: Session, **where: Any) -> dict[str, int]:
    query = select(Message.status, func.count()).filter_by(**where).group_by(Message.status)
    return {str(status): count for status, count in session.execute(query)}


def occurrence_planned(session: Session, occurrence_key: str) -> bool:
    """True when a message of this occurrence was planned, whatever became of it since."""
    return bool(session.scalar(select(exists().where(Message.occurrence_key == occurrence_key))))


def recipients_of(session: Session, occurrence_key: str) -> set[int]:
    """Return the contacts (ids) with a message of this occurrence, whatever became of it."""
    query = select(Message.contact_id).where(Message.occurrence_key == occurrence_key)
    return set(session.scalars(query))


def set_unsent_language(session: Session, contact_ids: Sequence[int], language: str) -> int:
    """Write `language` into the contacts' messages not yet sent (planned, or held until
    staff release them: a release checks them again), so they go out in it; return how
    many changed. A message a delivery has claimed goes out as it was rendered."""
    if not contact_ids:
        return 0
    result = session.execute(
        update(Message)
        .where(
            Message.contact_id.in_(list(contact_ids)),
            Message.status.in_([MessageStatus.PLANNED, MessageStatus.HELD]),
            Message.language != language,
        )
        .values(language=language)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
