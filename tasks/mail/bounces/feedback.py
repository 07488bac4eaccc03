"""Feedback-loop complaints (RFC 5965 ARF) and Amazon SES notifications carried as JSON."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from email.utils import getaddresses
from typing import Any

from tasks.mail.text import Part, content_type, header

_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.A)
# RFC 6533 3: an address of type "utf-8" may write a character as \x{HEX} (2 to 6 digits).
_EMBEDDED = re.compile(r"\\x\{([0-9A-Fa-f]{2,6})\}")
# An address in any script, as it stands in a recipient field (RFC 6531 Mailbox, unquoted).
_UNICODE_ATOM = r"[^\s<>()\[\],;:\"'@\\\x00-\x1f\x7f-\x9f]+"
_UNICODE_ADDRESS = re.compile(f"{_UNICODE_ATOM}@{_UNICODE_ATOM}")
_FIELD = re.compile(r"^([A-Za-z-]+):[ \t]*(.*)$", re.M)
# Hotmail's and SES's old complaint mails are multipart/mixed, not ARF, but still complaints.
_COMPLAINT_FROM = re.compile(r"(?:staff@hotmail\.com|complaints@email-abuse\.amazonses\.com)$")
_SES_BOUNCE_REASONS = {"MailboxFull": "mailboxfull", "MessageTooLarge": "mesgtoobig"}


@dataclass(frozen=True)
class Recipient:
    """One recipient as a format-specific reader found it, before the reason is decided."""

    address: str
    status: str = ""
    diagnostic: str = ""
    action: str = ""
    reason: str = ""  # set when the format itself says (SES bounce sub-types, ARF "feedback")
    spec: str = ""
    command: str = ""
    rhost: str = ""  # the remote MTA that answered, else the one reporting, when named
    category: str = ""  # an MTA's own bounce class (PowerMTA's X-PowerMTA-BounceCategory)


@dataclass(frozen=True)
class Notice:
    """What a JSON notification or an ARF report says, before becoming a Report."""

    kind: str  # "bounce", "complaint" or "delivery_report"
    recipients: list[Recipient] = field(default_factory=list)
    feedback_type: str = ""
    message_ids: list[str] = field(default_factory=list)


def first_address(text: str) -> str:
    """Returns the first e-mail address in the text, lowercased, or "" if there is none."""
    found = _ADDRESS.search(text or "")
    return found.group(0).lower() if found else ""


def field_address(value: str) -> str:
    """Returns the address of a Final- or Original-Recipient field, lowercased: "rfc822;
    a@b", or RFC 6533's "utf-8; ..." (raw UTF-8, or 7-bit with \\x{E9} escapes, which
    are decoded); "" when it holds none."""
    kind, semicolon, written = value.partition(";")
    if kind.strip().lower() == "utf-8":
        written = _EMBEDDED.sub(_embedded_character, written)
    elif value.isascii():
        return first_address(value)
    found = _UNICODE_ADDRESS.search(written if semicolon else value)
    return found.group(0).lower().rstrip(".") if found else ""


def _embedded_character(found: re.Match[str]) -> str:
    # Only what an address may hold: a control character or a lone surrogate (which a
    # database refuses) stays escaped, as written.
    point = int(found.group(1), 16)
    printable = 0x21 <= point <= 0x7E or 0xA0 <= point <= 0x10FFFF
    if not printable or 0xD800 <= point <= 0xDFFF:
        return found.group(0)
    return chr(point)


def _original_to(part: Part) -> str:
    if part.ctype in {"message/rfc822", "message/global", "message/global-headers"}:
        value = header(part.message, "To")
    else:
        value = str(HeaderParser().parsestr(part.text[:20000]).get("To", ""))
    pairs = getaddresses([value])
    return field_address(pairs[0][1]) if pairs else ""


def is_arf(mail: Message, leaves: list[Part]) -> bool:
    """True when the mail is an RFC 5965 feedback report, or Hotmail's/SES's older form."""
    if any(p.ctype == "message/feedback-report" for p in leaves):
        return True
    raw_type = header(mail, "Content-Type").lower().replace('"', "")
    if "report-type=feedback-report" in raw_type:
        return True
    sender = first_address(header(mail, "From"))
    subject = header(mail, "Subject").lower()
    return (
        content_type(mail) == "multipart/mixed"
        and bool(_COMPLAINT_FROM.search(sender))
        and "complaint about message from " in subject
    )


def read_arf(leaves: list[Part]) -> Notice:
    """Returns the complaint: the complainant, and the ARF Feedback-Type when there is one.

    The complainant is Original-Rcpt-To or Removed-Recipient, else the original's To:.
    A report naming nobody gives a Notice without recipients; Hotmail's older complaints,
    which carry no Feedback-Type, are "abuse" (as sisimai says).
    """
    fields: dict[str, str] = {}
    for part in leaves:
        if part.ctype == "message/feedback-report" or "Feedback-Type:" in part.text[:5000]:
            for name, value in _FIELD.findall(part.text[:20000]):
                fields.setdefault(name.lower(), value.strip())
    who = field_address(fields.get("original-rcpt-to", "") or fields.get("removed-recipient", ""))
    who = who or first_address(fields.get("x-hmxmroriginalrecipient", ""))
    if not who:
        who = next((a for p in leaves if p.original and (a := _original_to(p))), "")
    recipients = [Recipient(who, reason="feedback")] if who else []
    kind_of = fields.get("feedback-type", "").lower()
    if not kind_of and not any(p.ctype == "message/feedback-report" for p in leaves):
        # Hotmail's pre-ARF complaints name no type: sisimai's ARF reader calls them abuse.
        kind_of = "abuse"
    return Notice("complaint", recipients, kind_of)


def _ses_payload(text: str) -> dict[str, Any] | None:
    body = text.strip()
    if not body.startswith("{"):
        return None
    # SES folds long JSON lines with a trailing "!" (sisimai's AmazonSES reader does the same).
    body = re.sub(r"!\r?\n ?", "", body).split("\n--\n")[0]
    try:
        data = json.loads(body)
        if isinstance(data, dict) and isinstance(data.get("Message"), str):
            data = json.loads(data["Message"])
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and "notificationType" in data else None


def _ses_bounce(data: dict[str, Any]) -> list[Recipient]:
    bounce = data.get("bounce") or {}
    sub = _SES_BOUNCE_REASONS.get(str(bounce.get("bounceSubType", "")), "")
    found = []
    for row in bounce.get("bouncedRecipients") or []:
        if not isinstance(row, dict):
            continue
        spec, _, diagnostic = str(row.get("diagnosticCode") or "").rpartition(";")
        if not _ or len(spec) > 20:
            spec, diagnostic = "", str(row.get("diagnosticCode") or "")
        found.append(
            Recipient(
                first_address(str(row.get("emailAddress", ""))),
                str(row.get("status") or ""),
                diagnostic.strip(),
                str(row.get("action") or ""),
                sub,
                spec.strip().upper(),
            )
        )
    return found


def read_ses(text: str) -> Notice | None:
    """Returns what an Amazon SES JSON notification says, or None if the text is not one."""
    data = _ses_payload(text)
    if data is None:
        return None
    kind = str(data.get("notificationType"))
    mail = data.get("mail") or {}
    ids = [f"<{mail['messageId']}>"] if isinstance(mail, dict) and mail.get("messageId") else []
    if kind == "Bounce":
        return Notice("bounce", _ses_bounce(data), message_ids=ids)
    if kind == "Complaint":
        complaint = data.get("complaint") or {}
        rows = complaint.get("complainedRecipients") or []
        found = [
            Recipient(first_address(str(r.get("emailAddress", ""))), reason="feedback")
            for r in rows
            if isinstance(r, dict)
        ]
        kind_of = str(complaint.get("complaintFeedbackType") or "")
        return Notice("complaint", found, kind_of, ids)
    if kind == "Delivery":
        delivery = data.get("delivery") or {}
        said = str(delivery.get("smtpResponse") or "")
        found = [
            Recipient(first_address(str(r)), "", said, "delivered", "delivered")
            for r in delivery.get("recipients") or []
        ]
        return Notice("delivery_report", found, message_ids=ids)
    return None
