"""Bounces, complaints and replies about mail to internationalised addresses find the
contact whichever form of the address they name (RFC 6531-6533)."""

from __future__ import annotations

import json
import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db.contacts import contacts_with_address
from db.engine import transaction
from db.models import Message, MessageStatus, Response, TouchpointKind
from tasks.etools.importer import import_etools
from tasks.follow_up_policy import load_policy
from tasks.responses.collect import collect_mail
from tasks.settings import get_settings
from tests.exports import IDN, IDN_ASCII, SAMPLES, UTF8_LOCAL, international_partners
from tests.pipeline import deliver_all, messages, plan, sample_mail

SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)
LATER = SENT + timedelta(days=1)
CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN


@pytest.fixture
def sent(engine: Engine, app_env, tmp_path: Path) -> dict[str, Message]:
    """The check-ins sent (to a Maildir) with ASEF's two international addresses, by
    address; the inbox a Maildir of its own."""
    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    with transaction(engine) as session:
        partners = international_partners(tmp_path / "partners.csv")
        import_etools(session, partners, SAMPLES / "interventions.csv", load_policy())
    plan(engine, CHECKIN, SENT)
    deliver_all(engine, [CHECKIN], SENT)
    return {m.contact.email or "": m for m in messages(engine, status=MessageStatus.SENT)}


def collect(engine: Engine, tmp_path: Path, *mails: bytes) -> dict[str, int]:
    box = mailbox.Maildir(tmp_path / "inbox", create=True)
    for raw in mails:
        box.add(raw)
    return collect_mail(engine, get_settings(), LATER).counts


def status(engine: Engine, address: str) -> str:
    with transaction(engine) as session:
        (contact,) = contacts_with_address(session, address)
        return contact.status


def test_a_postfix_5_1_1_naming_the_punycode_form_suppresses_the_unicode_contact(
    sent, engine: Engine, tmp_path: Path
) -> None:
    bounce = sample_mail("postfix-dsn-hard.eml", sent[IDN])
    # The relay was given the ASCII form, so that is what its bounce names.
    bounce = bounce.replace(IDN.encode(), IDN_ASCII.encode())
    assert IDN_ASCII.encode() in bounce and IDN.encode() not in bounce
    assert collect(engine, tmp_path, bounce) == {"bounce": 1}
    assert status(engine, IDN) == status(engine, IDN_ASCII) == "suppressed"
    (row,) = messages(engine, id=sent[IDN].id)
    assert row.status == MessageStatus.BOUNCED


def test_a_postfix_smtputf8_bounce_with_a_global_delivery_status_suppresses_the_contact(
    sent, engine: Engine, tmp_path: Path
) -> None:
    """Postfix's bounce of an SMTPUTF8 message: message/global-delivery-status, address
    type utf-8 in raw UTF-8 (RFC 6533 3)."""
    bounce = sample_mail("postfix-dsn-smtputf8.eml", sent[UTF8_LOCAL])
    assert collect(engine, tmp_path, bounce) == {"bounce": 1}
    assert status(engine, UTF8_LOCAL) == "suppressed"


def test_a_seven_bit_delivery_status_with_escaped_characters_suppresses_the_contact(
    sent, engine: Engine, tmp_path: Path
) -> None:
    """RFC 6533 3: in a message/delivery-status, a utf-8 address writes what is not
    ASCII as \\x{HEX} (utf-8-addr-xtext)."""
    escaped = UTF8_LOCAL.replace("é", "\\x{E9}").encode()
    bounce = (
        sample_mail("postfix-dsn-smtputf8.eml", sent[UTF8_LOCAL])
        .replace(b"message/global-delivery-status", b"message/delivery-status")
        .replace(b"message/global-headers", b"text/rfc822-headers")
        .replace(UTF8_LOCAL.encode(), escaped)
    )
    assert bounce.isascii()
    assert collect(engine, tmp_path, bounce) == {"bounce": 1}
    assert status(engine, UTF8_LOCAL) == "suppressed"


@pytest.mark.faults
@pytest.mark.parametrize(
    "named",
    [
        "a.diallo@ecole-kolda.sn",  # no accent: another domain
        "a.diallo@xn--cole-kolda-96a.sn.example",
        "a.diallo@\\x{D800}cole-kolda.sn",  # an escaped surrogate is no character
    ],
)
def test_a_bounce_naming_a_lookalike_of_the_address_changes_no_one(
    sent, engine: Engine, tmp_path: Path, named: str
) -> None:
    bounce = sample_mail("postfix-dsn-smtputf8.eml", sent[IDN]).replace(
        IDN.encode(), named.encode()
    )
    assert sum(collect(engine, tmp_path, bounce).values()) == 1
    assert status(engine, IDN) == "reachable"
    (row,) = messages(engine, id=sent[IDN].id)
    assert row.status == MessageStatus.SENT


def test_a_complaint_naming_the_utf8_address_opts_the_contact_out(
    sent, engine: Engine, tmp_path: Path
) -> None:
    assert collect(engine, tmp_path, sample_mail("arf-complaint.eml", sent[UTF8_LOCAL])) == {
        "complaint": 1
    }
    assert status(engine, UTF8_LOCAL) == "opted_out"


def test_a_reply_from_a_utf8_address_is_recorded_as_its_answer(
    sent, engine: Engine, tmp_path: Path
) -> None:
    assert collect(engine, tmp_path, sample_mail("reply-fr.eml", sent[UTF8_LOCAL])) == {"reply": 1}
    with transaction(engine) as session:
        (response,) = session.scalars(select(Response)).all()
        assert response.contact_id == sent[UTF8_LOCAL].contact_id
        assert "Bonjour" in (response.text or "")


def test_staff_see_the_suppression_by_either_form_and_a_reinstated_contact_is_reached_again(
    sent, engine: Engine, tmp_path: Path
) -> None:
    """The whole story as staff live it: a Postfix 5.1.1 naming the punycode form, the
    contact desk by either form, a reinstatement with its reason, the next check-in sent."""
    from typer.testing import CliRunner

    from continuity.cli.main import app

    bounce = sample_mail("postfix-dsn-hard.eml", sent[IDN])
    collect(engine, tmp_path, bounce.replace(IDN.encode(), IDN_ASCII.encode()))
    runner = CliRunner()
    for form in (IDN, IDN_ASCII, IDN_ASCII.upper()):
        shown = runner.invoke(app, ["contact", "show", form, "--json"])
        assert shown.exit_code == 0, shown.output
        assert [c["status"] for c in json.loads(shown.stdout)["contacts"]] == ["suppressed"]
    lifted = runner.invoke(
        app, ["contact", "reinstate", IDN_ASCII, "--reason", "mailbox fixed", "--by", "Aïda"]
    )
    assert lifted.exit_code == 0, lifted.output
    assert status(engine, IDN) == "reachable"
    next_cycle = SENT + timedelta(days=189)  # a Tuesday, the next six-monthly check-in
    plan(engine, CHECKIN, next_cycle)
    deliver_all(engine, [CHECKIN], next_cycle)
    again = [m for m in messages(engine, kind=CHECKIN) if m.contact.email == IDN]
    assert [m.status for m in again] == [MessageStatus.BOUNCED, MessageStatus.SENT]
