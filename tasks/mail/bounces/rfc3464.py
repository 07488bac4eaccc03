"""sisimai's last resort for bounces that no MTA reader knows (its Sisimai::RFC3464 and MDA).

When a bounce has no RFC 3464 fields and no MTA reader took it, sisimai still calls it a
bounce if its headers look like a mail system's and a line of the text names an address
the way bounces do ("Delivery failed: x@y", "  <x@y>", "RCPT TO:<x@y>"). It also knows
the words of local delivery agents (mail.local, procmail, dovecot...), whose reason
stands over everything else.
"""

from __future__ import annotations

import re
from email.message import Message
from functools import cache

from tasks.mail.bounces.feedback import Recipient
from tasks.mail.bounces.lhost_patterns import MDA
from tasks.mail.text import header

_FROM = re.compile(r"\b(?:postmaster|mailer-daemon|root)@", re.I)
_SUBJECT = re.compile(
    r"delivery (?:failed|failure|report)|failure notice|mail (?:delivery|error)|non-delivery"
    r"|returned mail|undeliverable mail|warning: ",
    re.I,
)
_RETURN_PATH = re.compile(r"<>|mailer-daemon", re.I)
# The lines sisimai's scan passes over (MIME furniture) and those where the bounce's own
# words end (the returned message, or a DSN part that the field reader already had).
_SKIP = re.compile(
    r"\A-+=|\A\s+\Z|\A\s*--|\A\s+=\d+|\Ahi !|content-(?:description|disposition"
    r"|transfer-encoding|type): |(?:name|charset)=|--\Z|: --------"
)
_STOP = re.compile(
    r"\A[*][*][*] .+ .+ [*][*][*]|\Acontent-type: message/delivery-status"
    r"|\Ahere is a copy of the first part of the message"
    r"|\Athe non-delivered message is attached to this message."
    r"|\Areceived:[ \t]*|\Areceived-from-mta:[ \t]*|\Areporting-mta:[ \t]*|\Areturn-path:[ \t]*"
    r"|\Aa copy of the original message below this line:|attachment is a copy of the message"
    r"|below is a copy of the original message:|below this line is a copy of the message"
    r"|message contains .+ file attachments|message text follows: |original message follows"
    r"|the attachment contains the original mail headers|the first \d+ lines "
    r"|unsent message below|your message reads [(]in part[)]:"
    r"|\Acontent-type:[ ]*(?:message/rfc822|text/rfc822-headers)\Z"
)
_ADDRESS = re.compile(
    r"(?:\A\s*|\A\"[^\"]+\"\s*|\A[ \t]*recipient:[ \t]*|\A[ ]*address:[ ]|addressed to "
    r"|could not be delivered to: |delivered to +|delivery failed: "
    r"|did not reach the following recipient: |error-for: +|failed recipient: "
    r"|failed to deliver to |intended recipient: |mailbox is full: |rcpt to:"
    r"|smtp server <.+> rejected recipient "
    r"|the following recipients returned permanent errors: |the following message to "
    r"|unknown user: |undeliverable to |undeliverable address: *|you sent mail to "
    r"|your message to )"
    r"['\"]?<?([^\s@=<>]+@[-.0-9a-z]+[.][0-9a-z]+)>?['\"]?"
)
_AUTO_REPLY = {
    "auto-submitted": re.compile(r"\Aauto-replied"),
    "x-auto-response-suppress": re.compile(r"oof|autoreply"),
    "x-apple-action": re.compile(r"\Avacation\Z"),
    "precedence": re.compile(r"\Aauto_reply\Z"),
    "subject": re.compile(r"\A(?:auto:|auto response:|automatic reply:|out of (?:the )*office:)"),
}
_MAX_LINES = 3000
_MAX_LINE = 2000


def is_candidate(mail: Message) -> bool:
    """True when the headers pass sisimai's fallback check: a mail system's From:, a
    bounce-like Subject: (even after "Re:") or a null or MAILER-DAEMON Return-Path:."""
    sender, subject, path = (header(mail, h) for h in ("From", "Subject", "Return-Path"))
    return bool(_FROM.search(sender) or _SUBJECT.search(subject) or _RETURN_PATH.search(path))


def is_auto_reply(mail: Message) -> bool:
    """True when the headers mark an auto-reply (RFC 3834, vacation, out of office), as
    sisimai's RFC3834 reader tells them; never for a mail system's own notice, which
    often says "Auto-Submitted: auto-replied" too."""
    sender = header(mail, "From").lower()
    if _FROM.search(sender) or "mail delivery" in sender or "mailer-daemon" in sender:
        return False
    return any(p.search(header(mail, name).lower()) for name, p in _AUTO_REPLY.items())


def scan(text: str) -> list[Recipient]:
    """Returns the recipients sisimai's fallback finds in the text, each with the lines
    from its own up to the next (the first also with the lines before it).

    Empty when no line names an address that way; the scan stops where the returned
    message begins.
    """
    found: list[Recipient] = []
    said: list[str] = []
    for line in text.splitlines()[:_MAX_LINES]:
        line = line[:_MAX_LINE]
        lower = line.lower()
        if _STOP.search(lower):
            break
        if not line or _SKIP.search(lower) or line.startswith("*"):
            continue
        named = _ADDRESS.search(lower)
        if named and (not found or found[-1].address != named.group(1)):
            if found:
                found[-1] = Recipient(found[-1].address, diagnostic=" ".join(said))
                said = []
            found.append(Recipient(named.group(1)))
        said.append(line.strip())
    if found:
        found[-1] = Recipient(found[-1].address, diagnostic=" ".join(said))
    return found


def _regex(entry: dict[str, str]) -> re.Pattern[str]:
    return _compiled(entry["re"], entry.get("flags", ""))


@cache
def _compiled(source: str, flags: str) -> re.Pattern[str]:
    return re.compile(source, re.X if "x" in flags else 0)


def mda_reason(sender: str, text: str) -> str:
    """Returns the reason a local delivery agent's words give ("mail.local: unknown user:"
    -> userunknown), or "" when the bounce is not from one or says nothing it knows.

    Like sisimai, only for a From: of MAILER-DAEMON, postmaster or Mail Delivery
    Subsystem, and only the agent's first paragraph counts.
    """
    if not re.match(r"(?:mail delivery subsystem|mailer-daemon|postmaster)", sender.lower()):
        return ""
    agent, lines = "", []
    for line in text.splitlines()[:_MAX_LINES]:
        if not agent:
            if not line or not _regex(MDA["markingsof"]["message"]).search(line):
                continue
            agent = next((n for n, r in MDA["agentnames"].items() if _regex(r).search(line)), "")
        lines.append(line.lower())
        if not line:
            break
    for reason, phrases in MDA["messagesof"].get(agent, {}).items():
        if any(p in line for line in lines for p in phrases):
            return str(reason)
    return ""
