"""No mail stops collection: thousands of generated hostile mails through the real collect
stage, on a Maildir and on Dovecot; each ends recorded or quarantined exactly once, and
its flags stay as they were."""

from __future__ import annotations

import itertools
import mailbox
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from db.engine import transaction
from db.models import InboundMail, InboxMark, Response
from tasks.mail.classification import KINDS
from tasks.responses.collect import collect_mail
from tasks.settings import get_settings

AT = datetime(2026, 12, 2, 9, tzinfo=UTC)
_serial = itertools.count()

BROKEN_ADDRESSES = [
    'g:;"a"@b',
    '"',
    "<>",
    "undisclosed-recipients:;",
    '"unterminated <a@b',
    "=?utf-8?b?////?= <x@y>",
    "a@@b, ,,, <@>",
    "\udcff@example.org",
    "very@" + "long." * 300 + "example",
    "=?x-unknown?q?=FF=FE?= <a@b>",
    "group: a@b, (comment <c@d>;",
]
CHARSETS = ["utf-8", "x-unknown", "utf-7", "iso-2022-jp", "", '"', "utf-16", "ebcdic-cp-be"]


def nested(depth: int) -> bytes:
    """A mail of `depth` multiparts, each inside the last (the recursion bomb)."""
    opening = b"".join(
        b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i, i + 1)
        for i in range(depth)
    )
    return b'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n' + opening + b"x\r\n"


@st.composite
def hostile_mail(draw: st.DrawFn) -> bytes:
    """One mail built to break a reader: broken address headers, bad charsets, huge or
    binary headers, deep nesting, truncated MIME, or plain noise."""
    serial = next(_serial)
    shape = draw(st.sampled_from(["headers", "nesting", "truncated", "noise", "huge"]))
    identity = draw(st.sampled_from([f"<h{serial}@x>", f"<h{serial}", f"h{serial} <>", ""]))
    head = f"Message-ID: {identity}\r\n" if identity else ""
    head += f"From: {draw(st.sampled_from(BROKEN_ADDRESSES))}\r\n"
    head += f"To: {draw(st.sampled_from(BROKEN_ADDRESSES))}\r\n"
    head += f"Subject: {draw(st.text(max_size=40))}\r\n"
    charset = draw(st.sampled_from(CHARSETS))
    head += f"Content-Type: text/plain; charset={charset}\r\n"
    raw = head.encode("utf-8", "surrogateescape") + b"\r\n" + draw(st.binary(max_size=300))
    if shape == "nesting":
        raw = head.encode("utf-8", "surrogateescape") + nested(draw(st.integers(20, 2500)))
    elif shape == "truncated":
        raw = (head + 'Content-Type: multipart/report; boundary="z"\r\n\r\n--z\r\n').encode(
            "utf-8", "surrogateescape"
        ) + b"Content-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; a@"
    elif shape == "noise":
        raw = draw(st.binary(min_size=0, max_size=2000))
    elif shape == "huge":
        raw = b"X-Big: " + b"a" * draw(st.integers(100_000, 400_000)) + b"\r\n" + raw
    return raw


def recorded(engine: Engine) -> tuple[int, int]:
    with transaction(engine) as session:
        mails = session.scalar(select(func.count()).select_from(InboundMail)) or 0
        keys = session.scalar(select(func.count(func.distinct(InboundMail.dedup_key)))) or 0
    return mails, keys


@pytest.fixture
def maildir_env(app_env, tmp_path: Path):
    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    return mailbox.Maildir(tmp_path / "inbox", create=True)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(hostile_mail(), min_size=20, max_size=50))
def test_no_mail_stops_a_maildir_run_and_each_is_recorded_once(
    maildir_env: mailbox.Maildir, engine: Engine, batch: list[bytes]
) -> None:
    before = recorded(engine)[0]
    earlier = {maildir_env.get_bytes(key) for key in maildir_env.iterkeys()}
    for raw in batch:
        maildir_env.add(raw)
    names = _files(maildir_env)
    counts = collect_mail(engine, get_settings(), AT).counts
    assert sum(counts.values()) == len(batch)
    assert set(counts) <= set(KINDS)
    mails, keys = recorded(engine)
    # The same bytes are the same mail, in this batch or an earlier example's.
    assert mails == keys == before + len(set(batch) - earlier)
    assert _files(maildir_env) == names
    assert collect_mail(engine, get_settings(), AT).counts == {}


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(hostile_mail(), min_size=10, max_size=25))
def test_no_mail_stops_an_imap_run_and_each_is_recorded_once(
    app_env, dovecot, engine: Engine, batch: list[bytes]
) -> None:
    app_env.setenv("CONTINUITY_INBOX_URL", dovecot.url())
    get_settings.cache_clear()
    before = recorded(engine)[0]
    # A server stores what it accepts: an empty append is refused, so it is not sent.
    sendable = [raw for raw in batch if raw.strip()]
    dovecot.deliver(*sendable)
    counts = collect_mail(engine, get_settings(), AT).counts
    assert sum(counts.values()) == len(sendable)
    mails, keys = recorded(engine)
    # The same bytes are the same mail: an earlier example's, or two sendings the server
    # stores alike (line ends, say).
    assert mails == keys <= before + len(set(sendable))
    assert not any(b"\\Seen" in flags for flags in dovecot.flags())
    assert collect_mail(engine, get_settings(), AT).counts == {}


def _files(box: mailbox.Maildir) -> set[str]:
    return {
        f"{sub}/{path.name}" for sub in ("new", "cur") for path in Path(box._path, sub).iterdir()
    }


