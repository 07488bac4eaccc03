"""The new text of a partner's reply: without quoted history, quote headers or the
signatures mail clients add, from plain text or HTML, in any European language and Arabic.

Three detectors vote on where the quoted history starts and the earliest wins:
quotequail's reply/forward patterns, mail-parser-reply's per-language headers, and
`QUOTE_HEADERS` below for what both miss (Russian, Portuguese, Polish, Arabic, wrapped
Gmail headers, Outlook blocks in any language, Zoho, Mail.ru, Yandex). Text typed below
a ">" quote is kept: the whole reply when it opens with the quote (bottom-posting), a
sign-off set apart by a blank line when the reply wraps the quote.
"""

from __future__ import annotations

import re
from email.message import EmailMessage, Message

import quotequail
from mailparser_reply.constants import MAIL_LANGUAGES
from mailparser_reply.parser import EmailMessage as ParsedReply

from tasks.mail.html_replies import unquoted_html
from tasks.mail.reading import bodies, clean

MAX_TEXT = 100_000
SCAN_LINES = 2_000  # quote headers sit near the top; scanning more only costs time
PROBE_WIDTH = 300  # quote headers are short; long lines would make regexes slow
WRAP = 3  # Gmail wraps "On … <address>\nwrote:" over up to three lines

# Verbs that end an "On <date>, <name> wrote:" line, by language (data, not code).
# ruff's RUF001 flags Cyrillic, Greek and Turkish letters: here they are meant.
_VERBS = {
    "en fr es pt": r"wrote|a\s+écrit|escribió|escreveu",
    "de it nl": r"schrieb|ha\s+scritto|schreef|geschreven",
    "pl cs hr": r"napisał(?:\(a\)|a)?|pisze|napsal(?:\(a\))?|napisao|napisala",
    "ru uk": r"написал(?:\(а\)|а)?|пишет|написав(?:\(ла\))?|пише",  # noqa: RUF001
    "ar": r"كتب|كتبت|تمت\s+كتابة",
    "sv da no fi": r"skrev|kirjoitti",
    "tr ro hu el ca": r"yazdı|a\s+scris|írta|έγραψε|va\s+escriure",  # noqa: RUF001
    "vi id sw zh hi": r"đã\s+viết|menulis|aliandika|写道|寫道|ने\s+लिखा",
}
_VERB = "|".join(_VERBS.values())
_ADDRESS = r"<?[^\s<>]+@[^\s<>]+>?[\"»]?"
_SEPARATORS = (
    r"Original Message|Reply Message|Antwort Nachricht|Message d'origine|Mensaje original"
    r"|Mensagem original|Ursprüngliche Nachricht|Messaggio originale|Oorspronkelijk bericht"
    r"|Oryginalna wiadomość|Wiadomość oryginalna|Исходное сообщение|Пересылаемое сообщение"
    r"|Forwarded message|Message transféré|Mensaje reenviado|Mensagem encaminhada"
    r"|Weitergeleitete Nachricht|Messaggio inoltrato|Doorgestuurd bericht|Původní zpráva"
    r"|Ursprungligt meddelande|Oprindelig meddelelse|الرسالة الأصلية|رسالة معاد توجيهها"
)
# Quote headers as whole (possibly wrapped) lines, matched on whitespace-normalised text.
QUOTE_HEADERS = (
    # Gmail, Apple Mail, Yahoo's "--- On …", Zoho; Outlook may omit the colon.
    rf"[-\s]*On\b.{{1,400}}\b(?:{_VERB}|sent)\s*[:\uff1a]?\s*-*",
    rf"-{{2,}}\s*.{{1,300}}\b(?:{_VERB})\s*-{{2,}}",  # Android and Zoho: "---- X wrote ----"
    rf".{{0,400}}?(?:\d|@).{{0,400}}?\b(?:{_VERB})\b[^:\uff1a\n]{{0,200}}(?:[:\uff1a]|\s-{{2,}})",
    rf".{{0,200}}\d.{{0,200}}\s{_ADDRESS}\s*[:\uff1a]",  # Mail.ru "… от X <a@b>:", Yandex
    r"(?:Message du|Mensaje del|Nachricht vom|Messaggio del)\s*:?\s*\d.{0,80}",  # webmails
    rf"-{{2,}}\s*(?:{_SEPARATORS})\s*-{{2,}}",
    r"_{20,}",
)
# Outlook's header block: a "From" field, then another field within three lines.
_FROM_FIELDS = "From|De|Von|Van|Da|Od|От|Från|Fra|Lähettäjä|Kimden|Feladó|Від|Από|من"
_FIELDS = (
    _FROM_FIELDS + "|Sent|To|Subject|Date|Cc|Envoyé|À|A|Objet|Enviado|Enviada|Para|Asunto"
    "|Assunto|Fecha|Data|Gesendet|An|Betreff|Datum|Verzonden|Aan|Onderwerp|Inviato|Oggetto"
    "|Wysłano|Do|Temat|Отправлено|Кому|Тема|Дата|Копия|Skickat|Till|Ämne|Sendt|Til|Emne"
    "|تم الإرسال|إلى|الموضوع|التاريخ|Gönderildi|Kime|Konu|Tárgy|Címzett|Προς|Θέμα"
)
_FIELD_LINE = re.compile(rf"\*?(?:{_FIELDS})\s?\*?\s?[:\uff1a]", re.IGNORECASE)
# Webmails (Orange, SFR, Telefónica, Libero) open the block with "Message du : <date>".
_OPENERS = _FROM_FIELDS + "|Message du|Mensaje del|Nachricht vom|Messaggio del"
_FROM_LINE = re.compile(rf"\*?(?:{_OPENERS})\s?\*?\s?[:\uff1a]", re.IGNORECASE)
# Lines mail clients append to what people write; everything from there on goes.
CLIENT_SIGNATURES = {
    "any": r"--|__",  # RFC 3676 "-- ", which many clients trim to "--"
    "en": r"Sent (?:from|with|via) (?:my )?.{1,60}|Get Outlook for .{1,60}",
    "fr": r"Envoyé (?:de|depuis) (?:mon |ma |l'application )?.{1,60}|Obtenir Outlook pour .{1,60}",
    "es pt": r"Enviado (?:desde|do|de) .{1,60}|Obte(?:ner|r o) Outlook para .{1,60}",
    "de": r"Von meinem .{1,60} gesendet|Gesendet von .{1,60}|Outlook für .{1,60} herunterladen",
    "it nl": r"Inviato da .{1,60}|Scarica Outlook per .{1,60}|Verzonden (?:vanaf|met) .{1,60}",
    "pl": r"Wysłan[eo] z .{1,60}|Pobierz Outlook dla .{1,60}",
    "ru": r"Отправлено (?:с|из) .{1,60}|Получить Outlook для .{1,60}",  # noqa: RUF001
    "ar": r"(?:أرسلت|تم الإرسال|مرسل|أُرسلت) من .{1,60}",
    "sv da cs": r"Skickat från .{1,60}|Sendt fra .{1,60}|Odesláno z .{1,60}",
}
_SIGNATURE = re.compile("|".join(CLIENT_SIGNATURES.values()), re.IGNORECASE)
_HEADER = re.compile("|".join(QUOTE_HEADERS), re.IGNORECASE)
_LONE_VERB = re.compile(rf"[>\s]*(?:{_VERB})\s*[:\uff1a]", re.IGNORECASE)
_DATE_PART = re.compile(r".{0,80}\d.{0,80},")  # "On Nov 21, 2014," or "at 10:18,"
_MIDLINE = re.compile(rf"(.*?)(?:-{{2,}}\s*|\s+)On\s.{{1,300}}\b(?:{_VERB})\s*:?", re.I)
_RULE = re.compile(r"[=\-_*~]{3,}")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# Polish's Outlook header in mail-parser-reply needs a single "Data:" or "Do:" line, which
# ordinary Portuguese and Italian text has; the table above covers Polish instead.
_PARSER_LANGUAGES = [lang for lang in MAIL_LANGUAGES if lang not in ("pl", "david")]
_PARSER_HEADERS = ParsedReply(text="", languages=list(_PARSER_LANGUAGES)).HEADER_REGEX


