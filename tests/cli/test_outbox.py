from __future__ import annotations

import json
import sqlite3
from contextlib import closing, suppress
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, update
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from db.models import Message, MessageStatus, TouchpointKind
from tasks.outbox import deferrals
from tasks.settings import get_settings
from tests.pipeline import messages, plan

runner = CliRunner()
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def test_unconfirmed_messages_are_requeued_on_request(imported: Engine, app_env) -> None:
    plan(imported, TouchpointKind.SUSTAINABILITY_CHECKIN, NOW)
    first, second, *_ = [m.id for m in messages(imported, status=MessageStatus.PLANNED)]
    with transaction(imported) as session:
        session.execute(
            update(Message)
            .where(Message.id.in_([first, second]))
            .values(status=MessageStatus.UNCONFIRMED, attempts=1)
        )
    result = runner.invoke(app, ["outbox", "requeue", "--id", str(first)])
    assert result.exit_code == 0, result.output
    assert "requeued 1 unconfirmed message(s)" in result.stdout
    states = {m.id: m for m in messages(imported)}
    assert (states[first].status, states[first].attempts) == (MessageStatus.PLANNED, 0)
    assert states[first].status_reason == "requeued by staff (was unconfirmed)"
    assert states[second].status == MessageStatus.UNCONFIRMED


def test_sent_messages_cannot_be_requeued(imported: Engine, app_env) -> None:
    result = runner.invoke(app, ["outbox", "requeue", "--status", "sent"])
    assert result.exit_code == 2
    assert "can be requeued" in result.stderr


