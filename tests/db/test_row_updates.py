"""Guarded row writes (db/row_updates.py) as delivery commits them: in a lane's
autocommit connection on PostgreSQL (a hand-over and the answer before it as one
statement, more rows in a transaction), and in an ordinary session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.engine import transaction
from db.models import Contact, Message, MessageStatus, TouchpointKind
from db.outbox import RowWrites, claim_batch, messages_with_recipients
from tasks.outbox.lanes import lane_connection
from tests.pipeline import plan

CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["lane", "session"])
def claimed(request: pytest.FixtureRequest, imported: Engine) -> Iterator[list[Message]]:
    """Three claimed messages, loaded in a session on a lane's connection or a plain one."""
    plan(imported, CHECKIN, NOW)
    with transaction(imported) as session:
        ids = claim_batch(session, [CHECKIN], NOW, 3, claim="c" * 32)
    connection = lane_connection(imported) if request.param == "lane" else imported.connect()
    session = Session(connection, expire_on_commit=False)
    try:
        loaded = messages_with_recipients(session, ids)
        session.commit()  # as a lane does: SQLite's lock goes while others write
        yield loaded
    finally:
        session.close()
        connection.close()


def stored(engine: Engine) -> dict[int, Message]:
    with transaction(engine) as session:
        return {m.id: m for m in session.scalars(select(Message))}


def hand_over(writes: RowWrites, message: Message) -> None:
    writes.set(message, message_id=f"<{message.id}@x>", subject="S", handoff_at=NOW)


def answer(writes: RowWrites, message: Message) -> None:
    writes.set(message, status=MessageStatus.SENT, sent_at=NOW, server_reply="250 ok")


def answered_then_handed_over(first: Message, second: Message) -> bool:
    """Commit `first`'s answer with `second`'s hand-over, as a lane does; return whether
    the hand-over was written."""
    writes, session = RowWrites(), Session.object_session(first)
    assert session is not None
    answer(writes, first)
    hand_over(writes, second)
    return writes.commit(session, must_hold=second)


def test_a_hand_over_commits_with_the_answer_before_it(
    claimed: list[Message], imported: Engine
) -> None:
    first, second, _ = claimed
    assert answered_then_handed_over(first, second)
    rows = stored(imported)  # read on another connection: committed
    assert rows[first.id].status == MessageStatus.SENT and rows[first.id].server_reply == "250 ok"
    assert rows[second.id].message_id == f"<{second.id}@x>"
    assert rows[second.id].status == MessageStatus.SENDING


def test_the_hand_over_of_an_erased_contact_is_refused_and_the_answer_kept(
    claimed: list[Message], imported: Engine
) -> None:
    first, second, _ = claimed
    with transaction(imported) as other:
        other.get(Contact, second.contact_id).erased_at = NOW  # committed since the load
    assert not answered_then_handed_over(first, second)
    rows = stored(imported)
    assert rows[second.id].handoff_at is None and rows[second.id].message_id is None
    assert rows[first.id].status == MessageStatus.SENT


def test_a_row_whose_claim_moved_on_is_not_written(
    claimed: list[Message], imported: Engine
) -> None:
    first, second, _ = claimed
    with transaction(imported) as other:
        other.get(Message, second.id).claim = "d" * 32  # another delivery took it over
    assert not answered_then_handed_over(first, second)
    assert stored(imported)[second.id].handoff_at is None


def test_the_end_of_a_batch_writes_every_row(claimed: list[Message], imported: Engine) -> None:
    writes, session = RowWrites(), Session.object_session(claimed[0])
    for message in claimed:
        answer(writes, message)
    assert writes.commit(session)
    assert {m.status for m in stored(imported).values() if m.id in {c.id for c in claimed}} == {
        MessageStatus.SENT
    }


def test_nothing_to_write_commits_and_leaves_the_connection_usable(
    claimed: list[Message], imported: Engine
) -> None:
    # A lane whose last message was taken over by another delivery ends with no writes.
    session = Session.object_session(claimed[0])
    assert RowWrites().commit(session)
    writes = RowWrites()
    answer(writes, claimed[0])
    assert writes.commit(session)
    assert stored(imported)[claimed[0].id].status == MessageStatus.SENT
