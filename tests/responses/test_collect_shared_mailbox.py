"""The collector in the mailbox people read: partners' answers land where the partnerships
team reads them (Outlook), so a mail a person opened first is collected all the same, and
the collector changes no flag they read by. On a Maildir, on a Dovecot that lets the
collector keep a keyword, and on one that does not (it goes by UID there)."""

from __future__ import annotations

import mailbox
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from db.engine import transaction
from db.models import InboundMail, InboxMark, MessageStatus, Response, TouchpointKind
from tasks.mail.inbox import IMAPInbox, InboxError, MaildirInbox
from tasks.mail.inbox.imap import KEYWORD
from tasks.responses.collect import collect_mail
from tasks.settings import get_settings
from tests.pipeline import deliver_all, messages, plan, sample_mail

SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)
LATER = SENT + timedelta(days=1)
KINDS = pytest.mark.parametrize(
    "shared",
    [
        "maildir",
        "imap-keyword",
        pytest.param("imap-uids", marks=pytest.mark.dovecot(keywords=False)),
    ],
    indirect=True,
)


class SharedMaildir:
    def __init__(self, path: Path) -> None:
        self.path, self.box = path, mailbox.Maildir(path, create=True)
        self.keys: list[str] = []

    url = property(lambda self: f"maildir://{self.path}")

    def deliver(self, raw: bytes, opened: bool = False) -> None:
        message = mailbox.MaildirMessage(raw)
        if opened:  # what a person's client does: into cur/, flagged seen
            message.set_subdir("cur")
            message.add_flag("S")
        self.keys.append(self.box.add(message))

    def flags(self, folder: str = "") -> list[str]:
        """Each mail's place and flags, in delivery order; "gone" for one filed away."""
        box = self.box.get_folder(folder.replace("/", ".")) if folder else self.box
        return [
            f"{box.get_message(key).get_subdir()}:{box.get_message(key).get_flags()}"
            if key in box
            else "gone"
            for key in self.keys
        ]

    def count(self, folder: str) -> int:
        return len(self.box.get_folder(folder.replace("/", ".")))


class SharedIMAP:
    def __init__(self, dovecot) -> None:
        self.dovecot = dovecot
        self.url = dovecot.url()

    def deliver(self, raw: bytes, opened: bool = False) -> None:
        client = self.dovecot.client()
        client.append("INBOX", "(\\Seen)" if opened else None, None, raw)
        client.logout()

    def flags(self, folder: str = "INBOX") -> list[str]:
        """Each mail's flags people read by (not the collector's keyword), by UID."""
        return [
            " ".join(sorted(set(re.findall(r"\\\w+", line.decode())) - {"\\Recent"}))
            for line in self.dovecot.flags(folder.replace("/", "."))
        ]

    def keywords(self) -> list[bool]:
        return [KEYWORD.encode() in line for line in self.dovecot.flags()]

    def count(self, folder: str) -> int:
        return len(self.dovecot.flags(folder.replace("/", ".")))


@pytest.fixture
def shared(request: pytest.FixtureRequest, app_env, tmp_path: Path):
    """The team's mailbox, of the kind the test is parametrized with."""
    if request.param == "maildir":
        inbox: SharedMaildir | SharedIMAP = SharedMaildir(tmp_path / "inbox")
    else:
        inbox = SharedIMAP(request.getfixturevalue("dovecot"))
    app_env.setenv("CONTINUITY_INBOX_URL", inbox.url)
    get_settings.cache_clear()
    return inbox