def test_deliver_sends_every_due_message_and_prints_the_counts(
    imported: Engine, app_env, outbox
) -> None:
    plan(imported, TouchpointKind.SUSTAINABILITY_CHECKIN, NOW)
    planned = len(messages(imported, status=MessageStatus.PLANNED))
    result = runner.invoke(app, ["outbox", "deliver", "--json", "--as-of", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"sent": planned}
    assert len(outbox()) == planned
    again = runner.invoke(app, ["outbox", "deliver", "--as-of", NOW.isoformat()])
    assert again.exit_code == 0 and "nothing due" in again.stdout


def test_deliver_takes_only_the_kinds_asked_for(imported: Engine, app_env, outbox) -> None:
    plan(imported, TouchpointKind.SUSTAINABILITY_CHECKIN, NOW)
    result = runner.invoke(
        app, ["outbox", "deliver", "--kind", "policy_digest", "--as-of", NOW.isoformat()]
    )
    assert result.exit_code == 0 and "nothing due" in result.stdout
    assert outbox() == []


def test_deliver_without_a_secret_key_is_refused(imported: Engine, app_env) -> None:
    app_env.delenv("CONTINUITY_SECRET_KEY")
    get_settings.cache_clear()
    result = runner.invoke(app, ["outbox", "deliver", "--as-of", NOW.isoformat()])
    assert result.exit_code == 2 and "SECRET_KEY" in result.stderr


def test_deliver_makes_the_status_of_the_campaigns_it_sent_for_follow(
    imported: Engine, app_env, outbox
) -> None:
    from db.campaigns import campaign_for, settle
    from db.models import Campaign
    from tasks.outbox.planning import plan_messages
    from tasks.touchpoints.registry import due_messages
    from tests.pipeline import ALWAYS_OPEN

    kind = TouchpointKind.SUSTAINABILITY_CHECKIN
    with transaction(imported) as session:
        campaign = campaign_for(session, kind, "check-ins", "check-ins")
        plan_messages(
            session, due_messages(session, kind, NOW, (7,)), campaign.id, NOW, ALWAYS_OPEN
        )
        campaign_id = campaign.id

    def status() -> str:
        with transaction(imported) as session:
            return session.get_one(Campaign, campaign_id).status

    deliver = ["outbox", "deliver", "--as-of", NOW.isoformat()]
    assert runner.invoke(app, deliver).exit_code == 0 and status() == "sent"
    first = messages(imported, status=MessageStatus.SENT)[0].id
    with transaction(imported) as session:
        failed = update(Message).where(Message.id == first).values(status=MessageStatus.FAILED)
        session.execute(failed)
        settle(session, [campaign_id])
    assert status() == "partly failed"
    assert runner.invoke(app, ["outbox", "requeue", "--status", "failed"]).exit_code == 0
    # The requeued message (due now) goes out within one drain: the campaign, final before
    # it, follows all the same.
    assert runner.invoke(app, ["outbox", "deliver"]).exit_code == 0 and status() == "sent"


def waiting_for_the_window(engine: Engine, app_env) -> list[int]:
    """Plan the sample check-ins and make them wait three days for the window, the
    window closed all week but Sunday; return their ids."""
    plan(engine, TouchpointKind.SUSTAINABILITY_CHECKIN, NOW)
    later = datetime.now(UTC) + timedelta(days=3)
    with transaction(engine) as session:
        session.execute(
            update(Message).values(due_at=later, status_reason="closed; deferred to then")
        )
    app_env.setenv("CONTINUITY_SENDING_WINDOW", "sun 00:00-00:01")
    get_settings.cache_clear()
    return [m.id for m in messages(engine, status=MessageStatus.PLANNED)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_deliver_moves_deferred_messages_while_another_process_writes(
    imported: Engine, app_env, monkeypatch
) -> None:
    waiting = waiting_for_the_window(imported, app_env)
    app_env.setenv("CONTINUITY_SENDING_WINDOW", "mon-sun 00:00-23:59")
    get_settings.cache_clear()
    read = deferrals.deferral_places

    def read_then_another_writes(session, now):
        places = read(session, now)
        # Another process (a delivery, the portal) writes between the read and the move:
        # it waits for the command's write lock, here briefly, then gives up.
        other = sqlite3.connect(str(imported.url.database), timeout=0.2)
        with closing(other), suppress(sqlite3.OperationalError):
            other.execute("UPDATE messages SET server_reply = 'x' WHERE id = ?", waiting[:1])
            other.commit()
        return places

    monkeypatch.setattr(deferrals, "deferral_places", read_then_another_writes)
    result = runner.invoke(app, ["outbox", "deliver", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"sent": len(waiting), "deferral_moved": len(waiting)}


def test_release_now_sends_deferred_messages_at_the_next_delivery(
    imported: Engine, app_env, outbox
) -> None:
    waiting = waiting_for_the_window(imported, app_env)
    staff = ["--by", "Amina Saleh", "--reason", "the office asked"]
    result = runner.invoke(
        app, ["outbox", "release", "--now", "--kind", "sustainability_checkin", *staff]
    )
    assert result.exit_code == 0, result.output
    assert f"released {len(waiting)} message(s) (0 of them held)" in result.stdout
    delivered = runner.invoke(app, ["outbox", "deliver", "--json"])
    assert json.loads(delivered.stdout) == {"sent": len(waiting)}
    assert len(outbox()) == len(waiting)


def test_release_at_sets_the_due_time(imported: Engine, app_env) -> None:
    waiting = waiting_for_the_window(imported, app_env)
    at = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    staff = ["--by", "Amina Saleh", "--reason", "after the board meets"]
    result = runner.invoke(
        app, ["outbox", "release", "--at", at.isoformat(), "--country", "KEN", *staff]
    )
    assert result.exit_code == 0, result.output
    kenyan = [m for m in messages(imported, status=MessageStatus.PLANNED) if m.due_at == at]
    assert 0 < len(kenyan) < len(waiting)
    assert all(m.contact.partner.country == "KEN" for m in kenyan)


@pytest.mark.parametrize(
    ("args", "refusal"),
    [
        (["--now", "--campaign", "999"], "no campaign 999"),
        (["--now", "--at", "2030-01-01T00:00Z", "--kind", "adhoc"], "not both"),
        (["--at", "2020-01-01T00:00Z", "--kind", "adhoc"], "after now"),
        (["--at", "next tuesday", "--kind", "adhoc"], "at: Input should be a valid datetime"),
        (["--at", "2999-01-01T00:00Z", "--kind", "adhoc"], "within a year"),
        (["--now"], "choose the messages"),
        (["--now", "--id", "1"], "--id goes without"),
        (["--now", "--country", "Narnia"], "not an ISO 3166 country code"),
    ],
)
def test_release_refuses_broken_input_in_one_line(
    imported: Engine, app_env, args: list[str], refusal: str
) -> None:
    waiting_for_the_window(imported, app_env)
    before = [(m.id, m.due_at) for m in messages(imported)]
    result = runner.invoke(app, ["outbox", "release", *args, "--by", "A", "--reason", "r"])
    assert result.exit_code in (1, 2) and refusal in result.stderr, result.output
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.output
    assert [(m.id, m.due_at) for m in messages(imported)] == before


@pytest.mark.parametrize(
    "staff",
    [
        ["--reason", "r"],
        ["--by", "A", "--reason", "two\nlines"],
        ["--by", "A", "--reason", "bell\x07"],
        ["--by", "A", "--reason", "r" * 10_000],
    ],
)
def test_release_requires_who_and_one_line_why(imported: Engine, app_env, staff) -> None:
    waiting_for_the_window(imported, app_env)
    result = runner.invoke(app, ["outbox", "release", "--now", "--kind", "adhoc", *staff])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.output


def test_delivering_as_of_a_moment_to_come_is_refused(imported: Engine, app_env, outbox) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    refused = runner.invoke(app, ["outbox", "deliver", "--as-of", tomorrow])
    assert refused.exit_code == 1 and "is in the future" in refused.stderr
    assert outbox() == []
