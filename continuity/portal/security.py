"""The portal's defences: CSRF tokens, security headers and body size limits (the limit on
failed token look-ups is in `portal_limits`)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

CSRF_LIFETIME_SECONDS = 24 * 3600
# What `csrf_token` writes: ASCII digits (not str.isdigit(), which takes "²" and "٣"), a
# dot, a hex SHA-256. Anything else is refused before it reaches int() or compare_digest
# (which raises on non-ASCII text).
CSRF_SHAPE = re.compile(r"(?P<issued>[0-9]{1,12})\.[0-9a-f]{64}")
MAX_BODY_BYTES = 64 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self';"
        " base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def csrf_token(secret: str, subject: str, now: float) -> str:
    """Return a CSRF token binding a form to `subject` (the link's token hash)."""
    issued = str(int(now))
    mac = hmac.new(secret.encode(), f"csrf:{subject}:{issued}".encode(), hashlib.sha256)
    return f"{issued}.{mac.hexdigest()}"


def csrf_valid(secret: str, subject: str, value: str, now: float) -> bool:
    """Return True when `value` was issued by `csrf_token` for `subject` within a day;
    False for anything else, whatever its characters."""
    shape = CSRF_SHAPE.fullmatch(value)
    if shape is None or not 0 <= now - int(shape["issued"]) <= CSRF_LIFETIME_SECONDS:
        return False
    return hmac.compare_digest(csrf_token(secret, subject, int(shape["issued"])), value)


class SecurityHeaders:
    """Adds the security headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyLimit:
    """Refuses request bodies over `limit` bytes (413), whether announced or streamed."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            await _too_large(send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await _too_large(send)


class BodyTooLarge(Exception):
    pass


async def _too_large(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": b"request too large"})
