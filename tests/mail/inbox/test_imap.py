"""The IMAP inbox on a real Dovecot: one that lets the collector keep a keyword, and one
whose ACL allows no keyword (as Exchange's shared mailboxes), where it goes by UID."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

import pytest

from tasks.mail.inbox import IMAPInbox, InboxError, open_inbox
from tasks.mail.inbox.imap import KEYWORD
from tests.mail.inbox.memory import Memory

WITHOUT_KEYWORDS = pytest.mark.dovecot(keywords=False)
BOTH = pytest.mark.parametrize("mode", ["keyword", pytest.param("uids", marks=WITHOUT_KEYWORDS)])
# A Dovecot that answers NO to a FETCH it cannot carry out, with the keyword and without.
FETCH_FAILS = pytest.mark.parametrize(
    "mode",
    [
        pytest.param("keyword", marks=pytest.mark.dovecot(fetch_failure="no-after")),
        pytest.param("uids", marks=pytest.mark.dovecot(keywords=False, fetch_failure="no-after")),
    ],
)


def mail(number: int) -> bytes:
    return f"Message-ID: <m{number}@x>\r\nSubject: mail {number}\r\n\r\nHello {number}\r\n".encode()


def flags(line: bytes) -> set[str]:
    found = re.search(rb"FLAGS \(([^)]*)\)", line)
    return set(found[1].decode().split()) - {"\\Recent"} if found else set()


def opened_first(dovecot, *numbers: int) -> None:
    """A person reads these mails (by sequence number) before the collector runs."""
    client = dovecot.client()
    client.select("INBOX")
    for number in numbers:
        client.store(str(number), "+FLAGS", "(\\Seen)")
    client.logout()


@pytest.fixture
def fetches(monkeypatch) -> list[int]:
    """The UIDs whose mail the inbox fetched."""
    fetched: list[int] = []
    real = IMAPInbox._fetched

    def counting(self: IMAPInbox, uid: int) -> bytes | None:
        fetched.append(uid)
        return real(self, uid)

    monkeypatch.setattr(IMAPInbox, "_fetched", counting)
    return fetched


@BOTH
def test_mail_read_or_unread_is_collected_once_and_its_flags_stay(
    dovecot, fetches, mode: str
) -> None:
    dovecot.deliver(mail(1), mail(2), mail(3))
    opened_first(dovecot, 2)
    memory = Memory()
    with open_inbox(dovecot.url()) as inbox:
        assert isinstance(inbox, IMAPInbox)
        assert inbox.keyword is dovecot.keywords
        items = memory.remember(inbox.new_mail(memory))
        for item in items:
            inbox.mark_collected(item)
    assert [(item.uid, item.raw.split(b"\r\n")[1]) for item in items] == [
        (1, b"Subject: mail 1"),
        (2, b"Subject: mail 2"),
        (3, b"Subject: mail 3"),
    ]
    ours = {KEYWORD} if dovecot.keywords else set()
    assert [flags(line) for line in dovecot.flags()] == [ours, {"\\Seen"} | ours, ours]
    with open_inbox(dovecot.url()) as inbox:
        assert list(inbox.new_mail(memory)) == []
    assert fetches == [1, 2, 3]
    dovecot.deliver(mail(4))
    with open_inbox(dovecot.url()) as inbox:
        assert [item.uid for item in inbox.new_mail(memory)] == [4]
    assert fetches == [1, 2, 3, 4]


@WITHOUT_KEYWORDS
def test_by_uid_a_run_asks_only_for_uids_above_the_highest_recorded(dovecot, fetches) -> None:
    dovecot.deliver(mail(1), mail(2))
    memory = Memory()
    memory.uids.add(2)  # "3:*" still answers UID 2, the highest there is
    with open_inbox(dovecot.url()) as inbox:
        assert list(inbox.new_mail(memory)) == []
    assert memory.asked == [] and fetches == []


@WITHOUT_KEYWORDS
def test_a_new_uidvalidity_is_a_new_mailbox(dovecot) -> None:
    client = dovecot.client()
    client.create("Partners")
    client.logout()
    dovecot.deliver(mail(1), folder="Partners")
    with open_inbox(dovecot.url(folder="Partners")) as inbox:
        before = inbox.mailbox
    client = dovecot.client()
    client.delete("Partners")
    client.create("Partners")
    client.logout()
    with open_inbox(dovecot.url(folder="Partners")) as inbox:
        assert inbox.mailbox != before
        assert inbox.mailbox.startswith("imap:inbox@127.0.0.1/Partners:")


def test_a_recorded_mail_whose_keyword_a_stopped_run_missed_gets_it_unread(
    dovecot, fetches
) -> None:
    dovecot.deliver(mail(1), mail(2))
    memory = Memory()
    with open_inbox(dovecot.url()) as inbox:
        memory.remember(inbox.new_mail(memory))  # recorded, then the run stopped
    fetches.clear()
    with open_inbox(dovecot.url()) as inbox:
        assert list(inbox.new_mail(memory)) == []
    assert fetches == []
    assert [flags(line) for line in dovecot.flags()] == [{KEYWORD}, {KEYWORD}]


@FETCH_FAILS
def test_a_mail_the_server_will_not_hand_out_is_never_passed_over(
    dovecot, caplog, mode: str
) -> None:
    """A real Dovecot that cannot read one mail's file answers NO to its FETCH. By UID the
    run stops there, before any later UID is recorded; with the keyword it goes on and
    the mail, left without one, is read next run."""
    dovecot.deliver(mail(1), mail(2), mail(3))
    dovecot.mail_file(b"Hello 2").chmod(0)
    memory = Memory()
    with open_inbox(dovecot.url()) as inbox, caplog.at_level(logging.WARNING, "continuity"):
        mails = inbox.new_mail(memory)
        memory.remember([next(mails)])
        if mode == "uids":
            with pytest.raises(InboxError, match="could not fetch the mail of UID 2: NO"):
                next(mails)
        else:
            assert [item.uid for item in memory.remember(mails)] == [3]
    warnings = [record.getMessage() for record in caplog.records]
    if mode == "keyword":
        (warning,) = warnings
        assert "UID 2: NO" in warning and "left for the next run" in warning
    else:
        assert warnings == []
    dovecot.mail_file(b"Hello 2").chmod(0o644)
    with open_inbox(dovecot.url()) as inbox:
        assert [item.uid for item in inbox.new_mail(memory)] == ([2, 3] if mode == "uids" else [2])


@pytest.mark.parametrize(
    "how",
    [
        "move",
        pytest.param("copy-expunge", marks=pytest.mark.dovecot(move=False)),
        pytest.param("no-namespace", marks=pytest.mark.dovecot(move=False, namespace=False)),
    ],
)
def test_filing_moves_mail_with_its_flags_into_a_folder_it_creates(dovecot, how: str) -> None:
    dovecot.deliver(mail(1), mail(2), mail(3))
    opened_first(dovecot, 1)
    with open_inbox(dovecot.url()) as inbox:
        assert ("MOVE" in inbox.capabilities) is dovecot.move
        assert ("NAMESPACE" in inbox.capabilities) is dovecot.namespace
        first, second, third = inbox.new_mail(Memory())
        for item in (first, second, third):
            inbox.mark_collected(item)
        inbox.file(first, ("Continuity", "Answers"))
        inbox.file(third, ("Continuity", "Answers"))
    assert [flags(line) for line in dovecot.flags()] == [{KEYWORD}]
    assert [flags(line) for line in dovecot.flags("Continuity.Answers")] == [
        {"\\Seen", KEYWORD},
        {KEYWORD},
    ]
    assert any(line.endswith(b"Continuity.Answers") for line in dovecot.folders())


def test_folder_names_are_quoted_and_encoded_as_imap_wants(dovecot) -> None:
    name = 'Réunions "2026" \\ & co'
    encoded = 'R&AOk-unions \\"2026\\" \\\\ &- co'
    client = dovecot.client()
    assert client.create(f'"{encoded}"')[0] == "OK"
    client.logout()
    dovecot.deliver(mail(1), folder=f'"{encoded}"')
    with open_inbox(dovecot.url(folder=quote(name, safe=""))) as inbox:
        (item,) = inbox.new_mail(Memory())
        inbox.mark_collected(item)
        inbox.file(item, ("Traité", "Réponses"))
    assert [flags(line) for line in dovecot.flags("Trait&AOk-.R&AOk-ponses")] == [{KEYWORD}]


def test_a_mailbox_name_that_would_break_the_command_is_refused(dovecot) -> None:
    with (
        pytest.raises(InboxError, match="cannot open mailbox"),
        open_inbox(dovecot.url(folder=quote('INBOX" \r\nA1 DELETE "INBOX', safe=""))),
    ):
        pass
    with open_inbox(dovecot.url()) as inbox:  # no command slipped in: INBOX is still there
        assert inbox.mailbox.startswith("imap:inbox@127.0.0.1/INBOX:")


def test_wrong_credentials_and_unknown_folders_are_clear_errors(dovecot) -> None:
    with (
        pytest.raises(InboxError, match="cannot log in"),
        open_inbox(dovecot.url().replace("imap-test-secret", "wrong")),
    ):
        pass
    with (
        pytest.raises(InboxError, match="cannot open mailbox 'Nowhere'"),
        open_inbox(dovecot.url(folder="Nowhere")),
    ):
        pass


def test_an_untrusted_certificate_is_refused(dovecot, monkeypatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    with pytest.raises(InboxError, match="CERTIFICATE_VERIFY_FAILED"), open_inbox(dovecot.url()):
        pass
