"""The bytes of a multipart/alternative e-mail (plain text and HTML, UTF-8, base64).

The encoding is the standard library's (`email.header`, `email.utils`, `base64`); only the
assembly is ours, because building through `email.message` or `emails` cost 1 to 2 ms per
message, the largest share of a campaign's delivery time (see README, "Measured figures").
The output is checked against the standard library's parser in tests/test_mime.py.

Headers named as UTF-8 (an address with a non-ASCII local part or domain, by a route that
takes UTF-8) are written as raw UTF-8, as RFC 6532 allows: an address has no encoded-word
form.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Collection, Iterable
from email.header import Header

CRLF = "\r\n"
FOLD_AT = 78
MAX_LINE = 998
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class HeaderError(ValueError):
    """A header value would break the message: a line break, or a name that is not one."""


def header_line(name: str, value: str, utf8: bool = False) -> str:
    """Return `name: value` as a header line ending in CRLF; non-ASCII values become
    RFC 2047 encoded words, folded, unless `utf8` (then they stay as written, RFC 6532).
    Raises `HeaderError` for a value carrying CR, LF (header injection) or another
    control character, a word too long for a line, or a malformed name."""
    if not name.isascii() or not name.replace("-", "").isalnum():
        raise HeaderError(f"not a header name: {name!r}")
    if "\r" in value or "\n" in value:
        raise HeaderError(f"the {name} header carries a line break")
    if CONTROL.search(value):
        raise HeaderError(f"the {name} header carries a control character")
    # Folding ASCII at 78 would start some values on a blank line; 998 is the hard limit.
    if value.isascii() and len(name) + len(value) + 2 <= MAX_LINE:
        return f"{name}: {value}{CRLF}"
    if utf8 and not value.isascii():
        if len(name) + len(value.encode()) + 2 > MAX_LINE:
            raise HeaderError(f"the {name} header is longer than a line may be")
        return f"{name}: {value}{CRLF}"
    charset = "us-ascii" if value.isascii() else "utf-8"
    folded = Header(value, charset, maxlinelen=FOLD_AT, header_name=name).encode(linesep=CRLF)
    line = f"{name}: {folded}{CRLF}"
    if max(len(part) for part in line.split(CRLF)) > MAX_LINE:
        raise HeaderError(f"the {name} header has a word longer than a line may be")
    return line


def _part(subtype: str, body: str) -> bytes:
    encoded = base64.encodebytes(body.encode("utf-8")).replace(b"\n", CRLF.encode())
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}'
        f"Content-Transfer-Encoding: base64{CRLF}{CRLF}"
    ).encode() + encoded


def alternative_message(
    headers: Iterable[tuple[str, str]], text: str, html: str, utf8: Collection[str] = ()
) -> bytes:
    """Return the RFC 5322 bytes of a message with `headers` (already formatted values:
    addresses through `email.utils.formataddr`) and a text and an HTML part; the headers
    named in `utf8` are written as raw UTF-8 (RFC 6532)."""
    boundary = f"=_{secrets.token_hex(16)}"
    head = "".join(header_line(name, value, name in utf8) for name, value in headers)
    head += f"MIME-Version: 1.0{CRLF}"
    head += f'Content-Type: multipart/alternative; boundary="{boundary}"{CRLF}{CRLF}'
    delimiter = f"--{boundary}{CRLF}".encode()
    return b"".join(
        [
            head.encode(),
            delimiter,
            _part("plain", text),
            CRLF.encode(),
            delimiter,
            _part("html", html),
            f"{CRLF}--{boundary}--{CRLF}".encode(),
        ]
    )
