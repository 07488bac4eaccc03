"""Where outgoing mail goes: a Maildir on disk, or an SMTP server over one reused connection.

`CONTINUITY_MAIL_URL` names it: `maildir://PATH` or
`smtp://[user[:password]@]host[:port][?security=starttls|ssl|none]`. A transport's `send`
returns the receiving side's answer, or raises `TemporaryFailure` (try later),
`PermanentFailure` (give up) or `UncertainDelivery` (it may have gone: never resend on
one's own). `submit` does the same in two steps: it writes the whole message, and the
`Submission` it returns reads the answer, so that the caller can prepare the next message
while the server takes this one in. `announce` may open the envelope before (SMTP: MAIL FROM
travels while the caller commits the hand-over); `withdraw` takes it back.

A message whose envelope or headers are not ASCII (an internationalised address, RFC 6531
and 6532) is marked `utf8`; `accepts_utf8` says whether the transport takes such mail (a
Maildir does; an SMTP server when it offers SMTPUTF8). The SMTP transport checks before
MAIL FROM and sends nothing of a message it cannot carry.
"""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tasks.mail.handoff import (
    DeliveryFailure,
    PermanentFailure,
    Submission,
    TemporaryFailure,
    Transport,
    UncertainDelivery,
)
from tasks.mail.smtp import SMTPTransport, smtp_settings

__all__ = [
    "DeliveryFailure",
    "MaildirTransport",
    "PermanentFailure",
    "SMTPTransport",
    "Submission",
    "TemporaryFailure",
    "Transport",
    "UncertainDelivery",
    "open_transport",
    "smtp_settings",
]


class MaildirTransport:
    """Delivers into a Maildir (written to tmp/, then renamed into new/: never half a file)."""

    def __init__(self, path: Path) -> None:
        self.mailbox = mailbox.Maildir(path, create=True)

    def accepts_utf8(self) -> bool:
        return True  # a file takes any bytes; mail readers read RFC 6532 headers

    def send(self, envelope_from: str, recipient: str, message: bytes, utf8: bool = False) -> str:
        try:
            key = self.mailbox.add(message)
        except OSError as error:
            raise TemporaryFailure(f"maildir: {error.strerror or error}") from None
        return f"stored in maildir as {key}"

    def announce(self, envelope_from: str, recipient: str, utf8: bool = False) -> None:
        """Nothing: a file has no envelope to open ahead."""

    def withdraw(self) -> None:
        """Nothing: nothing was announced."""

    def submit(
        self, envelope_from: str, recipient: str, message: bytes, utf8: bool = False
    ) -> Submission:
        try:
            return Submission.of(self.send(envelope_from, recipient, message))
        except DeliveryFailure as failure:
            return Submission.failed(failure)

    def close(self) -> None:
        self.mailbox.close()


@contextmanager
def open_transport(mail_url: str, timeout: float = 30.0) -> Iterator[Transport]:
    """Yield the transport `mail_url` names, closed afterwards."""
    scheme, _, rest = mail_url.partition("://")
    transport: Transport
    if scheme == "maildir":
        transport = MaildirTransport(Path(rest))
    elif scheme == "smtp":
        transport = SMTPTransport(smtp_settings(mail_url, timeout))
    else:
        raise ValueError(f"unknown mail transport {scheme!r}")
    try:
        yield transport
    finally:
        transport.close()
