"""A reply is dated when it was written, not when the collector got to it: the first run
after an upgrade reads replies people opened weeks before. Its `Date:` is the sender's
word, believed only between our message going out and the collection."""

from __future__ import annotations

import mailbox
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import InboundMail, MessageStatus, Response, TouchpointKind
from tasks.responses.collect import collect_mail
from tasks.settings import get_settings
from tests.pipeline import deliver_all, messages, plan, sample_mail

SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)
COLLECTED = SENT + timedelta(days=16)
CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN


def dated(raw: bytes, date: str | None) -> bytes:
    """The reply with its Date header replaced (removed for None)."""
    line = f"Date: {date}\n".encode() if date is not None else b""
    return re.sub(rb"^Date: [^\r\n]*\r?\n", line, raw, count=1, flags=re.MULTILINE)


@pytest.fixture
def answered(imported: Engine, app_env, tmp_path: Path):
    """The check-in a partner answers, sent at SENT."""
    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    plan(imported, CHECKIN, SENT)
    deliver_all(imported, [CHECKIN], SENT)
    (message,) = messages(imported, status=MessageStatus.SENT)[:1]
    return message


def collected_reply(engine: Engine, tmp_path: Path, raw: bytes) -> tuple[datetime, datetime]:
    """Collect the reply at COLLECTED; return its answer's and its mail's received_at."""
    mailbox.Maildir(tmp_path / "inbox", create=True).add(raw)
    assert collect_mail(engine, get_settings(), COLLECTED).counts == {"reply": 1}
    with transaction(engine) as session:
        response = session.scalars(select(Response)).one()
        mail = session.scalars(select(InboundMail)).one()
        return response.received_at, mail.received_at


def test_a_reply_collected_two_weeks_late_keeps_its_own_date(
    answered, imported: Engine, tmp_path: Path
) -> None:
    raw = dated(sample_mail("reply-fr.eml", answered), "Wed, 2 Dec 2026 10:14:00 +0100")
    answer, mail = collected_reply(imported, tmp_path, raw)
    assert answer == datetime(2026, 12, 2, 9, 14, tzinfo=UTC)
    assert mail == COLLECTED  # the mail's record keeps when the collector recorded it


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("Sat, 20 Dec 2026 09:00:00 +0000", COLLECTED),  # a sender's clock running fast
        ("Mon, 30 Nov 2026 09:00:00 +0000", SENT),  # before we sent what it answers
        ("Thu, 1 Jan 1970 00:00:00 +0000", SENT),
    ],
)
def test_a_date_outside_our_message_and_its_collection_is_held_within_them(
    answered, imported: Engine, tmp_path: Path, date: str, expected: datetime
) -> None:
    assert answered.sent_at == SENT
    raw = dated(sample_mail("reply-fr.eml", answered), date)
    assert collected_reply(imported, tmp_path, raw)[0] == expected


@pytest.mark.parametrize(
    "date",
    [
        None,
        "",
        "the day after the workshop",
        "Wed, 2 Dec 2026 10:14:00 +0100 " + "9" * 100_000,
        "Fri, 31 Dec 9999 23:59:00 -2359",
        "Wed, 2 Dec 99999999999999999999 10:14:00 +0100",
        "Wed, 2 Dec 2026 10:14:00 +9999",
    ],
)
def test_a_missing_or_hostile_date_is_the_collection_time(
    answered, imported: Engine, tmp_path: Path, date: str | None
) -> None:
    raw = dated(sample_mail("reply-fr.eml", answered), date)
    assert collected_reply(imported, tmp_path, raw)[0] == COLLECTED
