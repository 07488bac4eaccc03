"""What retention clears once it is old enough: inbound mail that carried no answer, and
what mail servers said about our messages. They take a session and never commit.

Rows are handed out in batches by id (`after_id`): each batch is its own transaction,
and the next one starts where the last ended, so a large backlog is one pass over the
table, never one long transaction holding SQLite's write lock.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from db.models import InboundMail, Message


def _unanswered_before(before: datetime) -> ColumnElement[bool]:
    """Inbound mail recorded before `before`, not cleared yet, that carried no answer
    (an e-mail reply that became a response stays until its person is erased)."""
    return and_(
        InboundMail.received_at < before,
        InboundMail.cleared_at.is_(None),
        InboundMail.response_id.is_(None),
    )


def _server_words_before(before: datetime) -> ColumnElement[bool]:
    """Messages last handled before `before` (sent then, or due then for those that never
    went out) that still hold a mail server's reply or an error text."""
    return and_(
        func.coalesce(Message.sent_at, Message.due_at) < before,
        or_(Message.server_reply.is_not(None), Message.last_error.is_not(None)),
    )


def unanswered_inbound(
    session: Session, before: datetime, after_id: int, limit: int
) -> list[InboundMail]:
    """Return up to `limit` inbound mails recorded before `before` that carried no answer
    and are not cleared yet, with ids above `after_id`, by id."""
    query = (
        select(InboundMail)
        .where(InboundMail.id > after_id, _unanswered_before(before))
        .order_by(InboundMail.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def messages_with_server_words(
    session: Session, before: datetime, after_id: int, limit: int
) -> list[Message]:
    """Return up to `limit` messages last handled before `before` that still hold a
    server's reply or an error text, with ids above `after_id`, by id."""
    query = (
        select(Message)
        .where(Message.id > after_id, _server_words_before(before))
        .order_by(Message.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def count_unanswered_inbound(session: Session, before: datetime) -> dict[str, int]:
    """Return how many mails `unanswered_inbound` would hand out, by classification."""
    query = (
        select(InboundMail.classification, func.count())
        .where(_unanswered_before(before))
        .group_by(InboundMail.classification)
    )
    return {str(row[0]): int(row[1]) for row in session.execute(query)}


def count_messages_with_server_words(session: Session, before: datetime) -> int:
    """Return how many messages `messages_with_server_words` would hand out."""
    query = select(func.count()).select_from(Message).where(_server_words_before(before))
    return session.scalar(query) or 0
