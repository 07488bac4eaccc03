from __future__ import annotations

import mailbox
import socket
from pathlib import Path

import pytest

from tasks.mail.transport import (
    PermanentFailure,
    TemporaryFailure,
    UncertainDelivery,
    open_transport,
    smtp_settings,
)

MESSAGE = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: hi\r\n\r\nbody\r\n"


def test_maildir_delivery_is_readable_by_any_mail_client(tmp_path: Path) -> None:
    with open_transport(f"maildir://{tmp_path / 'box'}") as transport:
        reply = transport.send("a@example.org", "b@example.org", MESSAGE)
    assert reply.startswith("stored in maildir as ")
    box = mailbox.Maildir(tmp_path / "box", create=False)
    assert [box.get_bytes(key) for key in box.iterkeys()] == [MESSAGE]


def test_smtp_returns_the_server_reply_and_reuses_one_connection(smtp_sink) -> None:
    with open_transport(smtp_sink.url) as transport:
        replies = [transport.send("a@example.org", f"b{i}@example.org", MESSAGE) for i in range(3)]
    assert replies == ["250 2.0.0 Ok: queued"] * 3
    assert len(smtp_sink.accepted) == 3
    assert smtp_sink.connections == 1


def test_a_4xx_is_temporary_and_keeps_the_server_text(smtp_sink) -> None:
    smtp_sink.handler.decide = lambda envelope: "451 4.3.0 mailbox busy, try later"
    with (
        open_transport(smtp_sink.url) as transport,
        pytest.raises(TemporaryFailure, match=r"451 4\.3\.0 mailbox busy"),
    ):
        transport.send("a@example.org", "b@example.org", MESSAGE)


def test_a_5xx_is_permanent_and_keeps_the_server_text(smtp_sink) -> None:
    smtp_sink.handler.decide = lambda envelope: "554 5.7.1 rejected by policy"
    with open_transport(smtp_sink.url) as transport:
        with pytest.raises(PermanentFailure, match=r"554 5\.7\.1 rejected by policy"):
            transport.send("a@example.org", "b@example.org", MESSAGE)
        smtp_sink.handler.decide = lambda envelope: "accept"
        assert transport.send("a@example.org", "b@example.org", MESSAGE).startswith("250")


def test_a_connection_dropped_at_data_is_temporary_and_the_next_send_reconnects(
    smtp_sink,
) -> None:
    drops = iter([True, False, False])
    smtp_sink.handler.decide = lambda envelope: "drop-at-data" if next(drops) else "accept"
    with open_transport(smtp_sink.url) as transport:
        with pytest.raises(TemporaryFailure, match="connection lost") as raised:
            transport.send("a@example.org", "b@example.org", MESSAGE)
        assert not isinstance(raised.value, UncertainDelivery)
        assert transport.send("a@example.org", "b@example.org", MESSAGE).startswith("250")
    assert smtp_sink.connections == 2
    assert len(smtp_sink.accepted) == 1


def test_a_connection_lost_after_the_whole_message_is_uncertain(smtp_sink) -> None:
    smtp_sink.handler.decide = lambda envelope: "disconnect"
    with (
        open_transport(smtp_sink.url) as transport,
        pytest.raises(UncertainDelivery, match="after the whole message was sent"),
    ):
        transport.send("a@example.org", "b@example.org", MESSAGE)


def test_a_server_slower_than_the_timeout_is_a_temporary_failure(smtp_sink) -> None:
    smtp_sink.handler.decide = lambda envelope: "slow"
    smtp_sink.handler.delay = 3
    with (
        open_transport(smtp_sink.url, timeout=0.5) as transport,
        pytest.raises(TemporaryFailure, match="timed out") as raised,
    ):
        transport.send("a@example.org", "b@example.org", MESSAGE)
    assert not isinstance(raised.value, UncertainDelivery)
    assert smtp_sink.accepted == []


def test_a_server_that_is_down_is_a_temporary_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"smtp://127.0.0.1:{port}?security=none"
    with (
        open_transport(url, timeout=2) as transport,
        pytest.raises(TemporaryFailure, match="cannot connect"),
    ):
        transport.send("a@example.org", "b@example.org", MESSAGE)


def test_smtp_urls_carry_credentials_port_and_security() -> None:
    settings = smtp_settings("smtp://user%40x:p%3Ass@relay.example.org?security=ssl", 5.0)
    assert (settings.host, settings.port, settings.security) == ("relay.example.org", 465, "ssl")
    assert (settings.username, settings.password) == ("user@x", "p:ss")
    assert smtp_settings("smtp://relay.example.org", 5.0).port == 587
    with pytest.raises(ValueError, match="security must be"):
        smtp_settings("smtp://relay.example.org?security=maybe", 5.0)


UTF8_MESSAGE = (
    "From: a@example.org\r\nTo: Jean <jean-baptiste.ndiayé@apef.sn>\r\nSubject: hi\r\n\r\nbody\r\n"
).encode()


