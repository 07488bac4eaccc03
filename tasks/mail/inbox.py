"""Where replies and bounces arrive: a Maildir, or an IMAP mailbox over TLS.

`CONTINUITY_INBOX_URL` names it: `maildir://PATH`, `imaps://user:password@host[:port]/MAILBOX`
or `imap://…` (STARTTLS, required). A mail is only flagged as seen (`\\Seen` on IMAP, the
`S` flag in `cur/` on a Maildir) once the caller has committed its record, so a crash
leaves it to be read again, and the record's unique key keeps it from counting twice.
"""

from __future__ import annotations

import imaplib
import mailbox
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

MAX_MAIL_BYTES = 25 * 1024 * 1024


class InboxError(Exception):
    """The inbox cannot be reached or read; nothing was marked."""


@dataclass(frozen=True)
class InboxItem:
    key: str
    raw: bytes


class Inbox(Protocol):
    def unread(self) -> Iterator[InboxItem]: ...

    def mark_done(self, key: str) -> None: ...


class MaildirInbox:
    """A Maildir read by its file names alone: parsing a hostile mail just to learn it is
    unread could fail before the mail is even recorded."""

    def __init__(self, path: Path) -> None:
        self.path = path
        mailbox.Maildir(path, create=True)  # makes new/, cur/ and tmp/ when missing
        self.files: dict[str, Path] = {}

    def unread(self) -> Iterator[InboxItem]:
        found = (
            (file.name.partition(":")[0], file)
            for folder in ("new", "cur")
            for file in (self.path / folder).iterdir()
            if not file.name.startswith(".")
        )
        for key, file in sorted(found):
            if "S" in _flags(file):
                continue
            self.files[key] = file
            try:
                with file.open("rb") as opened:
                    raw = opened.read(MAX_MAIL_BYTES)
            except FileNotFoundError:  # another reader moved it meanwhile
                continue
            yield InboxItem(f"maildir:{key}", raw)

    def mark_done(self, key: str) -> None:
        name = key.removeprefix("maildir:")
        file = self.files.pop(name)
        flags = "".join(sorted(set(_flags(file) + "S")))
        file.rename(self.path / "cur" / f"{name}:2,{flags}")


def _flags(file: Path) -> str:
    """Return the Maildir flags (the info after ":2,") of a message file's name."""
    info = file.name.partition(":")[2]
    return info[2:] if info.startswith("2,") else ""


class IMAPInbox:
    def __init__(self, connection: imaplib.IMAP4, folder: str) -> None:
        self.connection = connection
        status, _ = connection.select(_quoted(folder))
        if status != "OK":
            raise InboxError(f"cannot open mailbox {folder!r}")
        validity = connection.response("UIDVALIDITY")[1]
        self.prefix = f"imap:{folder}:{(validity[0] or b'0').decode()}"

    def unread(self) -> Iterator[InboxItem]:
        status, data = self.connection.uid("SEARCH", "UNSEEN")
        if status != "OK":
            raise InboxError("IMAP search failed")
        for uid in (data[0] or b"").split():
            status, parts = self.connection.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
            raw = next((part[1] for part in parts if isinstance(part, tuple)), None)
            if status == "OK" and isinstance(raw, bytes):
                yield InboxItem(f"{self.prefix}:{uid.decode()}", raw[:MAX_MAIL_BYTES])

    def mark_done(self, key: str) -> None:
        uid = key.rsplit(":", 1)[1]
        self.connection.uid("STORE", uid, "+FLAGS", "(\\Seen)")


def _quoted(folder: str) -> str:
    return '"' + re.sub(r'(["\\])', r"\\\1", folder) + '"'


@contextmanager
def open_inbox(url: str, timeout: float = 30.0) -> Iterator[Inbox]:
    """Yield the inbox `url` names; raise `InboxError` when it cannot be opened."""
    scheme, _, rest = url.partition("://")
    if scheme == "maildir":
        yield MaildirInbox(Path(rest))
        return
    parts = urlsplit(url)
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    try:
        connection = _imap_connection(scheme, parts.hostname or "", parts.port, timeout)
        connection.login(unquote(parts.username or ""), unquote(parts.password or ""))
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as error:
        raise InboxError(f"cannot log in to {parts.hostname}: {error}") from None
    try:
        yield IMAPInbox(connection, folder)
    except (imaplib.IMAP4.error, OSError) as error:
        raise InboxError(f"IMAP error on {parts.hostname}: {error}") from None
    finally:
        with suppress(imaplib.IMAP4.error, OSError):
            connection.logout()


def _imap_connection(scheme: str, host: str, port: int | None, timeout: float) -> imaplib.IMAP4:
    context = ssl.create_default_context()
    if scheme == "imaps":
        return imaplib.IMAP4_SSL(host, port or 993, ssl_context=context, timeout=timeout)
    if scheme == "imap":
        connection = imaplib.IMAP4(host, port or 143, timeout=timeout)
        connection.starttls(ssl_context=context)
        return connection
    raise InboxError(f"unknown inbox scheme {scheme!r}")
