"""Reading inbound mail robustly: headers as written, text in any charset, the Message-IDs
it refers to, and whether a machine answered (an auto-reply)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

from tasks.responses.forms import CONTROL

MAX_TEXT = 100_000
# Subjects of automatic answers, in the languages partners' clients use (Outlook/Exchange,
# Gmail, Thunderbird, Zimbra, Mail.ru, Yandex…): these phrases are never a person's own.
_AUTO_SUBJECT = re.compile(
    r"\b(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response"
    r"|r[ée]ponse automatique|respuesta autom[áa]tica|resposta autom[áa]tica"
    r"|automatische antwort|abwesenheitsnotiz|risposta automatica|automatisch antwoord"
    r"|automatyczna odpowied[źz]|odpowied[źz] automatyczna|автоответ|автоматический ответ"
    r"|otomatik yan[ıi]t|balasan otomatis|tr[ảa] l[ờo]i t[ựu] [đd][ộo]ng)\b"  # noqa: RUF001 (Turkish, meant)
    r"|رد تلقائي|الرد التلقائي|خارج المكتب|自动回复|自動回覆|自動応答|自動返信|자동 회신|자동응답",
    re.IGNORECASE,
)
# Words an absence notice uses that a person's answer may use too ("Re: absence of data"):
# they count only in a subject that is not a reply to ours.
_ABSENCE_SUBJECT = re.compile(
    r"\b(absent|absence|vacation|on leave|away from (the )?office|en cong[ée]|hors du bureau"
    r"|fuera de la oficina|ausente|ausencia|fora do escrit[óo]rio|abwesend|nicht im b[üu]ro"
    r"|fuori sede|fuori ufficio|afwezig|nieobecno[śs][ćc]|отсутствую|нет на месте|в отпуске)\b",
    re.IGNORECASE,
)
_REPLY_PREFIX = re.compile(r"^\s*(re|r[ée]f|rv|aw|sv|vs|odp|ynt|rif|antw|ответ|رد)\s*:", re.I)
_MESSAGE_ID_LINE = re.compile(r"^Message-ID:\s*(<[^>\s]{1,250}>)", re.IGNORECASE | re.MULTILINE)
ADDRESS_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


def clean(text: str) -> str:
    """Return `text` without control characters (databases refuse NUL; none belong in
    text a person wrote), keeping tabs and line breaks."""
    return CONTROL.sub("", text)


def parsed(raw: bytes) -> EmailMessage:
    """Return the mail parsed leniently (defects are recorded on it, not raised)."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def header(mail: Message, name: str) -> str:
    """Return the header as text, or "" when missing. A header the library cannot parse
    (a broken group, an unterminated quote) comes back as written."""
    try:
        value = mail.get(name)
    except Exception:  # the structured parser fails in many ways on hostile values
        value = next((raw for key, raw in _raw_items(mail) if key.lower() == name.lower()), None)
    return clean(str(value)).strip() if value is not None else ""


def written_at(mail: Message) -> datetime | None:
    """Return the mail's `Date:` in UTC (a date without a zone, "-0000", taken as UTC);
    None when it has none or none that reads as a time: garbage, a year past 9999 (in
    UTC too), an offset of a day or more, a header longer than any date."""
    # As written: the library's own reading takes a date from the start of any length.
    text = next((raw for key, raw in _raw_items(mail) if key.lower() == "date"), "").strip()
    if len(text) > 200:
        return None
    try:
        written = parsedate_to_datetime(text)
        if written.tzinfo is None:
            written = written.replace(tzinfo=UTC)
        return written.astimezone(UTC)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def addresses(mail: Message, names: tuple[str, ...] = ADDRESS_HEADERS) -> list[str]:
    """Return what looks like an address in the named headers, read as written (never
    through the structured parser, which a hostile header can break)."""
    wanted = {name.lower() for name in names}
    found: list[str] = []
    for key, value in _raw_items(mail):
        if key.lower() in wanted:
            found += re.findall(r"[^\s<>,;\"']+@[^\s<>,;\"']+", str(value)[:10_000])
    return found


def _raw_items(mail: Message) -> list[tuple[str, str]]:
    """Return the headers as written, without parsing their values."""
    if isinstance(mail, EmailMessage):
        return [(str(key), str(value)) for key, value in mail.raw_items()]
    return [(str(key), str(value)) for key, value in mail.items()]


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


def bodies(mail: Message) -> tuple[str | None, str | None]:
    """Return the first inline text/plain and text/html parts, decoded; None when missing."""
    plain = markup = None
    for part in mail.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = part_text(part)
        elif kind == "text/html" and markup is None:
            markup = part_text(part)
    return plain, markup


def body_text(mail: Message) -> str:
    """Return the mail's text: its plain part, else its HTML part as text."""
    plain, markup = bodies(mail)
    text = plain if plain is not None else html_text(markup or "")
    return clean(text)[:MAX_TEXT]


def is_auto_reply(mail: Message) -> bool:
    auto = header(mail, "Auto-Submitted").lower()
    if auto and auto != "no":
        return True
    if header(mail, "X-Autoreply") or header(mail, "X-Autorespond"):
        return True
    if header(mail, "Precedence").lower() in ("auto_reply", "auto-reply", "bulk", "junk"):
        return True
    # Exchange 2003 and some webmails mark their automatic answers so.
    if header(mail, "X-Autogenerated") or header(mail, "X-Autoresponder"):
        return True
    subject = header(mail, "Subject")
    if _AUTO_SUBJECT.search(subject):
        return True
    return not _REPLY_PREFIX.match(subject) and bool(_ABSENCE_SUBJECT.search(subject))


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
