"""Reading inbound mail robustly: headers, text in any charset, the reply without its
quoted history, and what kind of mail it is (bounce, auto-reply, person)."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from html.parser import HTMLParser

from flufl.bounce import all_failures
from mailparser_reply import EmailReplyParser

MAX_TEXT = 100_000
_AUTO_SUBJECT = re.compile(
    r"\b(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|absent|absence"
    r"|r[ée]ponse automatique|fuera de la oficina|respuesta autom[áa]tica|ausente"
    r"|vacation|on leave|en cong[ée])\b",
    re.IGNORECASE,
)
_BOUNCE_FROM = re.compile(r"^(mailer-daemon|postmaster|mail delivery)", re.IGNORECASE)
_MESSAGE_ID_LINE = re.compile(r"^Message-ID:\s*(<[^>\s]{1,250}>)", re.IGNORECASE | re.MULTILINE)
_REPLY_PARSER = EmailReplyParser(languages=["en", "fr", "es"])
_SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)
ADDRESS_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """Return `text` without control characters (databases refuse NUL; none belong in
    text a person wrote), keeping tabs and line breaks."""
    return _CONTROL.sub("", text)


def parsed(raw: bytes) -> EmailMessage:
    """Return the mail parsed leniently (defects are recorded on it, not raised)."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def header(mail: Message, name: str) -> str:
    """Return the header as text, or "" when missing or unparsable."""
    try:
        value = mail.get(name)
    except (ValueError, TypeError, IndexError):
        return ""
    return clean(str(value)).strip() if value is not None else ""


def addresses(mail: Message, names: tuple[str, ...] = ADDRESS_HEADERS) -> list[str]:
    found: list[str] = []
    for name in names:
        for value in mail.get_all(name, []) or []:
            found += re.findall(r"[^\s<>,;\"']+@[^\s<>,;\"']+", str(value))
    return found


def part_text(part: Message) -> str:
    """Return a text part decoded: its declared charset, else UTF-8, else Latin-1."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    for charset in (part.get_content_charset(), "utf-8"):
        if not charset:
            continue
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("latin-1")


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "hr", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skipping = max(0, self.skipping - 1)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.chunks.append(data)


def html_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    return re.sub(r"\n\s*\n+", "\n\n", "".join(extractor.chunks)).strip()


def body_text(mail: Message) -> str:
    """Return the mail's text: its plain part, else its HTML part as text."""
    plain = html = None
    for part in mail.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = part_text(part)
        elif kind == "text/html" and html is None:
            html = part_text(part)
    text = plain if plain is not None else html_text(html or "")
    return clean(text)[:MAX_TEXT]


def reply_text(text: str) -> str:
    """Return the new part of a reply: quoted history and signature removed."""
    try:
        latest = _REPLY_PARSER.parse_reply(text)
    except (ValueError, IndexError, AttributeError):
        latest = None
    # The library knows "-- " (RFC 3676); many clients trim it to "--".
    return _SIGNATURE.split(latest or text, maxsplit=1)[0].strip()


def is_auto_reply(mail: Message) -> bool:
    auto = header(mail, "Auto-Submitted").lower()
    if auto and auto != "no":
        return True
    if header(mail, "X-Autoreply") or header(mail, "X-Autorespond"):
        return True
    if header(mail, "Precedence").lower() in ("auto_reply", "auto-reply"):
        return True
    return bool(_AUTO_SUBJECT.search(header(mail, "Subject")))


def is_bounce(mail: Message) -> bool:
    if mail.get_content_type() == "multipart/report":
        return True
    sender = header(mail, "From")
    name_or_address = sender.split("<")[-1] if "<" in sender else sender
    return bool(_BOUNCE_FROM.match(name_or_address.strip())) or bool(
        _BOUNCE_FROM.match(sender.strip())
    )


def bounce_failures(mail: Message) -> tuple[set[str], set[str]]:
    """Return (temporary, permanent) failing recipient addresses, per flufl.bounce."""
    try:
        temporary, permanent = all_failures(mail)
    except Exception:
        return set(), set()
    decode = lambda found: {a.decode("ascii", "replace").lower() for a in found}  # noqa: E731
    return decode(temporary), decode(permanent)


def dsn_status(mail: Message) -> str | None:
    """Return the first delivery status code (e.g. "5.1.1") of a bounce: from its
    delivery-status report, else from its text (qmail writes "(#5.1.1)")."""
    for part in mail.walk():
        if part.get_content_type() == "message/delivery-status":
            for block in part.get_payload() or []:
                status = header(block, "Status") if isinstance(block, Message) else ""
                if re.fullmatch(r"[245]\.\d{1,3}\.\d{1,3}", status):
                    return status
    match = re.search(r"(?:Status:\s*|#)([245]\.\d{1,3}\.\d{1,3})", body_text(mail))
    return match.group(1) if match else None


def referenced_ids(mail: Message) -> list[str]:
    """Return the Message-IDs the mail refers to: In-Reply-To, References, and for
    bounces the Message-ID of the returned original (attached or quoted)."""
    found = re.findall(
        r"<[^<>\s]{1,250}>", f"{header(mail, 'In-Reply-To')} {header(mail, 'References')}"
    )
    for part in mail.walk():
        if part is not mail and header(part, "Message-ID"):
            found.append(header(part, "Message-ID"))
        if part.get_content_type() in ("text/rfc822-headers", "text/plain"):
            found += _MESSAGE_ID_LINE.findall(part_text(part))
    own = header(mail, "Message-ID")
    return [identifier for identifier in dict.fromkeys(found) if identifier != own]