def reply_text(mail: EmailMessage) -> str:
    """Return the new text of a reply: from its text/plain part, else its text/html part.

    When the plain part shows no quote but the HTML carries a structural quote marker
    (gmail_quote, divRplyFwdMsg, blockquote…), the HTML wins. Returns "" when there is
    nothing new (an empty body, only quoted history, only a client signature). Never
    raises: a mail that breaks a parser gives "".
    """
    try:
        return _reply_text(mail)
    except Exception:  # why: hostile mail must never break the inbound pipeline
        return ""


def stripped(text: str) -> str:
    """Return the new text of a plain-text reply body, as `reply_text` does.

    A text without quote markers comes back unchanged but for line endings, control
    characters and surrounding blank space; replies written below the quote
    (bottom-posting) keep the text written below; "" when nothing new is left.
    """
    try:
        return _split(text)[0]
    except Exception:  # why: same promise as reply_text, for callers with text only
        return ""


def _reply_text(mail: Message) -> str:
    plain, markup = bodies(mail)
    if plain is not None and plain.strip():
        text, found = _split(plain)
        if found or markup is None:
            return text
        from_html, structural = _html_reply(markup)
        return from_html if structural else text
    return _html_reply(markup)[0] if markup is not None else ""


def _html_reply(markup: str) -> tuple[str, bool]:
    """Return (the new text of an HTML body, whether a quote was cut)."""
    rendered, marker = unquoted_html(markup)
    text, found = _split(rendered)
    return text, found or marker


