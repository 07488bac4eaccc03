"""The parts and text of an inbound mail, walked and decoded within fixed bounds.

Hostile mail (thousands of nested multiparts, huge bodies, unknown charsets) must cost a
bounded amount of work, so nothing here recurses and every text is capped.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from email.message import Message

MAX_PARTS = 300
MAX_DEPTH = 40
MAX_TEXT = 200_000
_MESSAGE_ID = re.compile(r"^[ \t>]*Message-ID:[ \t]*(<[^<>\s]{1,400}>)", re.I | re.M)
# Report parts whose body is blocks of "Name: value" fields, which email parses as headers.
_FIELD_TYPES = frozenset(
    {"message/delivery-status", "message/global-delivery-status", "message/feedback-report"}
)
_ORIGINAL_TYPES = frozenset(
    {
        "message/rfc822",
        "text/rfc822-headers",
        "message/rfc822-headers",
        "message/global",
        "message/global-headers",
    }
)


@dataclass(frozen=True)
class Part:
    """One leaf of the mail: its content type, decoded text, and whether it is the original."""

    ctype: str
    text: str
    original: bool  # inside (or being) the returned or complained-about message
    message: Message


def content_type(part: Message) -> str:
    """Returns the lowercased content type, "text/plain" when the header is broken."""
    try:
        return str(part.get_content_type()).lower()
    except Exception:  # a malformed Content-Type header raises from deep in email
        return "text/plain"


def header(part: Message, name: str) -> str:
    """Returns the header's value as text, "" when absent or undecodable."""
    try:
        value = part.get(name)
    except Exception:  # header parsing under policy.default can raise on hostile input
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def decoded(part: Message) -> str:
    """Returns the part's body as text, at most MAX_TEXT characters; "" if it has none.

    Unknown or lying charsets fall back to UTF-8 with replacement characters.
    """
    try:
        raw = part.get_payload(decode=True)
    except Exception:  # broken base64/quoted-printable
        raw = None
    if raw is None:
        payload = part.get_payload()
        return payload[:MAX_TEXT] if isinstance(payload, str) else ""
    if not isinstance(raw, bytes):
        return ""
    raw = raw[: MAX_TEXT * 2]
    charset = "utf-8"
    with contextlib.suppress(Exception):  # an undecodable charset parameter keeps UTF-8
        charset = part.get_content_charset() or "utf-8"
    try:
        return raw.decode(charset, errors="replace")[:MAX_TEXT]
    except LookupError:
        return raw.decode("utf-8", errors="replace")[:MAX_TEXT]


def _children(part: Message) -> list[Message]:
    try:
        payload = part.get_payload()
    except Exception:  # a truncated multipart
        return []
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    return []


def _delivery_status_text(part: Message) -> str:
    # The email package parses message/delivery-status into one Message per field block,
    # but message/global-delivery-status (RFC 6533) into one message whose headers are the
    # first block and whose body holds the others, in UTF-8.
    blocks = []
    for block in _children(part)[:MAX_PARTS]:
        lines = [f"{k}: {header(block, k)}" for k in list(block.keys())[:100]]
        blocks.append("\n".join(lines))
        if rest := decoded(block).strip():
            blocks.append(rest)
    return "\n\n".join(blocks) if blocks else decoded(part)


def parts(mail: Message) -> list[Part]:
    """Returns the mail's leaf parts in document order, at most MAX_PARTS of them.

    Multiparts are walked without recursion; nesting deeper than MAX_DEPTH is ignored.
    """
    found: list[Part] = []
    stack: list[tuple[Message, int, bool]] = [(mail, 0, False)]
    while stack and len(found) < MAX_PARTS:
        part, depth, original = stack.pop()
        ctype = content_type(part)
        if ctype in _FIELD_TYPES:
            found.append(Part(ctype, _delivery_status_text(part), original, part))
            continue
        kids = _children(part)
        inner = original or ctype in _ORIGINAL_TYPES
        if kids and depth < MAX_DEPTH:
            if ctype.startswith("message/"):
                found.append(Part(ctype, "", True, kids[0]))
            stack.extend((k, depth + 1, inner) for k in reversed(kids))
        elif not kids:
            found.append(Part(ctype, decoded(part), inner, part))
    return found


def quoted_message_ids(text: str) -> list[str]:
    """Returns the "<...>" values of the "Message-ID:" lines quoted in the text, in order."""
    return [m.group(1) for m in _MESSAGE_ID.finditer(text)]
