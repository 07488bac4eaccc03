"""What every inbox offers the collector, and what it is told: the mail it has not recorded
yet, a way to mark one collected, and folders to file handled mail into."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

MAX_MAIL_BYTES = 25 * 1024 * 1024
# The database's width for a mailbox's name and a mail's key.
MAX_NAME = 512
# A folder name's part: letters of any script, digits, spaces, "-" and "_". No hierarchy
# separator ("/", "." on Maildir++), no IMAP wildcard or quoting character.
FOLDER_PART = re.compile(r"\w[\w\- ]{0,58}[\w\-]|\w")


class InboxError(Exception):
    """The inbox cannot be reached or read, or a mail cannot be filed."""


@dataclass(frozen=True)
class InboxItem:
    """One mail of the inbox: `key` names it across mailboxes and is recorded with it
    (`maildir:NAME`, `imap:FOLDER:UIDVALIDITY:UID`); `name` within its mailbox, as the
    collector marks it (a Maildir's unique name, an IMAP UID; the key when not given);
    `uid` is its IMAP UID."""

    key: str
    raw: bytes
    name: str = ""
    uid: int | None = None

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.key)


class Recorded(Protocol):
    """The collector's memory of one mailbox: the mails it recorded there."""

    def among(self, names: Sequence[str]) -> set[str]:
        """Return those of `names` that were recorded."""
        ...

    def highest_uid(self) -> int:
        """Return the highest IMAP UID recorded, 0 when none was."""
        ...


class Inbox(Protocol):
    """A mailbox people read too: reading it never changes a flag they read by."""

    mailbox: str  # the name the collector's marks for this mailbox are kept under

    def new_mail(self, recorded: Recorded) -> Iterator[InboxItem]:
        """Yield every mail not recorded yet, read or unread, oldest first."""
        ...

    def mark_collected(self, item: InboxItem) -> None:
        """Mark the mail collected where the inbox can keep a mark of its own."""
        ...

    def file(self, item: InboxItem, folder: Sequence[str]) -> None:
        """Move the mail, flags and all, into `folder` (its path, part by part), created
        when missing; raise `InboxError` when it cannot be."""
        ...


def folder_path(text: str) -> tuple[str, ...]:
    """Return the parts of a folder path written with "/" (`Continuity/Handled`); raise
    `ValueError` for a part that is not a plain name (see `FOLDER_PART`)."""
    parts = tuple(part.strip() for part in text.split("/"))
    if len(parts) > 5 or not all(FOLDER_PART.fullmatch(part) for part in parts):
        raise ValueError(
            "must be folder names separated by /, each of letters, digits, spaces, - and _"
            " (at most 60 characters, 5 levels)"
        )
    return parts


def bounded(name: str, width: int = MAX_NAME) -> str:
    """Return `name` when it fits in `width` characters, else its start and a digest of
    the whole: two long names sharing a start stay apart."""
    if len(name) <= width:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{name[: width - len(digest) - 1]}#{digest}"