@pytest.fixture
def sent(imported: Engine, app_env):
    plan(imported, TouchpointKind.SUSTAINABILITY_CHECKIN, SENT)
    deliver_all(imported, [TouchpointKind.SUSTAINABILITY_CHECKIN], SENT)
    return {m.contact.email: m for m in messages(imported, status=MessageStatus.SENT)}


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The mails the inbox read (opened or fetched), by their name in the mailbox."""
    read: list[str] = []
    maildir_read, imap_fetched = MaildirInbox._read, IMAPInbox._fetched

    def on_maildir(self: MaildirInbox, name: str) -> bytes | None:
        read.append(name)
        return maildir_read(self, name)

    def on_imap(self: IMAPInbox, uid: int) -> bytes | None:
        read.append(str(uid))
        return imap_fetched(self, uid)

    monkeypatch.setattr(MaildirInbox, "_read", on_maildir)
    monkeypatch.setattr(IMAPInbox, "_fetched", on_imap)
    return read


def count(engine: Engine, model: type) -> int:
    with transaction(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def collect(engine: Engine) -> dict[str, int]:
    return dict(collect_mail(engine, get_settings(), LATER).counts)


@KINDS
def test_a_reply_opened_first_is_recorded_and_an_unread_one_stays_unread(
    sent, imported: Engine, shared, reads
) -> None:
    shared.deliver(sample_mail("reply-fr.eml", sent["a.ndiaye@asef-senegal.example.org"]), True)
    shared.deliver(sample_mail("reply-es-html.eml", sent["mj.pena@funiter.example.co"]))
    before = shared.flags()
    assert collect(imported) == {"reply": 2}
    assert count(imported, Response) == 2
    assert shared.flags() == before
    assert before[0] in ("cur:S", "\\Seen") and before[1] in ("new:", "")
    assert len(reads) == 2
    assert collect(imported) == {}
    assert len(reads) == 2  # nothing read again
    assert count(imported, InboundMail) == count(imported, InboxMark) == 2


@KINDS
def test_a_crash_after_the_record_reads_and_counts_nothing_twice(
    sent, imported: Engine, shared, reads, monkeypatch
) -> None:
    shared.deliver(sample_mail("reply-fr.eml", sent["a.ndiaye@asef-senegal.example.org"]))
    with monkeypatch.context() as patched, pytest.raises(ZeroDivisionError):
        for inbox in (MaildirInbox, IMAPInbox):
            patched.setattr(inbox, "mark_collected", lambda self, item: 1 / 0)
        collect(imported)
    reads.clear()
    assert collect(imported) == {}
    assert reads == []
    assert count(imported, Response) == 1
    assert shared.flags() in (["new:"], [""])
    if isinstance(shared, SharedIMAP):
        assert shared.keywords() == [shared.dovecot.keywords]


@KINDS
def test_handled_mail_is_filed_and_what_waits_for_staff_stays(
    sent, imported: Engine, shared, app_env
) -> None:
    app_env.setenv("CONTINUITY_INBOX_FILE_INTO", "Continuity")
    get_settings.cache_clear()
    shared.deliver(sample_mail("reply-fr.eml", sent["a.ndiaye@asef-senegal.example.org"]), True)
    shared.deliver(sample_mail("postfix-dsn-hard.eml", sent["jp.mbarga@enfance-avenir.example.cm"]))
    shared.deliver(sample_mail("autoreply-en.eml", sent["g.otieno@kccpn.example.or.ke"]))
    shared.deliver(sample_mail("unmatched.eml", sent["mj.pena@funiter.example.co"]))
    shared.deliver(sample_mail("forged-dsn.eml", sent["mj.pena@funiter.example.co"]))
    assert collect(imported) == {"reply": 1, "bounce": 2, "auto_reply": 1, "unmatched": 1}
    assert [shared.count(f"Continuity/{name}") for name in ("Answers", "Bounces")] == [1, 1]
    assert shared.count("Continuity/Auto-replies") == 1
    assert shared.flags("Continuity/Answers") in (
        ["cur:S", "gone", "gone", "gone", "gone"],
        ["\\Seen"],
    )
    waiting = shared.flags()
    assert waiting in (["gone", "gone", "gone", "new:", "new:"], ["", ""])
    assert collect(imported) == {}
    assert shared.flags() == waiting


def test_filing_is_off_unless_set(sent, imported: Engine, tmp_path: Path, app_env) -> None:
    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    shared = SharedMaildir(tmp_path / "inbox")
    shared.deliver(sample_mail("reply-fr.eml", sent["a.ndiaye@asef-senegal.example.org"]))
    assert collect(imported) == {"reply": 1}
    assert shared.flags() == ["new:"] and shared.box.list_folders() == []


def test_mail_that_cannot_be_filed_stays_recorded_and_the_run_goes_on(
    sent, imported: Engine, tmp_path: Path, app_env
) -> None:
    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    app_env.setenv("CONTINUITY_INBOX_FILE_INTO", "Continuity")
    get_settings.cache_clear()
    shared = SharedMaildir(tmp_path / "inbox")
    shared.deliver(sample_mail("reply-fr.eml", sent["a.ndiaye@asef-senegal.example.org"]))
    shared.deliver(sample_mail("autoreply-en.eml", sent["g.otieno@kccpn.example.or.ke"]))
    (tmp_path / "inbox" / ".Continuity.Answers").write_text("in the way")
    collected = collect_mail(imported, get_settings(), LATER)
    assert collected.counts == {"reply": 1, "auto_reply": 1, "left in the inbox (not filed)": 1}
    assert collected.filing_error.startswith("cannot create a folder to file mail")
    assert shared.flags().count("gone") == 1 and collect(imported) == {}


def test_a_run_stops_at_its_limit_and_the_next_goes_on(
    sent, imported: Engine, tmp_path: Path, app_env
) -> None:
    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    shared = SharedMaildir(tmp_path / "inbox")
    for email in ("a.ndiaye@asef-senegal.example.org", "mj.pena@funiter.example.co"):
        shared.deliver(sample_mail("reply-fr.eml", sent[email]))
    assert collect_mail(imported, get_settings(), LATER, limit=1).counts == {
        "reply": 1,
        "left for the next run": 1,
    }
    assert collect(imported) == {"reply": 1}
    assert collect(imported) == {}


@pytest.mark.dovecot(keywords=True)
def test_a_dry_run_sets_no_keyword_and_marks_nothing(
    sent, imported: Engine, dovecot, app_env
) -> None:
    app_env.setenv("CONTINUITY_INBOX_URL", dovecot.url())
    get_settings.cache_clear()
    dovecot.deliver(sample_mail("reply-fr.eml", sent["a.ndiaye@asef-senegal.example.org"]))
    assert collect_mail(imported, get_settings(), LATER, dry_run=True).counts == {"reply": 1}
    assert [KEYWORD.encode() in line for line in dovecot.flags()] == [False]
    assert count(imported, InboxMark) == count(imported, InboundMail) == 0
    assert collect(imported) == {"reply": 1}


def test_hostile_file_names_are_recorded_and_remembered(
    sent, imported: Engine, tmp_path: Path, app_env
) -> None:
    app_env.setenv("CONTINUITY_INBOX_URL", f"maildir://{tmp_path / 'inbox'}")
    get_settings.cache_clear()
    SharedMaildir(tmp_path / "inbox")
    for name in [b"\xff\xfe.bytes", "\u202e'; --".encode(), b"x" * 250, b"q:2,S"]:
        (tmp_path / "inbox" / "cur" / os.fsdecode(name)).write_bytes(b"Subject: x\r\n\r\nhello")
    assert collect(imported) == {"unmatched": 4}
    assert collect(imported) == {}
    assert count(imported, InboxMark) == 4


@pytest.mark.dovecot(keywords=False, fetch_failure="no-after")
def test_by_uid_a_mail_the_server_will_not_hand_out_stops_the_run_until_it_can(
    app_env, engine: Engine, dovecot
) -> None:
    """A real Dovecot that cannot read one mail's file answers NO to its FETCH: the run
    fails naming the UID, having recorded nothing past it, and the next run reads it."""
    app_env.setenv("CONTINUITY_INBOX_URL", dovecot.url())
    get_settings.cache_clear()
    dovecot.deliver(*(f"Message-ID: <m{n}@x>\r\n\r\nmail {n}\r\n".encode() for n in (1, 2, 3)))
    dovecot.mail_file(b"mail 2").chmod(0)
    with pytest.raises(InboxError, match="UID 2"):
        collect(engine)
    assert count(engine, InboundMail) == count(engine, InboxMark) == 1
    dovecot.mail_file(b"mail 2").chmod(0o644)
    assert collect(engine) == {"unmatched": 2}
    assert count(engine, InboundMail) == 3