def _split(text: str) -> tuple[str, bool]:
    """Return (the new text, whether a quote was found in `text`)."""
    lines = clean(text[:MAX_TEXT].replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    probe = [_probed(line) for line in lines[:SCAN_LINES]]
    cut = _quote_start(probe)
    if cut is None:
        return _joined(_unsigned(lines)), False
    head = _unruled(lines[:cut] + _before_header(probe[cut]))
    below, alone = _tail(lines, probe, cut)
    if not head:  # bottom-posting: the reply is below the quote
        return _joined(_unsigned(below)), True
    # A reply may wrap the quote: a sign-off typed below it, unless a client's line
    signed = _unsigned(["", *below])[1:] if alone else []
    return _joined(_unsigned(head) + (["", *signed] if signed else [])), True


def _before_header(line: str) -> list[str]:
    """Return the text typed on the header's own line, before "On <date> <name> wrote:"
    (clients that lose a line break join them), as a one-line list; [] when none."""
    match = _MIDLINE.fullmatch(line)
    typed = match.group(1) if match else ""
    # why: "On <date> Jane On behalf of X wrote:" is a header alone
    return [typed] if re.search(r"\w", typed) and not typed.startswith("On ") else []


def _unruled(head: list[str]) -> list[str]:
    """Return `head` without the blank lines and rules ("=====") that open the quote."""
    end = len(head)
    while end and (not head[end - 1].strip() or _RULE.fullmatch(_probed(head[end - 1]))):
        end -= 1
    return head[:end]


def _probed(line: str) -> str:
    """Return the line as detectors see it: no bidi marks, spaces plain, width capped."""
    return _INVISIBLE.sub("", line).replace("\xa0", " ").strip()[:PROBE_WIDTH]


def _quote_start(probe: list[str]) -> int | None:
    """Return the index of the line where quoted history starts, None when none does."""
    found = [find(probe) for find in (_by_quotequail, _by_parser, _by_table, _by_lone_verb)]
    found += [_by_block(probe), _by_trailing_quote(probe)]
    starts = [start for start in found if start is not None]
    return min(starts) if starts else None


def _by_quotequail(probe: list[str]) -> int | None:
    parts = quotequail.quote("\n".join(probe), limit=len(probe) + 1, quote_intro_line=True)
    if len(parts) < 2:
        return None
    start = parts[0][1].count("\n") + 1 if parts[0][1] else 0
    # quotequail joins two lines to find wrapped headers, so it may take the line before.
    if start + 1 < len(probe) and probe[start]:
        rest = "\n".join(probe[start + 1 : start + 3])
        parts = quotequail.quote(rest, limit=3, quote_intro_line=True)
        if len(parts) == 2 and not parts[0][1]:
            return start + 1
    return start


def _by_parser(probe: list[str]) -> int | None:
    # why: its patterns backtrack quadratically on long lines; it needs only lines that
    # hold a colon near the start (a field) or at the end (a "wrote:" line).
    kept = [line[:160] if ":" in line[:40] or line.endswith(":") else "" for line in probe[:500]]
    text = "\n".join(kept)
    match = _PARSER_HEADERS.search(text)
    if match is None:
        return None
    offset = len(match.group()) - len(match.group().lstrip())
    return text.count("\n", 0, match.start() + offset)


def _by_table(probe: list[str]) -> int | None:
    """Return where the first header of QUOTE_HEADERS starts, wrapped lines joined."""
    for end, line in enumerate(probe):
        if not line or not (line[-1] in ":\uff1a-_" or line.lower().endswith("wrote")):
            continue
        for start in range(end, max(end - WRAP, -1), -1):
            if not probe[start]:
                break
            joined = " ".join(probe[start : end + 1])
            # why: "Hello" + a header also matches; a header's own lines balance "<…>".
            if joined.count("<") == joined.count(">") and _HEADER.fullmatch(joined):
                return _unwrapped(probe, start)
    return None


def _unwrapped(probe: list[str], start: int) -> int:
    """Return where a header found at `start` really starts: "<a@b> wrote:" or
    "Name <a@b> wrote:" match alone, but a name, or a date broken after a comma
    ("On Nov 21, 2014,\nat 10:18,"), may sit on the lines above."""
    if probe[start][:1] == "<" and start and probe[start - 1]:
        return start - 1
    while start and _DATE_PART.fullmatch(probe[start - 1]):
        start -= 1
    return start


def _by_lone_verb(probe: list[str]) -> int | None:
    """Return where a header ends far from its verb starts: Polymail puts "> wrote:"
    a few lines, blank ones included, below "On <date> <name>"."""
    for end, line in enumerate(probe):
        if not _LONE_VERB.fullmatch(line):
            continue
        verb = line.lstrip("> ")
        for start in range(end - 1, max(end - 7, -1), -1):
            # why skip addresses: "<a@b> wrote:" matches too, below the header's start
            if "@" not in probe[start] and _HEADER.fullmatch(f"{probe[start]} {verb}"):
                return start
    return None


def _by_block(probe: list[str]) -> int | None:
    """Return where an Outlook-style block starts: a From field, another field below."""
    for index, line in enumerate(probe):
        if _FROM_LINE.match(line) and any(
            _FIELD_LINE.match(below) for below in probe[index + 1 : index + 4]
        ):
            return index
    return None


def _by_trailing_quote(probe: list[str]) -> int | None:
    """Return where a final run of ">" lines starts, None when text follows it."""
    start = None
    for index in range(len(probe) - 1, -1, -1):
        if probe[index].startswith(">"):
            start = index
        elif probe[index]:
            break
    return start


def _tail(lines: list[str], probe: list[str], cut: int) -> tuple[list[str], bool]:
    """Return (what was typed below the ">" quote that follows the header at `cut`, up to
    any further quote; whether it stands alone: nothing quoted after it, and a blank line
    above it, since clients that wrap long quoted lines leave their ends unmarked right
    below the ">" lines). ([], False) when no ">" line follows the header."""
    quoted = next(
        (i for i in range(cut, min(cut + WRAP + 1, len(probe))) if probe[i][:1] == ">"), None
    )
    if quoted is None:
        return [], False
    index = quoted
    while index < len(probe) and (not probe[index] or probe[index][:1] == ">"):
        index += 1
    below = lines[index:]
    again = _quote_start([_probed(line) for line in below[:SCAN_LINES]])
    return (below, not probe[index - 1]) if again is None else (below[:again], False)


def _unsigned(lines: list[str]) -> list[str]:
    """Return the lines before the first client signature (not counting the first line)."""
    for index, line in enumerate(lines):
        probed = _probed(line)
        # why: "Sent from my desk, which is easier." is a sentence, not a client's line
        if index and _SIGNATURE.fullmatch(probed) and not probed.endswith("."):
            return lines[:index]
    return lines


def _joined(lines: list[str]) -> str:
    return "\n".join(line.rstrip() for line in lines).strip("\n").rstrip()
