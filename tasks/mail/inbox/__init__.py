"""Where replies and bounces arrive: a Maildir, or an IMAP mailbox over TLS.

`CONTINUITY_INBOX_URL` names it: `maildir://PATH`, `imaps://user:password@host[:port]/MAILBOX`
or `imap://…` (STARTTLS, required). It is the mailbox the partnerships team reads too: the
collector reads every mail once, read or unread, and never changes a flag people read by
(`\\Seen`, a Maildir's `S`). What it recorded it remembers itself: the caller's marks,
written in the transaction that records the mail (so a crash leaves neither), and on an
IMAP server that allows one, a keyword of its own. Optionally it files handled mail into
subfolders (`Inbox.file`), flags and all.
"""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tasks.mail.inbox.imap import IMAPInbox
from tasks.mail.inbox.maildir import MaildirInbox
from tasks.mail.inbox.protocol import (
    MAX_MAIL_BYTES,
    Inbox,
    InboxError,
    InboxItem,
    Recorded,
    folder_path,
)

__all__ = [
    "MAX_MAIL_BYTES",
    "IMAPInbox",
    "Inbox",
    "InboxError",
    "InboxItem",
    "MaildirInbox",
    "Recorded",
    "folder_path",
    "open_inbox",
]


@contextmanager
def open_inbox(url: str, timeout: float = 30.0) -> Iterator[Inbox]:
    """Yield the inbox `url` names; raise `InboxError` when it cannot be opened or read."""
    scheme, _, rest = url.partition("://")
    if scheme == "maildir":
        yield MaildirInbox(Path(rest))
        return
    parts = urlsplit(url)
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    user = unquote(parts.username or "")
    try:
        connection = _imap_connection(scheme, parts.hostname or "", parts.port, timeout)
        connection.login(user, unquote(parts.password or ""))
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as error:
        raise InboxError(f"cannot log in to {parts.hostname}: {error}") from None
    try:
        yield IMAPInbox(connection, folder, f"{user}@{parts.hostname}")
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
