"""Check-ins to internationalised addresses (RFC 6530-6533) through the real pass: plan,
render check, delivery to a Maildir or a real SMTP server, the run's report."""

from __future__ import annotations

import mailbox
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from db.contacts import contacts_with_address
from db.engine import transaction
from db.models import Message, MessageStatus, TouchpointKind
from flows.touchpoint import PLAIN, touchpoint_pass
from tasks.clock import Clock
from tasks.etools.importer import import_etools
from tasks.follow_up_policy import load_policy
from tasks.mail.addresses import NO_SMTPUTF8, NOT_IDNA
from tasks.settings import get_settings
from tests.exports import IDN, IDN_ASCII, SAMPLES, UTF8_LOCAL, international_partners
from tests.pipeline import messages

CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def international(engine: Engine, app_env, tmp_path: Path) -> Engine:
    """The sample exports imported with ASEF's two international addresses."""
    partners = international_partners(tmp_path / "partners.csv")
    with transaction(engine) as session:
        import_etools(session, partners, SAMPLES / "interventions.csv", load_policy())
    return engine


def send_checkins() -> dict[str, Any]:
    return touchpoint_pass(CHECKIN, Clock.at(SENT), PLAIN)


def by_address(engine: Engine) -> dict[str, Message]:
    return {m.contact.email or "": m for m in messages(engine, kind=CHECKIN)}


def head(data: bytes) -> bytes:
    return data.split(b"\r\n\r\n", 1)[0]


def to_line(data: bytes) -> str:
    (line,) = [x for x in head(data).split(b"\r\n") if x.startswith(b"To: ")]
    return line.decode()


def use_server(app_env, server) -> None:
    app_env.setenv("CONTINUITY_MAIL_URL", server.url)
    get_settings.cache_clear()


def others_reached(rows: dict[str, Message], *apart: str) -> list[Message]:
    """The check-ins to everyone else who is reachable: all of them must be sent."""
    others = [m for a, m in rows.items() if a not in (IDN, UTF8_LOCAL, *apart)]
    reachable = [m for m in others if m.status != MessageStatus.SKIPPED]
    assert reachable and all(m.status == MessageStatus.SENT for m in reachable)
    return reachable


def test_the_import_keeps_both_addresses_in_unicode_found_by_either_form(
    international: Engine,
) -> None:
    with transaction(international) as session:
        (idn,) = contacts_with_address(session, IDN_ASCII)  # eTools wrote it in punycode
        (utf8,) = contacts_with_address(session, UTF8_LOCAL.upper())
        assert (idn.email, idn.email_key, utf8.email) == (IDN, IDN_ASCII, UTF8_LOCAL)


def test_checkins_reach_both_through_maildir_with_utf8_headers(
    international: Engine, tmp_path: Path
) -> None:
    report = send_checkins()
    rows = by_address(international)
    assert rows[IDN].status == rows[UTF8_LOCAL].status == MessageStatus.SENT
    others_reached(rows)
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    lines = [to_line(box.get_bytes(key)) for key in box.iterkeys()]
    # RFC 6532: the addresses as written, in UTF-8; the name may stay an encoded word.
    assert f"To: Abdoulaye Diallo <{IDN}>" in lines
    assert f"To: =?utf-8?q?Jean-Baptiste_Ndiay=C3=A9?= <{UTF8_LOCAL}>" in lines
    assert not [r for r in report["reasons"] if r["status"] == "failed"]


def test_without_smtputf8_the_domain_goes_as_punycode_and_a_utf8_local_part_fails_alone(
    international: Engine, app_env, smtp_sink
) -> None:
    smtp_sink.handler.wire = bytearray()
    use_server(app_env, smtp_sink)
    report = send_checkins()
    rows = by_address(international)
    assert rows[IDN].status == MessageStatus.SENT
    (idn,) = [r for r in smtp_sink.accepted if r.recipients == [IDN_ASCII]]
    assert idn.data.isascii() and idn.mail_options == []
    assert to_line(idn.data) == f"To: Abdoulaye Diallo <{IDN_ASCII}>"
    failed = rows[UTF8_LOCAL]
    assert failed.status == MessageStatus.FAILED and failed.status_reason == NO_SMTPUTF8
    assert failed.handoff_at is None and failed.token_hash is None
    # RFC 6531 3.2: nothing non-ASCII was tried; the server saw no command for that person.
    wire = bytes(smtp_sink.handler.wire)
    assert wire.isascii() and b"jean-baptiste" not in wire.lower()
    others = others_reached(rows)
    assert len(smtp_sink.accepted) == len(others) + 1
    assert wire.lower().count(b"mail from:") == len(smtp_sink.accepted)
    assert {"status": "failed", "reason": NO_SMTPUTF8, "messages": 1} in report["reasons"]
    assert report["delivery"]["failed"] == 1


