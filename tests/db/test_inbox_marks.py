from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from db.engine import transaction
from db.inbox_marks import MANY, highest_uid, mark_recorded, recorded_keys
from db.models import InboxMark

AT = datetime(2026, 12, 2, 9, tzinfo=UTC)


@pytest.mark.parametrize("asked", [10, MANY * 2 + 10], ids=["few", "many"])
def test_recorded_keys_answers_for_its_mailbox_alone(engine: Engine, asked: int) -> None:
    with transaction(engine) as session:
        for n in range(0, MANY * 2 + 10, 2):
            mark_recorded(session, "maildir:/a", f"k{n}", None, AT)
        mark_recorded(session, "maildir:/b", "k1", None, AT)
    keys = [f"k{n}" for n in range(asked)] + ["k0", "'; --", "é" * 500]
    with transaction(engine) as session:
        found = recorded_keys(session, "maildir:/a", keys)
        assert found == {f"k{n}" for n in range(0, asked, 2)}
        assert recorded_keys(session, "maildir:/b", keys) == {"k1"}
        assert recorded_keys(session, "maildir:/c", keys) == set()
        assert recorded_keys(session, "maildir:/a", []) == set()


def test_highest_uid_is_zero_for_a_mailbox_without_marks(engine: Engine) -> None:
    with transaction(engine) as session:
        assert highest_uid(session, "imap:x@h/INBOX:1") == 0
        for uid in (3, 2**40, 7):
            mark_recorded(session, "imap:x@h/INBOX:1", str(uid), uid, AT)
        mark_recorded(session, "imap:x@h/INBOX:2", "9", 2**41, AT)
    with transaction(engine) as session:
        assert highest_uid(session, "imap:x@h/INBOX:1") == 2**40


def test_marking_twice_keeps_one_mark(engine: Engine) -> None:
    with transaction(engine) as session:
        first = mark_recorded(session, "maildir:/a", "k", None, AT)
        session.flush()
        assert mark_recorded(session, "maildir:/a", "k", None, AT) is first
    with transaction(engine) as session:
        assert session.scalar(select(func.count()).select_from(InboxMark)) == 1
