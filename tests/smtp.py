"""A real SMTP server for tests (aiosmtpd on 127.0.0.1) whose answers the test controls."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

# What the server does with one message: "accept", a reply line such as "451 try later",
# or "disconnect" (drop the connection in the middle of DATA, before any reply).
Decision = Callable[[Envelope], str]


@dataclass
class Recorded:
    envelope_from: str
    recipients: list[str]
    data: bytes


@dataclass
class SinkHandler:
    decide: Decision = lambda envelope: "accept"
    accepted: list[Recorded] = field(default_factory=list)
    refused: int = 0
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

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

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        decision = self.decide(envelope)
        if decision == "disconnect":
            if server.transport is not None:
                server.transport.abort()
            return "421 connection dropped"
        if decision != "accept":
            with self.lock:
                self.refused += 1
            return decision
        data = envelope.original_content or b""
        with self.lock:
            self.accepted.append(Recorded(str(envelope.mail_from), list(envelope.rcpt_tos), data))
        return "250 2.0.0 Ok: queued"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SinkServer:
    def __init__(self, handler: SinkHandler) -> None:
        self.handler = handler
        self.controller = Controller(
            handler, hostname="127.0.0.1", port=free_port(), ready_timeout=10
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