def test_with_smtputf8_the_utf8_local_part_goes_with_the_parameter_and_a_utf8_to(
    international: Engine, app_env, smtputf8_sink
) -> None:
    use_server(app_env, smtputf8_sink)
    send_checkins()
    rows = by_address(international)
    assert all(m.status == MessageStatus.SENT for m in (rows[IDN], rows[UTF8_LOCAL]))
    others = others_reached(rows)
    accepted = {r.recipients[0]: r for r in smtputf8_sink.accepted}
    utf8 = accepted[UTF8_LOCAL]
    assert "SMTPUTF8" in utf8.mail_options
    assert to_line(utf8.data) == f"To: =?utf-8?q?Jean-Baptiste_Ndiay=C3=A9?= <{UTF8_LOCAL}>"
    # The envelope carries the domain in ASCII whatever the route; the header as written.
    idn = accepted[IDN_ASCII]
    assert "SMTPUTF8" in idn.mail_options and to_line(idn.data) == f"To: Abdoulaye Diallo <{IDN}>"
    # Plain addresses go as before: no parameter, ASCII bytes.
    plain = [accepted[m.contact.email or ""] for m in others]
    assert all(r.mail_options == [] and r.data.isascii() for r in plain)


@pytest.mark.faults
@pytest.mark.parametrize("address", ["a@i♥ny.sn", "x@" + "é" * 60 + ".sn", "é@ab--cd.sn"])
def test_an_address_that_is_no_valid_internationalised_address_fails_alone(
    international: Engine, tmp_path: Path, address: str
) -> None:
    """eTools' import refuses these; a row written some other way fails with the reason,
    and the others still go."""
    with transaction(international) as session:
        (contact,) = contacts_with_address(session, IDN)
        contact.email = address
    report = send_checkins()
    failed = by_address(international)[address]
    assert failed.status == MessageStatus.FAILED and failed.status_reason == NOT_IDNA
    others_reached(by_address(international), address)
    assert {"status": "failed", "reason": NOT_IDNA, "messages": 1} in report["reasons"]


def test_a_relay_that_cannot_be_asked_about_smtputf8_means_a_retry(
    international: Engine, app_env, monkeypatch
) -> None:
    monkeypatch.setattr("tasks.outbox.lanes.CONSECUTIVE_FAILURE_LIMIT", 1000)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app_env.setenv("CONTINUITY_MAIL_URL", f"smtp://127.0.0.1:{port}?security=none")
    app_env.setenv("CONTINUITY_SMTP_TIMEOUT", "2")
    get_settings.cache_clear()
    send_checkins()
    waiting = by_address(international)[UTF8_LOCAL]
    assert waiting.status == MessageStatus.PLANNED
    assert "cannot connect" in (waiting.last_error or "")


def test_a_relay_that_stops_offering_smtputf8_after_composition_means_a_retry(
    international: Engine, app_env, smtp_sink, monkeypatch
) -> None:
    """The message was composed for a relay offering SMTPUTF8, then handed to one that does
    not (a reconnection reached another): nothing non-ASCII is tried, the message waits,
    and composed again for the relay as it now is, it fails for the reason of its address."""
    smtp_sink.handler.wire = bytearray()
    use_server(app_env, smtp_sink)
    with monkeypatch.context() as patched:
        patched.setattr("tasks.mail.transport.SMTPTransport.accepts_utf8", lambda self: True)
        send_checkins()
    waiting = by_address(international)[UTF8_LOCAL]
    assert waiting.status == MessageStatus.PLANNED
    assert "SMTPUTF8" in (waiting.last_error or "")
    assert bytes(smtp_sink.handler.wire).isascii()
    touchpoint_pass(CHECKIN, Clock.at(waiting.due_at), PLAIN)
    failed = by_address(international)[UTF8_LOCAL]
    assert failed.status == MessageStatus.FAILED and failed.status_reason == NO_SMTPUTF8
