"""What every transport promises: how handing a message over can fail, the `Submission`
that reads the answer, and the `Transport` protocol."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class DeliveryFailure(Exception):
    """The message was not accepted; `reason` is what the server (or the system) said."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class TemporaryFailure(DeliveryFailure):
    """4xx replies, refused or lost connections, timeouts: worth trying again later."""


class PermanentFailure(DeliveryFailure):
    """5xx replies: trying again would give the same answer."""


class UncertainDelivery(DeliveryFailure):
    """The connection was lost or timed out after the whole message had been written,
    before the server answered: it may have been accepted (RFC 1047). Sending it again
    could deliver it twice."""


class Submission:
    """A message written to the transport whose answer is read by `answer()`: the server's
    reply, or the `DeliveryFailure` the transport met."""

    def __init__(self, read: Callable[[], str]) -> None:
        self._read = read

    @classmethod
    def of(cls, reply: str) -> Submission:
        return cls(lambda: reply)

    @classmethod
    def failed(cls, failure: DeliveryFailure) -> Submission:
        def reraise() -> str:
            raise failure

        return cls(reraise)

    def answer(self) -> str:
        return self._read()


class Transport(Protocol):
    def accepts_utf8(self) -> bool:
        """True when a message with UTF-8 addresses and headers can go this way; raises
        `TemporaryFailure` when that cannot be known now (the server is unreachable)."""
        ...

    def send(
        self, envelope_from: str, recipient: str, message: bytes, utf8: bool = False
    ) -> str: ...

    def announce(self, envelope_from: str, recipient: str, utf8: bool = False) -> None:
        """Open the envelope of the message `submit` will write next, delivering nothing;
        never raises (what goes wrong is met again by `submit`)."""
        ...

    def withdraw(self) -> None:
        """Take back the announced envelope: its message is not to go."""
        ...

    def submit(
        self, envelope_from: str, recipient: str, message: bytes, utf8: bool = False
    ) -> Submission: ...

    def close(self) -> None: ...
