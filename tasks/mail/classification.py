"""What collection decides about one raw mail, before any database is touched.

The same reading serves `collect-responses` and `continuity inbox classify`: a staff member
who asks why a mail was read as it was sees exactly what collection saw. Whatever a mail
holds, reading it never raises: a mail that cannot be read is `quarantined` with its error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from tasks.mail.bounces.reports import Report, read_report
from tasks.mail.reading import (
    addresses,
    body_text,
    header,
    is_auto_reply,
    parsed,
    referenced_ids,
    written_at,
)
from tasks.mail.replies import reply_text
from tasks.responses.links import message_of_address, message_of_rfc_id

KINDS = (
    "reply",
    "auto_reply",
    "bounce",
    "complaint",
    "delivery_report",
    "unsubscribe",
    "unmatched",
    "quarantined",
)
MAX_MULTIPARTS = 200
_MULTIPART = re.compile(rb"content-type:[ \t]*multipart/", re.IGNORECASE)
# Where our signed plus-addresses arrive: the envelope recipient is in one of these once the
# mail is delivered (a bounce goes to the envelope sender, never to a header address).
_ENVELOPE_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "Cc", "Return-Path")


@dataclass(frozen=True)
class Reading:
    """One mail as collection reads it.

    `message` is the outbox row the mail proves it is about (a signed address or a signed
    Message-ID of ours), None when it proves nothing; `referenced_ids` are the Message-IDs
    it quotes, which the database step may still find among older messages; `written_at`
    is its `Date:`, None when it has no readable one (the sender's word: only a time
    between our message and its collection is believed, see `tasks.responses.inbound`).
    """

    kind: str
    message: int | None = None
    referenced_ids: tuple[str, ...] = ()
    report: Report | None = None
    message_id_header: str = ""
    from_address: str = ""
    subject: str = ""
    body: str = ""
    text: str = ""
    error: str = ""
    written_at: datetime | None = None

    def summary(self) -> dict[str, Any]:
        """Return what staff need to see, as JSON-ready values (no body for non-replies)."""
        found: dict[str, Any] = {"kind": self.kind, "message": self.message}
        if self.report is not None:
            found.update(_report_summary(self.report))
        if self.kind == "reply":
            found["text"] = self.text
        if self.error:
            found["error"] = self.error
        return found


def read_mail(raw: bytes, secret: str) -> Reading:
    """Return what `raw` is; `quarantined` with the error when it cannot be read at all."""
    multiparts = len(_MULTIPART.findall(raw))
    if multiparts > MAX_MULTIPARTS:
        # Parsing such nesting costs seconds a mail and ends in a RecursionError; no mail
        # client writes it.
        return Reading(kind="quarantined", error=f"{multiparts} multiparts: nested too deep")
    try:
        return _read(parsed(raw), secret)
    except Exception as error:  # any mail, however built, must not stop collection
        return Reading(kind="quarantined", error=f"{type(error).__name__}: {error}"[:1000])


def _read(mail: EmailMessage, secret: str) -> Reading:
    facts = Reading(
        kind="unmatched",
        message_id_header=header(mail, "Message-ID")[:998],
        from_address=header(mail, "From")[:512],
        subject=header(mail, "Subject")[:998],
        body=body_text(mail),
        written_at=written_at(mail),
    )
    if (row := tagged_message(mail, secret, "unsubscribe")) is not None:
        return replace(facts, kind="unsubscribe", message=row)
    quoted = tuple(referenced_ids(mail))
    report = read_report(mail)
    if report is not None:
        ids = tuple(dict.fromkeys(report.original_message_ids + quoted))
        row = tagged_message(mail, secret, "bounce") or signed_message(ids, secret)
        return replace(facts, kind=report.kind, message=row, referenced_ids=ids, report=report)
    row = tagged_message(mail, secret, "reply") or signed_message(quoted, secret)
    if is_auto_reply(mail):
        return replace(facts, kind="auto_reply", message=row, referenced_ids=quoted)
    kind = "reply" if row is not None else "unmatched"
    text = reply_text(mail)
    return replace(facts, kind=kind, message=row, referenced_ids=quoted, text=text)


def tagged_message(mail: EmailMessage, secret: str, purpose: str) -> int | None:
    """Return the outbox row a signed plus-address of ours names for `purpose`, or None."""
    for address in addresses(mail, _ENVELOPE_HEADERS)[:50]:
        found = message_of_address(secret, address, purpose)
        if found is not None:
            return found
    return None


def signed_message(rfc_ids: tuple[str, ...], secret: str) -> int | None:
    """Return the first outbox row among `rfc_ids` whose Message-ID carries our signature."""
    for rfc_id in rfc_ids[:50]:
        found = message_of_rfc_id(secret, rfc_id)
        if found is not None:
            return found
    return None


def _report_summary(report: Report) -> dict[str, Any]:
    first = report.failures[0] if report.failures else None
    found: dict[str, Any] = {
        "recipients": [failure.address for failure in report.failures],
        "hard": bool(first and first.hard),
        "reason": first.reason if first else "",
        "status": first.status if first else "",
        "failures": [
            {"address": f.address, "reason": f.reason, "hard": f.hard, "status": f.status}
            for f in report.failures
        ],
    }
    if report.feedback_type:
        found["feedback_type"] = report.feedback_type
    return found
