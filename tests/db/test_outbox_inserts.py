"""`insert_messages`: on PostgreSQL one statement over arrays (db/array_insert.py), on
SQLite SQLAlchemy's insertmanyvalues; the rows must read back the same on both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from db.engine import transaction
from db.models import Contact, Message, MessageStatus, TouchpointKind
from db.outbox import insert_messages

AS_OF = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def row(contact_id: int, key: str, **values: object) -> dict[str, object]:
    return {
        "campaign_id": None,
        "contact_id": contact_id,
        "partnership_id": None,
        "kind": TouchpointKind.ADHOC,
        "language": "fr",
        "occurrence_key": key,
        "context": {},
        "in_reply_to": None,
        "reminder_of_id": None,
        "due_at": AS_OF,
        "status": MessageStatus.PLANNED,
        "status_reason": None,
        "attempts": 0,
        "created_at": AS_OF,
        "updated_at": AS_OF,
    } | values


def test_every_value_reads_back_as_it_was_inserted(imported: Engine) -> None:
    context = {"title": {"fr": "Réunion «bilan» ' \" \\ ; --"}, "n": [1, None, True]}
    later = AS_OF + timedelta(days=2, microseconds=7)
    with transaction(imported) as session:
        first, second = session.scalars(select(Contact.id).order_by(Contact.id).limit(2))
        rows = [
            row(first, "k:1", context=context, due_at=later, in_reply_to="<a@b>"),
            row(second, "k:1", status=MessageStatus.SKIPPED, status_reason="opted out"),
        ]
        assert insert_messages(session, rows) == {("k:1", first), ("k:1", second)}
    with transaction(imported) as session:
        kept = session.scalars(select(Message).order_by(Message.id)).all()
    assert [m.contact_id for m in kept] == [first, second]  # ids follow the rows' order
    assert kept[0].context == context and kept[0].due_at == later
    assert kept[0].in_reply_to == "<a@b>" and kept[0].kind == TouchpointKind.ADHOC
    assert kept[1].status == MessageStatus.SKIPPED and kept[1].status_reason == "opted out"


def test_it_returns_only_the_rows_that_were_new(imported: Engine) -> None:
    with transaction(imported) as session:
        first, second = session.scalars(select(Contact.id).order_by(Contact.id).limit(2))
        insert_messages(session, [row(first, "k:1")])
    with transaction(imported) as session:
        new = insert_messages(session, [row(first, "k:1"), row(second, "k:1"), row(first, "k:2")])
    assert new == {("k:1", second), ("k:2", first)}
    with transaction(imported) as session:
        assert len(session.scalars(select(Message.id)).all()) == 3


def test_a_value_too_long_for_its_column_is_refused_never_cut(imported: Engine) -> None:
    long_key = "k" * 300  # the column holds 255 characters
    with transaction(imported) as session:
        contact_id = session.scalars(select(Contact.id).limit(1)).one()
    if imported.dialect.name == "sqlite":  # SQLite keeps text whole whatever its declared length
        with transaction(imported) as session:
            assert insert_messages(session, [row(contact_id, long_key)]) == {(long_key, contact_id)}
        return
    with pytest.raises(DBAPIError, match="too long"), transaction(imported) as session:
        insert_messages(session, [row(contact_id, long_key)])
