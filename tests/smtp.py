"""A real SMTP server for tests (aiosmtpd on 127.0.0.1) whose answers the test controls;
`SinkServer(..., smtputf8=True)` makes it offer SMTPUTF8 (RFC 6531), and
`SinkHandler(wire=bytearray())` keeps every byte the client sent."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

# What the server does with one message: "accept", a reply line such as "451 try later",
# "disconnect" (drop the connection once the whole message is in, before any reply: the
# client cannot know whether it was accepted), "drop-at-data" (drop it at the DATA
# command, before a byte of the message is taken) or "slow" (answer RCPT only after
# `delay` seconds, past the client's timeout; the message is then never taken).
Decision = Callable[[Envelope], str]


@dataclass
class Recorded:
    envelope_from: str
    recipients: list[str]
    data: bytes
    mail_options: list[str] = field(default_factory=list)


@dataclass
class SinkHandler:
    decide: Decision = lambda envelope: "accept"
    accepted: list[Recorded] = field(default_factory=list)
    refused: int = 0
    dropped: int = 0
    connections: int = 0
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Every byte clients sent, commands and data, when a test asks for it.
    wire: bytearray | None = None

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname
        with self.lock:
            self.connections += 1
        return responses

    def decision(self, envelope: Envelope) -> str:
        """Decide once per message (the server asks at RCPT and at DATA)."""
        if not hasattr(envelope, "decision"):
            envelope.decision = self.decide(envelope)  # type: ignore[attr-defined]
        return str(envelope.decision)  # type: ignore[attr-defined]

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        envelope.rcpt_tos.append(address)
        if self.decision(envelope) == "slow":
            await asyncio.sleep(self.delay)
            if server.transport is not None:
                server.transport.abort()
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        decision = self.decision(envelope)
        if decision == "disconnect":
            with self.lock:
                self.dropped += 1
            if server.transport is not None:
                server.transport.abort()
            return "421 connection dropped"
        if decision != "accept":
            with self.lock:
                self.refused += 1
            return decision
        data = envelope.original_content or b""
        with self.lock:
            self.accepted.append(
                Recorded(
                    str(envelope.mail_from),
                    list(envelope.rcpt_tos),
                    data,
                    list(envelope.mail_options),
                )
            )
        return "250 2.0.0 Ok: queued"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FaultySMTP(SMTP):
    """An SMTP server that can drop the connection at the DATA command."""

    def data_received(self, data: bytes) -> None:
        handler = self.event_handler
        if handler.wire is not None:
            with handler.lock:
                handler.wire += data
        super().data_received(data)

    async def smtp_DATA(self, arg: str) -> None:
        handler = self.event_handler
        if self.envelope is not None and handler.decision(self.envelope) == "drop-at-data":
            with handler.lock:
                handler.dropped += 1
            if self.transport is not None:
                self.transport.abort()
            return
        await super().smtp_DATA(arg)


class FaultyController(Controller):
    def factory(self) -> SMTP:
        return FaultySMTP(self.handler, **self.SMTP_kwargs)


class SinkServer:
    def __init__(self, handler: SinkHandler, port: int | None = None, smtputf8: bool = False):
        self.handler = handler
        self.controller = FaultyController(
            handler,
            hostname="127.0.0.1",
            port=port or free_port(),
            ready_timeout=10,
            enable_SMTPUTF8=smtputf8,
        )

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?security=none"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handler, name)