def test_a_maildir_takes_utf8_headers_as_they_are(tmp_path: Path) -> None:
    with open_transport(f"maildir://{tmp_path / 'box'}") as transport:
        assert transport.accepts_utf8()
        transport.send("a@example.org", "jean-baptiste.ndiayé@apef.sn", UTF8_MESSAGE, utf8=True)
    box = mailbox.Maildir(tmp_path / "box", create=False)
    assert [box.get_bytes(key) for key in box.iterkeys()] == [UTF8_MESSAGE]


def test_a_utf8_message_goes_with_smtputf8_when_the_server_offers_it(smtputf8_sink) -> None:
    with open_transport(smtputf8_sink.url) as transport:
        assert transport.accepts_utf8()
        reply = transport.send("a@example.org", "jean-baptiste.ndiayé@apef.sn", UTF8_MESSAGE)
        transport.send("a@example.org", "b@example.org", MESSAGE)
    assert reply.startswith("250")
    utf8, plain = smtputf8_sink.accepted
    assert utf8.recipients == ["jean-baptiste.ndiayé@apef.sn"]
    assert "SMTPUTF8" in utf8.mail_options and "BODY=8BITMIME" in utf8.mail_options
    assert utf8.data.rstrip(b"\r\n") == UTF8_MESSAGE.rstrip(b"\r\n")
    assert plain.mail_options == []


def test_utf8_headers_alone_ask_for_smtputf8_too(smtputf8_sink) -> None:
    """An internationalised domain goes as punycode in the envelope, but a To header
    naming it in Unicode still needs a server that takes UTF-8 headers (RFC 6532)."""
    message = "To: a.diallo@école-kolda.sn\r\n\r\nbody\r\n".encode()
    with open_transport(smtputf8_sink.url) as transport:
        transport.send("a@example.org", "a.diallo@xn--cole-kolda-96a.sn", message, utf8=True)
    (received,) = smtputf8_sink.accepted
    assert received.recipients == ["a.diallo@xn--cole-kolda-96a.sn"]
    assert "SMTPUTF8" in received.mail_options


def test_without_smtputf8_a_utf8_message_fails_before_any_command(smtp_sink) -> None:
    """RFC 6531 3.2: the client checks the server's extensions before MAIL FROM; nothing
    of the message is sent, and the connection serves the next message. The failure is
    temporary: delivery composes UTF-8 only for a server that offered SMTPUTF8, so this is
    another relay than the one it was composed for (composed again, it may go as ASCII)."""
    smtp_sink.handler.wire = bytearray()
    with open_transport(smtp_sink.url) as transport:
        assert not transport.accepts_utf8()
        with pytest.raises(TemporaryFailure, match="SMTPUTF8"):
            transport.send("a@example.org", "jean-baptiste.ndiayé@apef.sn", UTF8_MESSAGE)
        with pytest.raises(TemporaryFailure, match="SMTPUTF8"):
            transport.send("a@example.org", "a@xn--cole-kolda-96a.sn", UTF8_MESSAGE, utf8=True)
        assert transport.send("a@example.org", "b@example.org", MESSAGE).startswith("250")
    assert smtp_sink.connections == 1
    assert bytes(smtp_sink.handler.wire).isascii()
    assert bytes(smtp_sink.handler.wire).lower().count(b"mail from") == 1
    assert [r.recipients for r in smtp_sink.accepted] == [["b@example.org"]]


def test_asking_an_unreachable_server_about_utf8_is_a_temporary_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with (
        open_transport(f"smtp://127.0.0.1:{port}?security=none", timeout=2) as transport,
        pytest.raises(TemporaryFailure, match="cannot connect"),
    ):
        transport.accepts_utf8()


def test_an_announced_envelope_goes_once_with_its_message(smtp_sink) -> None:
    smtp_sink.handler.wire = bytearray()
    with open_transport(smtp_sink.url) as transport:
        transport.send("a@example.org", "b0@example.org", MESSAGE)  # opens the connection
        transport.announce("a@example.org", "b1@example.org")
        answer = transport.submit("a@example.org", "b1@example.org", MESSAGE).answer()
    assert answer.startswith("250")
    assert [r.recipients for r in smtp_sink.accepted] == [["b0@example.org"], ["b1@example.org"]]
    assert bytes(smtp_sink.handler.wire).lower().count(b"mail from:") == 2


def test_a_withdrawn_envelope_delivers_nothing_and_the_connection_goes_on(smtp_sink) -> None:
    smtp_sink.handler.wire = bytearray()
    with open_transport(smtp_sink.url) as transport:
        transport.send("a@example.org", "b0@example.org", MESSAGE)
        transport.announce("a@example.org", "b1@example.org")
        transport.withdraw()  # its hand-over was refused: the message must not go
        transport.send("a@example.org", "b2@example.org", MESSAGE)
    assert [r.recipients for r in smtp_sink.accepted] == [["b0@example.org"], ["b2@example.org"]]
    assert b"\r\nrset\r\n" in bytes(smtp_sink.handler.wire).lower()
    assert smtp_sink.connections == 1


def test_announcing_opens_no_connection(smtp_sink) -> None:
    with open_transport(smtp_sink.url) as transport:
        transport.announce("a@example.org", "b@example.org")
        transport.withdraw()
    assert smtp_sink.connections == 0 and not smtp_sink.accepted
