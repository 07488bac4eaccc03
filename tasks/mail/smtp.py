"""The SMTP transport: one connection, opened on first use and reopened after it is lost,
asking for SMTPUTF8 only for a message that needs it (RFC 6531)."""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from tasks.mail.addresses import NO_SMTPUTF8
from tasks.mail.handoff import (
    DeliveryFailure,
    PermanentFailure,
    Submission,
    TemporaryFailure,
    UncertainDelivery,
)

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer


class _DataEndTracking:
    """Remembers whether the end of a message's data (CRLF.CRLF) has been written."""

    data_ended = False

    def send(self, s: ReadableBuffer | str) -> None:
        super().send(s)  # type: ignore[misc]
        if isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.data_ended = True


class _SMTP(_DataEndTracking, smtplib.SMTP):
    pass


class _SMTP_SSL(_DataEndTracking, smtplib.SMTP_SSL):
    pass


@dataclass(frozen=True)
class SMTPSettings:
    host: str
    port: int
    security: str
    username: str | None
    password: str | None
    timeout: float


def smtp_settings(url: str, timeout: float) -> SMTPSettings:
    """Return the SMTP settings in `url`; raise ValueError naming what is wrong."""
    parts = urlsplit(url)
    security = parse_qs(parts.query).get("security", ["starttls"])[0]
    if security not in ("starttls", "ssl", "none"):
        raise ValueError(f"security must be starttls, ssl or none, not {security!r}")
    if not parts.hostname:
        raise ValueError("the SMTP URL names no host")
    default_port = {"ssl": 465, "starttls": 587, "none": 25}[security]
    return SMTPSettings(
        host=parts.hostname,
        port=parts.port or default_port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=timeout,
    )


