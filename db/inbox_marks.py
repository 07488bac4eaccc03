"""Queries for the collector's own marks on the mail it recorded. They take a session and
never commit: a mark is written in the transaction that records its mail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import InboxMark

# Keys per IN (…) query: well under SQLite's and PostgreSQL's limits on bound parameters.
CHUNK = 500


def recorded_keys(session: Session, mailbox: str, keys: Iterable[str]) -> set[str]:
    """Return those of `keys` that have a mark in `mailbox`, asking in chunks, so a
    mailbox of any size costs one indexed look-up per key and never loads the table."""
    wanted = list(dict.fromkeys(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        query = select(InboxMark.key).where(InboxMark.mailbox == mailbox, InboxMark.key.in_(chunk))
        found.update(session.scalars(query))
    return found


def highest_uid(session: Session, mailbox: str) -> int:
    """Return the highest IMAP UID marked in `mailbox`, 0 when none is."""
    query = select(func.max(InboxMark.uid)).where(InboxMark.mailbox == mailbox)
    return session.scalar(query) or 0


def mark_recorded(
    session: Session, mailbox: str, key: str, uid: int | None, now: datetime
) -> InboxMark:
    """Mark the mail `key` of `mailbox` as recorded (or return its earlier mark)."""
    query = select(InboxMark).where(InboxMark.mailbox == mailbox, InboxMark.key == key)
    earlier = session.scalars(query).first()
    if earlier is not None:
        return earlier
    mark = InboxMark(mailbox=mailbox, key=key, uid=uid, recorded_at=now)
    session.add(mark)
    return mark
