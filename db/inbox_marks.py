"""Queries for the collector's own marks on the mail it recorded. They take a session and
never commit: a mark is written in the transaction that records its mail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import InboxMark

# Beyond this many keys asked about at once (a Maildir's every name), the mailbox's marks
# are read in one pass instead of by an IN list.
MANY = 500


def recorded_keys(session: Session, mailbox: str, keys: Iterable[str]) -> set[str]:
    """Return those of `keys` that have a mark in `mailbox`: a few by the index, many by
    one pass over the mailbox's marks. (An IN list of hundreds, planned before PostgreSQL
    has statistics on a table just filled, compares each of the mailbox's marks with each
    key: seconds for 20,000, where the one pass takes milliseconds.)"""
    wanted = set(keys)
    query = select(InboxMark.key).where(InboxMark.mailbox == mailbox)
    if len(wanted) > MANY:
        return wanted.intersection(session.scalars(query))
    return set(session.scalars(query.where(InboxMark.key.in_(wanted)))) if wanted else set()


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
