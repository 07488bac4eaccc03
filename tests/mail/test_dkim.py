"""DKIM: mail delivered through the real path (plan, compose, a real SMTP server or the
Maildir) verifies with the record `continuity dkim record` prints; tampering does not."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import dkim
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from db.models import TouchpointKind
from tasks.etools.importer import import_etools
from tasks.follow_up_policy import load_policy
from tasks.mail.dkim import DkimKey, dkim_key, signed, signing_domain
from tasks.mail.mime import alternative_message
from tasks.settings import get_settings
from tests.exports import SAMPLES, UTF8_LOCAL, international_partners
from tests.mail.dkim_keys import write_key
from tests.pipeline import deliver_all, plan

CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)
runner = CliRunner()


def use_dkim(app_env: pytest.MonkeyPatch, key_file: Path, selector: str = "mail2026") -> None:
    app_env.setenv("CONTINUITY_DKIM_SELECTOR", selector)
    app_env.setenv("CONTINUITY_DKIM_KEY_FILE", str(key_file))
    get_settings.cache_clear()


def published() -> tuple[str, bytes]:
    """Return the DNS name and the TXT value `continuity dkim record` prints."""
    result = runner.invoke(app, ["dkim", "record"])
    assert result.exit_code == 0, result.output
    line = result.output.strip()
    assert "\n" not in line
    name = line.split(" ", 1)[0]
    strings = re.findall(r'"([^"]*)"', line)
    assert all(len(string) <= 255 for string in strings)
    return name, "".join(strings).encode()


def dns(name: str, value: bytes) -> Callable[..., bytes | None]:
    def lookup(queried: bytes, timeout: int = 5) -> bytes | None:
        return value if queried.decode().rstrip(".") == name.rstrip(".") else None

    return lookup


def verifies(data: bytes) -> bool:
    return bool(dkim.verify(data, dnsfunc=dns(*published())))


def header_block(data: bytes) -> bytes:
    return data.split(b"\r\n\r\n", 1)[0]


@pytest.fixture(params=["rsa", "ed25519"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def key_file(kind: str, tmp_path: Path) -> Path:
    return write_key(tmp_path / "dkim.pem", kind)


@pytest.fixture
def over_smtp(imported: Engine, app_env, smtp_sink, key_file: Path) -> list[bytes]:
    """The check-ins delivered to a real SMTP server, signed with `key_file`."""
    use_dkim(app_env, key_file)
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    get_settings.cache_clear()
    plan(imported, CHECKIN, SENT)
    deliver_all(imported, [CHECKIN], SENT)
    assert smtp_sink.accepted
    return [recorded.data for recorded in smtp_sink.accepted]


def test_it_signs_every_message_so_the_published_record_verifies_it(
    over_smtp: list[bytes], kind: str
) -> None:
    assert all(verifies(data) for data in over_smtp)
    head = header_block(over_smtp[0])
    assert head.startswith(b"DKIM-Signature: v=1; ")
    assert b"c=relaxed/relaxed" in head and b"d=example.org" in head
    assert f"a={kind}-sha256;".encode() in head


def test_it_signs_the_headers_relays_leave_alone_and_from_twice(over_smtp: list[bytes]) -> None:
    head = header_block(over_smtp[0]).decode()
    signed = re.search(r"h=([^;]*);", " ".join(head.split()))
    assert signed is not None
    names = [name.strip() for name in signed.group(1).split(":")]
    assert names[0] == names[-1] == "from" and names.count("from") == 2
    for name in ("to", "subject", "date", "message-id", "mime-version", "content-type"):
        assert name in names
    assert {"reply-to", "list-unsubscribe", "list-unsubscribe-post"} <= set(names)
    assert not {"received", "return-path", "dkim-signature"} & set(names)


def test_a_changed_body_or_signed_header_fails_verification(over_smtp: list[bytes]) -> None:
    data = over_smtp[0]
    head, body = data.split(b"\r\n\r\n", 1)
    assert verifies(data)
    assert not verifies(head + b"\r\n\r\n" + body.replace(b"Content-Type", b"Content-type:x", 1))
    assert not verifies(re.sub(rb"\r\nSubject: [^\r]*", b"\r\nSubject: Urgent", data))
    assert not verifies(head + b"\r\nFrom: Someone <ceo@example.org>\r\n\r\n" + body)


def test_a_relay_adding_received_and_refolding_headers_keeps_it_valid(
    over_smtp: list[bytes],
) -> None:
    data = over_smtp[0]
    relayed = b"Received: from relay.example.net by mx.example.com; Tue, 1 Dec 2026\r\n" + data
    relayed = relayed.replace(b"\r\nSubject: ", b"\r\nsubject:\r\n\t ", 1)
    relayed = relayed.replace(b"\r\nList-Unsubscribe-Post: ", b"\r\nList-Unsubscribe-Post:   ", 1)
    assert relayed != data
    assert verifies(relayed)


def test_the_maildir_gets_the_same_signed_bytes(
    imported: Engine, app_env, tmp_path: Path, key_file: Path
) -> None:
    import mailbox

    use_dkim(app_env, key_file)
    plan(imported, CHECKIN, SENT)
    deliver_all(imported, [CHECKIN], SENT)
    box = mailbox.Maildir(tmp_path / "outbox", create=False)
    stored = [box.get_bytes(key) for key in box.iterkeys()]
    assert stored and all(verifies(data) for data in stored)


def test_without_dkim_settings_nothing_is_signed(imported: Engine, app_env, smtp_sink) -> None:
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    get_settings.cache_clear()
    plan(imported, CHECKIN, SENT)
    deliver_all(imported, [CHECKIN], SENT)
    assert not any(b"DKIM-Signature" in r.data for r in smtp_sink.accepted)
    result = runner.invoke(app, ["dkim", "record"])
    assert result.exit_code == 2 and "DKIM is off" in result.output


def test_utf8_headers_over_smtputf8_verify(
    engine: Engine, app_env, smtputf8_sink, tmp_path: Path
) -> None:
    partners = international_partners(tmp_path / "partners.csv")
    with transaction(engine) as session:
        import_etools(session, partners, SAMPLES / "interventions.csv", load_policy())
    use_dkim(app_env, write_key(tmp_path / "dkim.pem", "rsa"))
    app_env.setenv("CONTINUITY_MAIL_URL", smtputf8_sink.url)
    get_settings.cache_clear()
    plan(engine, CHECKIN, SENT)
    deliver_all(engine, [CHECKIN], SENT)
    (utf8,) = [r.data for r in smtputf8_sink.accepted if r.recipients == [UTF8_LOCAL]]
    assert UTF8_LOCAL.encode() in header_block(utf8)
    assert verifies(utf8)


def test_an_internationalised_sender_domain_is_published_and_signed_as_its_a_label(
    settings_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An IDN sender does not compose yet (its From header is refused, DKIM or not): the
    record's name and the signature's d= are checked on their own."""
    settings_env.setenv("CONTINUITY_SENDER", "UNICEF <partenariats@unicéf-sénégal.example>")
    use_dkim(settings_env, write_key(tmp_path / "dkim.pem", "ed25519"), selector="s1")
    name, value = published()
    assert name == "s1._domainkey.xn--unicf-sngal-ebbdb.example."
    domain = signing_domain("unicéf-sénégal.example")
    headers = [("From", "UNICEF <partenariats@xn--unicf-sngal-ebbdb.example>"), ("To", "a@b.sn")]
    data = signed(alternative_message(headers, "text", "<p>html</p>"), "s1", domain, key())
    assert b"d=xn--unicf-sngal-ebbdb.example;" in data
    assert dkim.verify(data, dnsfunc=dns(name, value))


def key() -> DkimKey:
    path = get_settings().dkim_key_file
    assert path is not None
    return dkim_key(path)


def test_rsa_signed_by_openssl_is_byte_for_byte_dkimpys_own(
    settings_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings_env.setattr("time.time", lambda: 1_796_000_000.0)
    use_dkim(settings_env, write_key(tmp_path / "dkim.pem", "rsa"))
    data = alternative_message([("From", "A <a@example.org>"), ("To", "b@c.sn")], "t", "<p>h</p>")
    ours = signed(data, "mail2026", "example.org", key())
    theirs = dkim.sign(
        data,
        b"mail2026",
        b"example.org",
        key().private,
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=[b"from", b"to", b"mime-version", b"content-type", b"from"],
    )
    assert ours == theirs + data