def test_the_recursion_bomb_is_quarantined_byte_for_byte(maildir_env, engine: Engine) -> None:
    bomb = b"Message-ID: <bomb@x>\r\n" + nested(2000)
    maildir_env.add(bomb)
    assert collect_mail(engine, get_settings(), AT).counts == {"quarantined": 1}
    with transaction(engine) as session:
        (mail,) = session.scalars(select(InboundMail))
    assert mail.raw == bomb and mail.details["error"] == "2001 multiparts: nested too deep"


@pytest.mark.parametrize(
    "header", [b'From: g:;"a"@b', b'To: "', b"From: =?utf-8?q?=ff?= <@>", b"To: <"]
)
def test_broken_address_headers_are_recorded_like_any_mail(
    maildir_env, engine: Engine, header: bytes
) -> None:
    maildir_env.add(header + b"\r\nSubject: hello\r\n\r\nBonjour\r\n")
    assert collect_mail(engine, get_settings(), AT).counts == {"unmatched": 1}


def test_a_mail_whose_record_fails_is_quarantined_and_the_rest_goes_on(
    maildir_env, engine: Engine, monkeypatch
) -> None:
    from tasks.responses import inbound

    maildir_env.add(b"Message-ID: <first@x>\r\n\r\nfirst")
    maildir_env.add(b"Message-ID: <second@x>\r\n\r\nsecond")
    real = inbound.record_inbound

    def failing(session, secret, item, now):
        if b"first" in item.raw:
            raise ValueError("what this mail holds broke its record")
        return real(session, secret, item, now)

    monkeypatch.setattr("tasks.responses.collect.record_inbound", failing)
    assert collect_mail(engine, get_settings(), AT).counts == {"quarantined": 1, "unmatched": 1}
    with transaction(engine) as session:
        quarantined = session.scalars(
            select(InboundMail).where(InboundMail.classification == "quarantined")
        ).one()
        assert session.scalar(select(func.count()).select_from(Response)) == 0
    assert quarantined.raw.endswith(b"first")
    assert quarantined.details["error"] == "ValueError: what this mail holds broke its record"
    assert collect_mail(engine, get_settings(), AT).counts == {}  # quarantined once, not re-read


@pytest.mark.parametrize("recorded_as", ["unmatched", "quarantined"])
def test_a_mail_an_overlapping_run_recorded_meanwhile_counts_once_and_stops_nothing(
    maildir_env, engine: Engine, monkeypatch, recorded_as: str
) -> None:
    """Another run records the same mail after this run looked for it and before it
    inserts its own record. On PostgreSQL the other run commits right after this run's
    read; SQLite's write lock (BEGIN IMMEDIATE) lets no one in once this run's transaction
    has begun, so there it commits just before, and this run's read is made to miss it."""
    from tasks.responses import inbound

    maildir_env.add(b"Message-ID: <raced@x>\r\nSubject: hello\r\n\r\nBonjour")
    if recorded_as == "quarantined":
        monkeypatch.setattr("tasks.responses.collect.record_inbound", _breaking)
    real, raced = inbound.inbound_by_key, []

    def racing(session, key: str) -> InboundMail | None:
        if raced:
            return real(session, key)
        raced.append(key)
        if session.get_bind().dialect.name == "postgresql":
            assert real(session, key) is None
        assert collect_mail(engine, get_settings(), AT).counts == {recorded_as: 1}
        return None

    monkeypatch.setattr(inbound, "inbound_by_key", racing)
    assert collect_mail(engine, get_settings(), AT).counts == {recorded_as: 1}
    with transaction(engine) as session:
        mails = list(session.scalars(select(InboundMail)))
        marks = session.scalar(select(func.count()).select_from(InboxMark))
    assert [mail.classification for mail in mails] == [recorded_as] and marks == 1
    assert collect_mail(engine, get_settings(), AT).counts == {}


def _breaking(session, secret, item, now):
    raise ValueError("what this mail holds broke its record")


@pytest.mark.dovecot(keywords=False)
def test_a_mailbox_recreated_under_a_new_uidvalidity_counts_nothing_twice(
    app_env, engine: Engine, dovecot
) -> None:
    """By UID a new UIDVALIDITY is a new mailbox, read once more: mail without a
    Message-ID and quarantined mail are known again by their bytes."""
    app_env.setenv("CONTINUITY_INBOX_URL", dovecot.url(folder="Partners"))
    get_settings.cache_clear()
    mails = [b"Subject: no Message-ID\r\n\r\nhello", b"Message-ID: <bomb@x>\r\n" + nested(300)]
    for _ in range(2):  # the mailbox, then the same mailbox recreated
        client = dovecot.client()
        client.delete("Partners")  # NO on the first run: there is none yet
        client.create("Partners")
        client.logout()
        dovecot.deliver(*mails, folder="Partners")
        counts = collect_mail(engine, get_settings(), AT).counts
        assert counts == {"unmatched": 1, "quarantined": 1}
        assert recorded(engine) == (2, 2)


def test_mail_recorded_by_its_mailbox_key_before_keys_were_digests_is_known_still(
    maildir_env, engine: Engine
) -> None:
    key = maildir_env.add(b"Subject: no Message-ID\r\n\r\nhello")
    with transaction(engine) as session:
        mailbox_key = f"maildir:{key}"
        session.add(
            InboundMail(
                dedup_key=f"mailbox:{mailbox_key}",
                mailbox_key=mailbox_key,
                classification="unmatched",
                details={},
            )
        )
    assert collect_mail(engine, get_settings(), AT).counts == {"unmatched": 1}
    assert recorded(engine) == (1, 1)
