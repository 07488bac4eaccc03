from __future__ import annotations

import mailbox
import os
from pathlib import Path

import pytest

from tasks.mail.inbox import InboxError, MaildirInbox
from tasks.mail.inbox import maildir as maildir_module
from tests.mail.inbox.memory import Memory


def files(root: Path) -> set[str]:
    """Every message file under `root`, as a path relative to it."""
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and path.parent.name in ("new", "cur")
    }


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A Maildir as a person's client leaves it: one mail unread in new/, one opened (in
    cur/ with S), one seen by a client but not opened (cur/, no flag)."""
    root = tmp_path / "inbox"
    mailbox.Maildir(root, create=True)
    (root / "new" / "1000.a.host").write_bytes(b"Subject: unread\r\n\r\nnew\r\n")
    (root / "cur" / "1001.b.host:2,S").write_bytes(b"Subject: opened\r\n\r\nread\r\n")
    (root / "cur" / "1002.c.host:2,").write_bytes(b"Subject: listed\r\n\r\nlisted\r\n")
    return root


def test_it_reads_read_and_unread_mail_and_renames_nothing(box: Path) -> None:
    before = files(box)
    items = list(MaildirInbox(box).new_mail(Memory()))
    assert [(item.key, item.name) for item in items] == [
        ("maildir:1000.a.host", "1000.a.host"),
        ("maildir:1001.b.host", "1001.b.host"),
        ("maildir:1002.c.host", "1002.c.host"),
    ]
    assert [item.raw.split(b"\r\n")[0] for item in items] == [
        b"Subject: unread",
        b"Subject: opened",
        b"Subject: listed",
    ]
    MaildirInbox(box).mark_collected(items[0])
    assert files(box) == before


def test_what_was_recorded_is_neither_read_nor_opened(box: Path, monkeypatch) -> None:
    memory = Memory()
    memory.remember(MaildirInbox(box).new_mail(memory))
    opened: list[str] = []
    real = maildir_module._bytes
    monkeypatch.setattr(maildir_module, "_bytes", lambda path: opened.append(path) or real(path))
    assert list(MaildirInbox(box).new_mail(memory)) == []
    (box / "new" / "1003.d.host").write_bytes(b"Subject: later\r\n\r\n")
    assert [item.name for item in MaildirInbox(box).new_mail(memory)] == ["1003.d.host"]
    assert opened == [str(box / "new" / "1003.d.host")]


def test_a_mail_a_person_opens_while_the_run_reads_is_still_read(box: Path) -> None:
    mails = MaildirInbox(box).new_mail(Memory())
    assert next(mails).name == "1000.a.host"
    (box / "cur" / "1002.c.host:2,").rename(box / "cur" / "1002.c.host:2,RS")
    (box / "new" / "1000.a.host").rename(box / "cur" / "1000.a.host:2,S")
    assert [item.name for item in mails] == ["1001.b.host", "1002.c.host"]


def test_mail_people_open_during_a_run_costs_one_more_listing_at_most(
    box: Path, monkeypatch
) -> None:
    listings: list[int] = []
    real = MaildirInbox._listed
    monkeypatch.setattr(MaildirInbox, "_listed", lambda self: listings.append(1) or real(self))
    (box / "new" / "1003.d.host").write_bytes(b"Subject: fourth\r\n\r\n")
    memory = Memory()
    mails = MaildirInbox(box).new_mail(memory)
    assert [item.name for item in memory.remember([next(mails)])] == ["1000.a.host"]
    (box / "cur" / "1001.b.host:2,S").rename(box / "cur" / "1001.b.host:2,RS")
    (box / "cur" / "1002.c.host:2,").rename(box / "cur" / "1002.c.host:2,S")
    (box / "new" / "1003.d.host").rename(box / "cur" / "1003.d.host:2,S")
    assert [item.name for item in memory.remember([next(mails)])] == ["1001.b.host"]
    (box / "cur" / "1003.d.host:2,S").rename(box / "cur" / "1003.d.host:2,ST")
    rest = [item.name for item in memory.remember(mails)]
    assert len(listings) == 2  # the run's listing and one more, not one per mail moved
    assert rest == ["1002.c.host"]
    # Moved once more after that listing: the next run reads it.
    assert [item.name for item in MaildirInbox(box).new_mail(memory)] == ["1003.d.host"]


def test_a_mail_deleted_while_the_run_reads_is_skipped(box: Path) -> None:
    mails = MaildirInbox(box).new_mail(Memory())
    next(mails)
    (box / "cur" / "1001.b.host:2,S").unlink()
    assert [item.name for item in mails] == ["1002.c.host"]


def test_hostile_file_names_give_distinct_storable_names(tmp_path: Path) -> None:
    root = tmp_path / "inbox"
    mailbox.Maildir(root, create=True)
    hostile = [
        b"\xff\xfe.not-utf8",
        b"sp ace\ttab",
        "caf\u00e9-\u202eevil".encode(),
        b"glob*?[x]",
        b"x" * 250,
        b"'; DROP TABLE inbox_marks; --",
    ]
    for name in hostile:
        (root / "new" / os.fsdecode(name)).write_bytes(b"Subject: x\r\n\r\n")
    (root / "new" / ".hidden").write_bytes(b"not a mail")
    names = [item.name for item in MaildirInbox(root).new_mail(Memory())]
    assert len(set(names)) == len(hostile)
    assert all(name.encode("utf-8") and len(f"maildir:{name}") <= 512 for name in names)
    assert "\\xff\\xfe.not-utf8" in names


def test_filing_moves_the_file_flags_and_all_into_a_maildir_plus_plus_folder(box: Path) -> None:
    inbox = MaildirInbox(box)
    unread, opened, _ = list(inbox.new_mail(Memory()))
    inbox.file(unread, ("Continuity", "Answers"))
    inbox.file(opened, ("Continuity", "Answers"))
    assert files(box) == {
        "cur/1002.c.host:2,",
        ".Continuity.Answers/new/1000.a.host",
        ".Continuity.Answers/cur/1001.b.host:2,S",
    }
    assert (box / ".Continuity.Answers" / "maildirfolder").exists()
    assert mailbox.Maildir(box).list_folders() == ["Continuity.Answers"]


def test_filing_from_a_subfolder_files_beside_it(tmp_path: Path) -> None:
    root = tmp_path / "Maildir"
    mailbox.Maildir(root, create=True).add_folder("Partners")
    (root / ".Partners" / "new" / "1.x.host").write_bytes(b"Subject: x\r\n\r\n")
    inbox = MaildirInbox(root / ".Partners")
    (item,) = inbox.new_mail(Memory())
    inbox.file(item, ("Continuity", "Bounces"))
    assert files(root) == {".Partners.Continuity.Bounces/new/1.x.host"}


def test_filing_a_mail_a_person_moved_meanwhile_finds_it(box: Path) -> None:
    inbox = MaildirInbox(box)
    unread = next(inbox.new_mail(Memory()))
    (box / "new" / "1000.a.host").rename(box / "cur" / "1000.a.host:2,S")
    inbox.file(unread, ("Done",))
    assert ".Done/cur/1000.a.host:2,S" in files(box)


def test_filing_a_mail_a_person_deleted_meanwhile_does_nothing(box: Path) -> None:
    inbox = MaildirInbox(box)
    unread = next(inbox.new_mail(Memory()))
    (box / "new" / "1000.a.host").unlink()
    inbox.file(unread, ("Done",))
    assert files(box) == {"cur/1001.b.host:2,S", "cur/1002.c.host:2,"}


def test_a_folder_that_cannot_be_made_is_a_clear_error(box: Path) -> None:
    inbox = MaildirInbox(box)
    item = next(inbox.new_mail(Memory()))
    (box / ".Continuity.Answers").write_text("a file where the folder would go")
    with pytest.raises(InboxError, match="cannot create a folder to file mail"):
        inbox.file(item, ("Continuity", "Answers"))
    assert "new/1000.a.host" in files(box)
