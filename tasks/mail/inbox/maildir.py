"""A Maildir as the collector reads it: by its file names, never renaming one."""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterator, Sequence
from contextlib import suppress
from pathlib import Path

from tasks.mail.inbox.protocol import MAX_MAIL_BYTES, InboxError, InboxItem, Recorded, bounded

SUBFOLDERS = ("tmp", "new", "cur")


class MaildirInbox:
    """A Maildir read by its file names alone: parsing a hostile mail just to learn whether
    it is new could fail before the mail is even recorded. Mail in `new/` and in `cur/`
    alike is read once, whatever its flags; no file is renamed (a person's client moves it
    from `new/` to `cur/` and sets `S` itself), so the collector's marks are the caller's
    (`Recorded`), by the mail's unique name."""

    def __init__(self, path: Path) -> None:
        self.path = path
        mailbox.Maildir(path, create=True)  # makes new/, cur/ and tmp/ when missing
        self.mailbox = bounded(f"maildir:{path.resolve()}")
        self.files: dict[str, str] = {}  # unique name -> the file's path, as listed
        self.relisted = False  # whether this run listed the folders once more

    def new_mail(self, recorded: Recorded) -> Iterator[InboxItem]:
        """Yield the mail whose names `recorded` does not know, by name; listing the
        folders opens no file, and only the mail yielded is read."""
        self.files, self.relisted = self._listed(), False
        names = sorted(self.files)
        done = recorded.among(names)
        for name in names:
            if name not in done and (raw := self._read(name)) is not None:
                yield InboxItem(f"maildir:{name}", raw, name)

    def mark_collected(self, item: InboxItem) -> None:
        """Keep no mark in the Maildir: its flags are the people's."""

    def file(self, item: InboxItem, folder: Sequence[str]) -> None:
        """Move the mail's file into the Maildir++ subfolder `folder`, under the same name
        (its flags with it) and into the same `new/` or `cur/`. A mail someone deleted
        meanwhile is left alone."""
        target = self._subfolder(folder)
        try:
            listed = self.files.get(item.name)
            if listed is not None and _moved(listed, target):
                return
            current = self._listed().get(item.name)  # a person's client moved it meanwhile
            if current is not None:
                _moved(current, target)
        except OSError as error:
            raise InboxError(f"cannot file a mail: {error.strerror}") from None

    def _listed(self) -> dict[str, str]:
        # Paths stay strings: making 20,000 Path objects takes most of a run's time.
        return {
            _name(entry.name): entry.path
            for folder in ("new", "cur")
            for entry in os.scandir(self.path / folder)
            if not entry.name.startswith(".")
        }

    def _read(self, name: str) -> bytes | None:
        """Return the mail's bytes, None when it is gone. A person's client may have moved
        it (from `new/` to `cur/`, or to new flags) since it was listed: the first such
        mail of a run lists the folders once more, and the others are found in that
        listing; one moved after it is left for the next run."""
        with suppress(FileNotFoundError):
            return _bytes(self.files[name])
        if self.relisted:
            return None
        self.files, self.relisted = self._listed(), True
        with suppress(FileNotFoundError, KeyError):
            return _bytes(self.files[name])
        return None

    def _subfolder(self, folder: Sequence[str]) -> Path:
        """Return the Maildir++ folder `folder` (created when missing): `.A.B` in the
        root, or beside this Maildir when it is itself a subfolder (`.Inbox.A.B`)."""
        root, name = self.path, ""
        if self.path.name.startswith(".") or (self.path / "maildirfolder").exists():
            root, name = self.path.parent, self.path.name
        target = root / (name + "".join(f".{part}" for part in folder))
        try:
            for sub in SUBFOLDERS:
                (target / sub).mkdir(parents=True, exist_ok=True)
            (target / "maildirfolder").touch()
        except OSError as error:
            raise InboxError(f"cannot create a folder to file mail: {error.strerror}") from None
        return target


def _name(file_name: str) -> str:
    """Return a message file's unique name (before the ":2,…" info), as text a database
    stores: bytes that are no UTF-8 are written as escapes."""
    raw = file_name.partition(":")[0].encode("utf-8", "surrogateescape")
    return raw.decode("utf-8", "backslashreplace")


def _moved(path: str, folder: Path) -> bool:
    """Move the file into the same `new/` or `cur/` of `folder`; False when it is gone."""
    listed = Path(path)
    try:
        listed.rename(folder / listed.parent.name / listed.name)
    except FileNotFoundError:
        return False
    return True


def _bytes(path: str) -> bytes:
    with open(path, "rb") as opened:
        return opened.read(MAX_MAIL_BYTES)
