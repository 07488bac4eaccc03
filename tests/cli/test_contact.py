"""`continuity contact` (show, suppress, reinstate, set, export, erase), as staff run it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

import continuity.cli.contact as contact_cli
from continuity.cli.main import app
from db.engine import transaction
from db.models import Contact, Message, MessageStatus, TouchpointKind
from tasks.settings import get_settings
from tests.conftest import SAMPLES
from tests.people.world import (
    AWA,
    AWA_NAME,
    PHONE_WORDS,
    database_bytes,
    figures,
    reply_by_mail,
    response_count,
)
from tests.pipeline import SENT, deliver_all, plan
from tests.readers import no_wait_for_readers, reading

runner = CliRunner()
WIDE = {"COLUMNS": "250"}


def cli(*args: str, **options):
    return runner.invoke(app, list(args), env=WIDE, **options)


def shown(ident: str) -> list[dict]:
    result = cli("contact", "show", ident, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["contacts"]


@pytest.fixture
def awa(checkins: Engine, app_env, tmp_path: Path) -> Engine:
    """Her check-in sent, her reply collected, and a phone answer recorded by staff."""
    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    reply_by_mail(checkins, tmp_path / "inbox")
    number = str(shown(AWA)[0]["number"])
    added = cli(
        "response", "add", "--partnership", "SEN/PCA2021001/PD2021004",
        "--kind", "sustainability_checkin", "--contact", number, "--sustained", "partly",
        "--capacity", "3", "--comment", PHONE_WORDS, "--recorded-by", "Aïda Faye",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    return checkins


def test_show_gives_the_person_their_partner_status_and_counts(awa: Engine) -> None:
    (contact,) = shown(AWA.upper())
    assert (contact["name"], contact["partner"], contact["status"]) == (
        AWA_NAME,
        "Association Sénégalaise pour l'Éducation des Filles",
        "reachable",
    )
    assert (contact["language"], contact["time_zone"]) == ("fr", "Africa/Dakar")
    assert (contact["messages"], contact["answers"]) == (1, 2)
    assert shown(str(contact["number"])) == [contact]
    text = cli("contact", "show", AWA)
    assert text.exit_code == 0 and AWA_NAME in text.stdout and "status: reachable" in text.stdout


def test_an_unknown_address_or_number_exits_non_zero(awa: Engine) -> None:
    for ident in ("nobody@example.org", "99999", "not an address", "1" * 40, "a\x00@b.org"):
        result = cli("contact", "show", ident)
        assert result.exit_code == 1, ident
        assert "error:" in result.stderr and "Traceback" not in result.output


def test_suppress_and_reinstate_say_why_in_the_history(awa: Engine) -> None:
    refused = cli("contact", "suppress", AWA, "--by", "Aïda")
    assert refused.exit_code == 1 and "--reason" in refused.stderr
    done = cli("contact", "suppress", AWA, "--reason", "asked by phone to pause", "--by", "Aïda")
    assert done.exit_code == 0, done.output
    (contact,) = shown(AWA)
    assert contact["status"] == "suppressed" and "asked by phone" in contact["why"]
    lifted = cli("contact", "reinstate", AWA, "--reason", "she called back", "--by", "Aïda")
    assert lifted.exit_code == 0, lifted.output
    (contact,) = shown(AWA)
    assert contact["status"] == "reachable"
    assert [(e["what"], e["by"], e["details"]["reason"]) for e in contact["history"]] == [
        ("suppressed", "Aïda", "asked by phone to pause"),
        ("reinstated", "Aïda", "she called back"),
    ]


def test_set_changes_language_and_time_zone_and_refuses_nonsense(awa: Engine) -> None:
    for bad in (["--language", "de"], ["--time-zone", "Mars/Olympus"], ["--time-zone", "../etc"]):
        result = cli("contact", "set", AWA, *bad, "--reason", "asked")
        assert result.exit_code == 1, bad
    done = cli(
        "contact", "set", AWA, "--language", "en", "--time-zone", "Europe/Paris",
        "--reason", "works from Paris now", "--by", "Aïda",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    (contact,) = shown(AWA)
    assert (contact["language"], contact["time_zone"], contact["time_zone_set_for_them"]) == (
        "en",
        "Europe/Paris",
        True,
    )
    (event,) = contact["history"]
    assert event["details"]["language"] == ["fr", "en"]
    assert event["details"]["time_zone"] == [None, "Europe/Paris"]


def test_export_holds_the_phone_answer_the_reply_and_the_mail(awa: Engine) -> None:
    result = cli("contact", "export", AWA)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [c["name"] for c in document["contacts"]] == [AWA_NAME]
    texts = [answer["text"] for answer in document["answers"]]
    assert PHONE_WORDS in texts and any("enseignantes" in text for text in texts)
    assert [m["kind"] for m in document["messages"]] == ["sustainability_checkin"]
    assert document["messages"][0]["subject"].startswith("Que sont devenus")
    (mail,) = document["inbound_mail"]
    assert mail["classification"] == "reply" and AWA in mail["from"]


def test_erase_refuses_without_a_terminal_or_yes(awa: Engine) -> None:
    result = cli("contact", "erase", AWA, "--reason", "asked by phone")
    assert result.exit_code == 1 and "--yes" in result.stderr
    assert shown(AWA)[0]["status"] == "reachable"


def test_erase_asks_on_a_terminal(awa: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contact_cli, "on_a_terminal", lambda: True)
    kept = cli("contact", "erase", AWA, "--reason", "asked by phone", input="n\n")
    assert kept.exit_code == 1 and shown(AWA)[0]["status"] == "reachable"
    erased = cli("contact", "erase", AWA, "--reason", "asked by phone", input="y\n")
    assert erased.exit_code == 0, erased.output
    assert shown(AWA)[0]["status"] == "erased"


def test_after_erasure_nothing_of_them_is_left_and_nothing_moves(awa: Engine, outbox) -> None:
    later = SENT + timedelta(days=10)
    counted, before = response_count(awa), figures(awa, later)
    number = shown(AWA)[0]["number"]
    theirs = [text.encode() for text in (AWA, AWA_NAME, PHONE_WORDS, "enseignantes formées")]
    on_sqlite = awa.dialect.name == "sqlite"
    assert not on_sqlite or all(text in database_bytes(awa) for text in theirs)
    result = cli("contact", "erase", AWA, "--reason", "asked by phone", "--by", "Aïda", "--yes")
    assert result.exit_code == 0, result.output
    assert not on_sqlite or not any(text in database_bytes(awa) for text in theirs)
    assert (response_count(awa), figures(awa, later)) == (counted, before)
    assert shown(AWA) == [{"status": "erased", "erased_at": shown(str(number))[0]["erased_at"]}]
    assert set(shown(str(number))[0]) == {"number", "status", "erased_at"}
    again = cli("contact", "erase", str(number), "--reason", "twice", "--yes")
    assert again.exit_code == 1 and "already erased" in again.stderr


def test_erase_says_when_a_reader_keeps_old_pages_and_db_purge_finishes(
    awa: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if awa.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps old row versions until VACUUM (see the README)")
    no_wait_for_readers(monkeypatch)
    with reading(awa):
        result = cli("contact", "erase", AWA, "--reason", "asked by phone", "--yes")
        assert result.exit_code == 1
        assert "erased in the database, but SQLite's write-ahead log" in result.stderr
        assert "continuity db purge" in result.stderr
        assert shown(AWA)[0]["status"] == "erased"
        assert AWA_NAME.encode() in database_bytes(awa)
        held = cli("db", "purge")
        assert held.exit_code == 1 and "stop the portal and workers" in held.stderr
    purged = cli("db", "purge")
    assert purged.exit_code == 0, purged.output
    assert AWA_NAME.encode() not in database_bytes(awa)


def test_a_reimport_brings_no_one_back_and_mails_them_nothing(awa: Engine, outbox) -> None:
    cli("contact", "erase", AWA, "--reason", "asked by phone", "--yes")
    imported = cli(
        "import", "etools", "--partners", str(SAMPLES / "partners.csv"),
        "--interventions", str(SAMPLES / "interventions.csv"),
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    (contacts,) = [line for line in imported.stdout.splitlines() if "contacts" in line]
    assert contacts.replace("│", " ").split() == ["contacts", "0", "0", "26", "0", "1"]
    with transaction(awa) as session:
        assert session.scalars(select(Contact).where(Contact.email_key == AWA)).all() == []
    sent_before = len(outbox())
    next_checkin = SENT + timedelta(days=200)
    plan(awa, "sustainability_checkin", next_checkin)
    deliver_all(awa, ["sustainability_checkin"], next_checkin)
    recipients = [mail["To"] for mail in outbox()[sent_before:]]
    assert recipients and not any(AWA in recipient for recipient in recipients)


def test_show_gives_the_role_apart_and_set_makes_it_staffs(imported: Engine, app_env) -> None:
    fatou = "fb.sarr@asef-senegal.example.org"
    (contact,) = shown(fatou)
    assert (contact["name"], contact["role"], contact["role_set_by_staff"]) == (
        "Fatou Bintou Sarr",
        "Coordinatrice, Thiès",
        False,
    )
    done = cli("contact", "set", fatou, "--role", "Directrice, Thiès", "--reason", "promoted")
    assert done.exit_code == 0, done.output
    text = cli("contact", "show", fatou).stdout
    assert "Fatou Bintou Sarr <" in text and "role: Directrice, Thiès (set by staff)" in text
    refused = cli("contact", "set", fatou, "--role", "x" * 200, "--reason", "long")
    assert refused.exit_code == 1 and "--role" in refused.stderr


def test_set_language_reaches_the_mail_already_planned_for_them(checkins: Engine) -> None:
    """Staff set the language a person reads, as the portal's choice does: a message planned
    for them and not sent yet (a reminder waiting for its window) goes out in it too."""
    plan(checkins, TouchpointKind.REMINDER, SENT + timedelta(days=7))
    done = cli("contact", "set", AWA, "--language", "es", "--reason", "she asked")
    assert done.exit_code == 0, done.output
    with transaction(checkins) as session:
        ident = session.scalars(select(Contact.id).where(Contact.email == AWA)).one()
        query = select(Message.status, Message.language).where(
            Message.contact_id == ident, Message.kind == TouchpointKind.REMINDER
        )
        assert session.execute(query).one() == (MessageStatus.PLANNED, "es")