class SMTPTransport:
    """One SMTP connection, opened on first use and reopened after it is lost."""

    def __init__(self, settings: SMTPSettings) -> None:
        self.settings = settings
        self.connection: _SMTP | _SMTP_SSL | None = None
        # The MAIL FROM written by `announce` whose answer is not read yet.
        self.announced: str | None = None

    def _connected(self) -> _SMTP | _SMTP_SSL:
        if self.connection is not None:
            return self.connection
        settings = self.settings
        try:
            if settings.security == "ssl":
                connection: _SMTP | _SMTP_SSL = _SMTP_SSL(
                    settings.host,
                    settings.port,
                    timeout=settings.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                connection = _SMTP(settings.host, settings.port, timeout=settings.timeout)
            connection.ehlo()
            if settings.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
                connection.ehlo()
            if settings.username:
                connection.login(settings.username, settings.password or "")
        except smtplib.SMTPAuthenticationError as error:
            raise TemporaryFailure(f"SMTP login refused: {_reply(error)}") from None
        except (smtplib.SMTPException, OSError) as error:
            raise TemporaryFailure(
                f"cannot connect to {settings.host}:{settings.port}: {error}"
            ) from None
        self.connection = connection
        return connection

    def accepts_utf8(self) -> bool:
        return self._connected().has_extn("smtputf8")

    def send(self, envelope_from: str, recipient: str, message: bytes, utf8: bool = False) -> str:
        return self.submit(envelope_from, recipient, message, utf8).answer()

    def announce(self, envelope_from: str, recipient: str, utf8: bool = False) -> None:
        """Write the MAIL FROM of the message about to be submitted over the open
        connection without waiting for its answer, so that the server reads it while the
        caller commits the hand-over: nothing is delivered before the data ends, and
        `submit` writes the data only after. `submit` with the same envelope reads the
        answer; `withdraw` takes the envelope back. Nothing when no connection is open
        (`submit` opens one); trouble writing is left for `submit` to meet and report."""
        self.withdraw()  # one envelope at a time: answers must stay in step
        if self.connection is None:
            return
        try:
            mail_from = _mail_from(self.connection, envelope_from, recipient, utf8)
        except DeliveryFailure:  # it cannot go this way: `submit` says so, sending nothing
            return
        try:
            self.connection.putcmd("mail", mail_from)
        except (smtplib.SMTPException, OSError, ValueError):
            self._drop()
            return
        self.announced = mail_from

    def withdraw(self) -> None:
        """Take back an announced envelope whose message is not to go: read the answer to
        MAIL FROM and reset, or drop the connection when that fails."""
        if self.announced is None or self.connection is None:
            return
        self.announced = None
        try:
            code, _ = self.connection.getreply()
            if not 200 <= code < 600:  # not an answer: the exchange is out of step
                raise smtplib.SMTPResponseException(code, b"unreadable answer to MAIL FROM")
            self.connection.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def submit(
        self, envelope_from: str, recipient: str, message: bytes, utf8: bool = False
    ) -> Submission:
        """Write the envelope (its MAIL FROM already, if announced) and the whole message;
        the answer to the data is read by the returned submission (a failure before it is
        raised from there too). A message marked `utf8`, or with an envelope that is not
        ASCII, goes with SMTPUTF8, or fails (temporarily, nothing sent) when the server
        does not offer it."""
        announced, self.announced = self.announced, None
        try:
            connection = self._connected()
            mail_from = _mail_from(connection, envelope_from, recipient, utf8)
            if announced not in (None, mail_from):
                self._drop()  # its answer is unread: the exchange would be out of step
                raise ValueError("submit must follow announce with the same envelope")
            connection.data_ended = False
            with self._failures(connection):
                answer = connection.getreply() if announced else connection.docmd("mail", mail_from)
                _expect(answer, "MAIL FROM")
                _expect(connection.docmd("rcpt", f"TO:{_path(recipient)}"), "RCPT TO")
                code, reply = connection.docmd("data")
                if code != 354:
                    raise smtplib.SMTPDataError(code, reply)
                connection.send(_data_lines(message))
        except DeliveryFailure as failure:
            return Submission.failed(failure)
        return Submission(lambda: self._answer(connection))

    def _answer(self, connection: _SMTP | _SMTP_SSL) -> str:
        """Read the server's answer to the message just written."""
        with self._failures(connection):
            code, reply = connection.getreply()
            if not 200 <= code < 600:
                raise UncertainDelivery(f"an unreadable answer after the message: {reply!r}")
            _expect((code, reply), "DATA")
        return f"{code} {reply.decode('utf-8', 'replace')}"

    @contextmanager
    def _failures(self, connection: _SMTP | _SMTP_SSL) -> Iterator[None]:
        """Turn what the connection raises into a `DeliveryFailure`, leaving the connection
        ready for the next message (reset) or dropped."""
        try:
            yield
        except smtplib.SMTPResponseException as error:
            self._reset()
            raise _failure(error.smtp_code, f"DATA: {_reply(error)}") from None
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self._drop()
            lost = f"connection lost: {error or type(error).__name__}"
            if connection.data_ended:
                raise UncertainDelivery(f"{lost}, after the whole message was sent") from None
            raise TemporaryFailure(lost) from None
        except UncertainDelivery:
            self._drop()
            raise
        except DeliveryFailure:
            self._reset()
            raise

    def _reset(self) -> None:
        try:
            if self.connection is not None:
                self.connection.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        self.announced = None  # a new connection has no envelope open
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None

    def close(self) -> None:
        if self.connection is not None:
            with suppress(smtplib.SMTPException, OSError):
                self.connection.quit()
            self._drop()


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = (
        error.smtp_error.decode("utf-8", "replace")
        if isinstance(error.smtp_error, bytes)
        else str(error.smtp_error)
    )
    return f"{error.smtp_code} {text}"


def _failure(code: int, reason: str) -> DeliveryFailure:
    return PermanentFailure(reason) if 500 <= code < 600 else TemporaryFailure(reason)


_LEADING_DOT = re.compile(rb"(?m)^\.")
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def _mail_from(
    connection: _SMTP | _SMTP_SSL, envelope_from: str, recipient: str, utf8: bool
) -> str:
    """Return the MAIL command's argument: SMTPUTF8 for a message marked `utf8` or with an
    envelope that is not ASCII (raises `TemporaryFailure` when the server lacks it)."""
    utf8 = utf8 or not (envelope_from.isascii() and recipient.isascii())
    return f"FROM:{_path(envelope_from)}{_utf8_parameters(connection, utf8)}"


def _path(address: str) -> str:
    """Return `address` as a MAIL or RCPT argument, `<address>`. A plain address is used
    as it is; anything else goes through `smtplib.quoteaddr`, whose parsing cost more than
    the rest of the command."""
    return f"<{address}>" if _PLAIN_ADDRESS.fullmatch(address) else smtplib.quoteaddr(address)


def _utf8_parameters(connection: _SMTP | _SMTP_SSL, utf8: bool) -> str:
    """Return the MAIL FROM parameters a message needs: none for an ASCII one; SMTPUTF8
    (and BODY=8BITMIME, as `smtplib.SMTP.send_message` sends) for a UTF-8 one, whose
    commands then go as UTF-8. Raises `TemporaryFailure` when the server does not offer
    SMTPUTF8 (RFC 6531 3.2: checked before MAIL FROM): delivery composes a UTF-8 message
    only for a server that offered it, so this one is not the server the message was
    composed for (a reconnection reached another relay); composed again later, it goes as
    ASCII, or fails for good when its address needs SMTPUTF8."""
    if not utf8:
        return ""
    if not connection.has_extn("smtputf8"):
        raise TemporaryFailure(f"{NO_SMTPUTF8} (this connection's server)")
    connection.command_encoding = "utf-8"
    return " BODY=8BITMIME SMTPUTF8" if connection.has_extn("8bitmime") else " SMTPUTF8"


def _data_lines(message: bytes) -> bytes:
    """Return `message` as the DATA command sends it: leading dots doubled (RFC 5321
    4.5.2), ended by CRLF . CRLF, as `smtplib.SMTP.data` does."""
    quoted = _LEADING_DOT.sub(b"..", message)
    if not quoted.endswith(b"\r\n"):
        quoted += b"\r\n"
    return quoted + b".\r\n"


def _expect(answer: tuple[int, bytes], step: str) -> None:
    code, text = answer
    if not 200 <= code < 300:
        raise _failure(code, f"{step}: {code} {text.decode('utf-8', 'replace')}")
