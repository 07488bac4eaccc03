"""`continuity inbox` (classify, unmatched, raw) and `continuity contact` (reinstate,
history), as staff run them."""

from __future__ import annotations

import json
import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from db.models import Contact, MessageStatus, TouchpointKind
from tasks.responses.collect import collect_mail
from tasks.responses.links import rfc_message_id
from tasks.settings import get_settings
from tests.pipeline import deliver_all, messages, plan, sample_mail
from tests.responses.test_collect import nested

runner = CliRunner()
SECRET = "s" * 48
SENDER = "UNICEF Partnerships <partnerships@example.org>"
SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)


def ours(number: int, email: str) -> SimpleNamespace:
    """An outbox row as `sample_mail` needs it, without a database."""
    return SimpleNamespace(
        id=number,
        contact=SimpleNamespace(email=email),
        message_id=rfc_message_id(SECRET, number, SENDER),
    )


def classified(settings_env, *paths: Path) -> list[dict]:
    settings_env.setenv("CONTINUITY_SECRET_KEY", SECRET)
    settings_env.setenv("CONTINUITY_DATABASE_URL", "sqlite:///never-created.db")
    result = runner.invoke(app, ["inbox", "classify", "--json", *map(str, paths)])
    assert result.exit_code == 0, result.output
    assert not Path("never-created.db").exists()
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_classify_explains_each_mail_without_a_database(settings_env, tmp_path: Path) -> None:
    samples = {
        "hard.eml": sample_mail("postfix-dsn-hard.eml", ours(7, "jp.mbarga@example.cm")),
        "full.eml": sample_mail("exim-failure.eml", ours(8, "c.ngo@example.cm")),
        "reply.eml": sample_mail("reply-fr.eml", ours(9, "a.ndiaye@example.org")),
        "complaint.eml": sample_mail("arf-complaint.eml", ours(10, "p.kamau@example.ke")),
        "delivered.eml": sample_mail("delivered-dsn.eml", ours(11, "o.ba@example.org")),
        "forged.eml": sample_mail("forged-dsn.eml", ours(12, "jp.mbarga@example.cm")),
        "bomb.eml": nested(600),
    }
    for name, raw in samples.items():
        (tmp_path / name).write_bytes(raw)
    found = {
        Path(row["file"]).name: row
        for row in classified(settings_env, *(tmp_path / name for name in samples))
    }
    assert {name: row["kind"] for name, row in found.items()} == {
        "hard.eml": "bounce",
        "full.eml": "bounce",
        "reply.eml": "reply",
        "complaint.eml": "complaint",
        "delivered.eml": "delivery_report",
        "forged.eml": "bounce",
        "bomb.eml": "quarantined",
    }
    hard, full = found["hard.eml"], found["full.eml"]
    assert (hard["recipients"], hard["hard"], hard["reason"], hard["message"]) == (
        ["jp.mbarga@example.cm"],
        True,
        "userunknown",
        7,
    )
    assert (full["hard"], full["reason"]) == (False, "mailboxfull")
    assert found["forged.eml"]["message"] is None
    assert found["reply.eml"]["text"].startswith("Bonjour,\n\nLes cantines scolaires")
    assert "a écrit" not in found["reply.eml"]["text"]
    assert found["bomb.eml"]["error"] == "601 multiparts: nested too deep"


def test_classify_reads_a_maildir_and_names_a_file_it_cannot_read(
    settings_env, tmp_path: Path
) -> None:
    box = mailbox.Maildir(tmp_path / "box", create=True)
    box.add(sample_mail("autoreply-en.eml", ours(3, "g.otieno@example.ke")))
    rows = classified(settings_env, tmp_path / "box", tmp_path / "missing.eml")
    assert [row["kind"] for row in rows] == ["auto_reply", "quarantined"]
    assert rows[1]["error"].startswith("cannot read")


@pytest.fixture
def collected(imported: Engine, app_env, tmp_path: Path):
    """The sample partnerships' check-ins sent, then a hard bounce, a forged bounce and a
    recursion bomb collected."""
    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    plan(imported, TouchpointKind.SUSTAINABILITY_CHECKIN, SENT)
    deliver_all(imported, [TouchpointKind.SUSTAINABILITY_CHECKIN], SENT)
    sent = {m.contact.email: m for m in messages(imported, status=MessageStatus.SENT)}
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    box.add(sample_mail("postfix-dsn-hard.eml", sent["jp.mbarga@enfance-avenir.example.cm"]))
    box.add(sample_mail("forged-dsn.eml", sent["a.ndiaye@asef-senegal.example.org"]))
    box.add(b"Message-ID: <bomb@x>\r\n" + nested(300))
    collect_mail(imported, get_settings(), SENT + timedelta(days=1))
    return imported


def test_unmatched_lists_quarantined_mail_and_unproven_bounces_with_why(collected) -> None:
    result = runner.invoke(app, ["inbox", "unmatched"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "301 multiparts: nested too deep" in result.stdout
    assert "not tied to a message of ours" in result.stdout
    assert "(2)" in result.stdout  # the applied hard bounce is not waiting for anyone


def test_raw_gives_back_a_quarantined_mail_byte_for_byte(collected, tmp_path: Path) -> None:
    listed = runner.invoke(app, ["inbox", "unmatched", "--limit", "1"], env={"COLUMNS": "250"})
    identifier = next(
        line.split("│")[1].strip() for line in listed.stdout.splitlines() if "nested" in line
    )
    target = tmp_path / "bomb.eml"
    result = runner.invoke(app, ["inbox", "raw", identifier, "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == b"Message-ID: <bomb@x>\r\n" + nested(300)


def test_staff_lift_a_suppression_with_a_reason_kept_in_the_history(collected) -> None:
    address = "jp.mbarga@enfance-avenir.example.cm"
    refused = runner.invoke(app, ["contact", "reinstate", address])
    assert refused.exit_code == 1 and "say why" in refused.stderr
    lifted = runner.invoke(
        app,
        ["contact", "reinstate", address.upper(), "--reason", "new mailbox", "--by", "Aïda"],
    )
    assert lifted.exit_code == 0, lifted.output
    with transaction(collected) as session:
        contact = session.scalars(select(Contact).where(Contact.email == address)).one()
    assert (contact.suppressed_at, contact.hard_bounces, contact.unreachable_reason()) == (
        None,
        0,
        None,
    )
    history = runner.invoke(app, ["contact", "history", address], env={"COLUMNS": "250"})
    assert history.exit_code == 0, history.output
    assert "reachable" in history.stdout
    assert "suppressed" in history.stdout and "hard bounce: userunknown 5.1.1" in history.stdout
    assert "reinstated" in history.stdout and "new mailbox" in history.stdout
    again = runner.invoke(app, ["contact", "reinstate", address, "--reason", "again"])
    assert again.exit_code == 1 and "no suppressed contact" in again.stderr
