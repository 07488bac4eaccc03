from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, update
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from db.models import Message, MessageStatus, TouchpointKind
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


def test_delivering_as_of_a_moment_to_come_is_refused(imported: Engine, app_env, outbox) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    refused = runner.invoke(app, ["outbox", "deliver", "--as-of", tomorrow])
    assert refused.exit_code == 1 and "is in the future" in refused.stderr
    assert outbox() == []
