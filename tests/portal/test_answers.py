"""One current answer per message and contact, enforced by the database: a new answer
supersedes every current one and numbers itself after the highest revision, the schema
refuses a second current answer or a revision number twice, and migration 0008 puts right
the histories an older database already holds (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from db.engine import transaction
from db.migrate import alembic_config, upgrade
from db.models import Message, Response, ResponseChannel, TouchpointKind
from db.types import UTCDateTime
from tasks.responses.answers import Answering, record_answer
from tasks.responses.inbound import record_reply
from tasks.touchpoints.sustainability_checkin import CheckinAnswers
from tests.pipeline import plan

CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
AT = datetime(2026, 12, 1, 12, tzinfo=UTC)
ANSWERS = CheckinAnswers(sustained="yes", capacity=4)
# PostgreSQL names the index; SQLite names its columns.
CURRENT_REFUSED = r"uq_responses_current_answer|responses\.contact_id\n"
REVISION_REFUSED = r"uq_responses_revision|responses\.revision\n"
# The responses table as migration 0007 left it (the test writes below the models).
responses_0007 = sa.table(
    "responses",
    *(sa.column(name) for name in ("id", "message_id", "contact_id", "channel", "kind")),
    *(sa.column(name) for name in ("text", "revision", "recorded_by")),
    sa.column("answers", sa.JSON()),
    *(sa.column(name, UTCDateTime()) for name in ("received_at", "superseded_at")),
    *(sa.column(name, UTCDateTime()) for name in ("created_at", "updated_at")),
)


@pytest.fixture
def message_id(imported: Engine) -> int:
    plan(imported, CHECKIN, AT)
    with transaction(imported) as session:
        return session.scalars(select(Message.id).order_by(Message.id)).first()


def answer(engine: Engine, message_id: int, at: datetime) -> None:
    with transaction(engine) as session:
        message = session.get_one(Message, message_id)
        who = Answering(message.contact, message.partnership, CHECKIN, message)
        record_answer(session, who, ANSWERS, ResponseChannel.PORTAL, at)


def reply(engine: Engine, message_id: int, at: datetime) -> None:
    with transaction(engine) as session:
        record_reply(session, session.get_one(Message, message_id), "Oui, merci", "Re:", at)


def history(engine: Engine) -> list[tuple[str, int, bool]]:
    """Return (channel, revision, current) of every response, in the order recorded."""
    with transaction(engine) as session:
        rows = session.scalars(select(Response).order_by(Response.id))
        return [(str(r.channel), r.revision, r.superseded_at is None) for r in rows]


def test_a_new_answer_supersedes_every_current_one(imported: Engine, message_id: int) -> None:
    answer(imported, message_id, AT)
    reply(imported, message_id, AT + timedelta(hours=1))
    reply(imported, message_id, AT + timedelta(hours=2))
    answer(imported, message_id, AT + timedelta(hours=3))
    assert history(imported) == [
        ("portal", 1, False),
        ("email", 1, False),
        ("email", 1, False),
        ("portal", 2, True),
    ]


def test_the_database_refuses_a_second_current_answer(imported: Engine, message_id) -> None:
    answer(imported, message_id, AT)
    with pytest.raises(IntegrityError, match=CURRENT_REFUSED), transaction(imported) as session:
        first = session.scalars(select(Response)).one()
        session.add(copy_of(first, revision=2))
    with pytest.raises(IntegrityError, match=REVISION_REFUSED), transaction(imported) as session:
        first = session.scalars(select(Response)).one()
        session.add(copy_of(first, superseded_at=AT))
    reply(imported, message_id, AT + timedelta(hours=1))
    reply(imported, message_id, AT + timedelta(hours=2))
    assert [current for _, _, current in history(imported)] == [True, True, True]


def copy_of(response: Response, **changes) -> Response:
    columns = ("message_id", "contact_id", "channel", "kind", "received_at", "revision")
    return Response(**{name: getattr(response, name) for name in columns} | changes)


def test_upgrading_to_0008_leaves_one_current_answer_and_each_revision_once(
    imported: Engine, database_url: str, message_id: int
) -> None:
    with transaction(imported) as session:
        contact_id = session.get_one(Message, message_id).contact_id
    command.downgrade(alembic_config(database_url), "0007")
    rows = [  # (channel, kind, revision, hours after AT, superseded)
        ("portal", "sustainability_checkin", 1, 0, True),
        ("portal", "sustainability_checkin", 2, 1, False),
        ("portal", "sustainability_checkin", 2, 2, False),
        ("portal", "sustainability_checkin", 3, 3, False),
        ("email", "sustainability_checkin", 1, 4, False),
        ("portal", "opt_out", 1, 5, False),
    ]
    with imported.begin() as connection:
        for channel, kind, revision, hours, superseded in rows:
            moment = AT + timedelta(hours=hours)
            connection.execute(
                responses_0007.insert().values(
                    message_id=message_id, contact_id=contact_id, channel=channel, kind=kind,
                    text="", revision=revision, recorded_by="", answers={"n": hours},
                    received_at=moment, superseded_at=moment if superseded else None,
                    created_at=moment, updated_at=moment,
                )
            )  # fmt: skip
    upgrade(database_url)
    three = AT + timedelta(hours=3)
    with transaction(imported) as session:
        after = [
            (r.channel, r.revision, r.superseded_at, r.answers["n"])
            for r in session.scalars(select(Response).order_by(Response.id))
        ]
    assert after == [
        ("portal", 1, AT, 0),
        ("portal", 2, three, 1),
        ("portal", 3, three, 2),
        ("portal", 4, None, 3),
        ("email", 1, None, 4),
        ("portal", 1, None, 5),
    ]
