"""Personal links, tokens, Message-IDs and reply addresses of outgoing messages.

A message's token is 256 random bits, made when the message is handed to the mail server;
only its SHA-256 is stored. Message-IDs and reply addresses are derived from the outbox row
and the secret key, so they are the same on every attempt and a reply can be matched to its
message without storing anything more.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from email.utils import parseaddr
from functools import lru_cache

TOKEN_BYTES = 32
_TAG = re.compile(r"(?P<tag>[rbu])(?P<id>\d{1,18})\.(?P<mac>[0-9a-f]{12})")
_RFC_ID = re.compile(r"<continuity\.(?P<id>\d{1,18})\.(?P<mac>[0-9a-f]{16})@[^<>\s]{1,253}>")
_PURPOSES = {"r": "reply", "b": "bounce", "u": "unsubscribe"}


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """Return the hex SHA-256 under which a token is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _mac(secret: str, purpose: str, message_id: int, length: int) -> str:
    # The one-shot function: the same HMAC-SHA256 as `hmac.new`, without building an object
    # (five of these per message).
    digest = hmac.digest(secret.encode(), f"{purpose}:{message_id}".encode(), "sha256")
    return digest.hex()[:length]


@lru_cache(maxsize=16)
def sender_parts(sender: str) -> tuple[str, str, str]:
    """Return (display name, local part, domain) of a `Name <local@domain>` address (one
    sender per deployment, parsed once: it is asked six times per message)."""
    name, address = parseaddr(sender)
    local, _, domain = address.rpartition("@")
    return name, local, domain


def rfc_message_id(secret: str, message_id: int, sender: str) -> str:
    """Return the Message-ID header value of outbox row `message_id`."""
    domain = sender_parts(sender)[2]
    return f"<continuity.{message_id}.{_mac(secret, 'msgid', message_id, 16)}@{domain}>"


def message_of_rfc_id(secret: str, rfc_id: str) -> int | None:
    """Return the outbox row whose Message-ID is `rfc_id` (`<continuity.N.MAC@domain>`), or
    None when it is not one of ours or its MAC is forged."""
    match = _RFC_ID.fullmatch(rfc_id.strip())
    if match is None:
        return None
    message_id = int(match["id"])
    expected = _mac(secret, "msgid", message_id, 16)
    return message_id if hmac.compare_digest(expected, match["mac"]) else None


def reply_address(secret: str, message_id: int, sender: str) -> str:
    """Return the plus-address replies to outbox row `message_id` should go to."""
    _, local, domain = sender_parts(sender)
    return f"{local}+r{message_id}.{_mac(secret, 'reply', message_id, 12)}@{domain}"


def unsubscribe_address(secret: str, message_id: int, sender: str) -> str:
    _, local, domain = sender_parts(sender)
    return f"{local}+u{message_id}.{_mac(secret, 'unsubscribe', message_id, 12)}@{domain}"


def message_of_address(secret: str, address: str, purpose: str = "reply") -> int | None:
    """Return the outbox row a plus-address of ours names for `purpose` ("reply",
    "bounce" or "unsubscribe"), or None if it is not ours, not that purpose, or forged."""
    local = parseaddr(address)[1].rpartition("@")[0]
    _, plus, tag = local.partition("+")
    match = _TAG.fullmatch(tag) if plus else None
    if match is None or _PURPOSES[match["tag"]] != purpose:
        return None
    message_id = int(match["id"])
    expected = _mac(secret, purpose, message_id, 12)
    return message_id if hmac.compare_digest(expected, match["mac"]) else None


def respond_link(portal_url: str, token: str) -> str:
    return f"{portal_url}/r/{token}"


def opt_out_link(portal_url: str, token: str) -> str:
    return f"{portal_url}/opt-out/{token}"


def handled_link(portal_url: str, token: str) -> str:
    """Return the link of a focal-point digest's page, where its messages are marked
    handled (the portal opens it for digests only)."""
    return f"{portal_url}/handled/{token}"


def bounce_address(secret: str, message_id: int, sender: str) -> str:
    """Return the envelope sender (VERP) for outbox row `message_id`."""
    _, local, domain = sender_parts(sender)
    return f"{local}+b{message_id}.{_mac(secret, 'bounce', message_id, 12)}@{domain}"
