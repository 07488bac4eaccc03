"""Bounces, feedback-loop complaints and delivery reports, read from one inbound mail.

`read_report` says which of the three a mail is and, for bounces, which recipients failed
and why, in sisimai's reason taxonomy (the field's reference bounce parser), so that only
reasons about the address itself (HARD_REASONS) suppress it at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from email.message import EmailMessage, Message
from typing import Literal

from flufl.bounce import all_failures

from tasks.mail.bounces import dsn_formats, lhost_readers, lhosts, rfc3464
from tasks.mail.bounces.feedback import Notice, Recipient, first_address, is_arf, read_arf, read_ses
from tasks.mail.bounces.reasons import RETRIED, Facts, find_replycode, find_status, reason_of
from tasks.mail.text import Part, header, parts, quoted_message_ids

HARD_REASONS: frozenset[str] = frozenset({"userunknown", "hostunknown", "hasmoved", "notaccept"})
SENDER_REASONS: frozenset[str] = frozenset(
    {
        "blocked",
        "spamdetected",
        "policyviolation",
        "securityerror",
        "rejected",
        "virusdetected",
        "authfailure",
        "badreputation",
        "requireptr",
        "notcompliantrfc",
        "speeding",
        "ratelimited",
        "norelaying",
        "contenterror",
    }
)
# A multipart leaf is one whose boundary the parser could not find (a broken header fold,
# as Verizon's and Apache James's bounces have): its raw text is still the bounce's words.
_HUMAN = ("text/", "multipart/")
# "deliverable" is what an address check (Postfix's sendmail -bv) reports, per RFC 3464.
_DELIVERED = frozenset({"delivered", "relayed", "expanded", "deliverable"})
_DSN_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
_SUBJECT = re.compile(
    r"undeliver|deliver(?:y|ed)? (?:status|failure|failed|report|problem|notification|has failed)"
    r"|returned mail|failure notice|mail delivery|could not be delivered|not delivered"
    r"|non[- ]?remis|nondeliverable|unzustellbar|delivery error|mail system error"
    r"|permanent error|returned to sender|rejected|warning: could not send|message status"
    r"|delivery notification|mail failure|error sending|unable to deliver|delayed mail"
    r"|delivery (?:delayed|final failure)|non[- ]delivery|bounced|nicht zustellbar|failed mail"
    r"|not be delivered|unknown user|user unknown|mailbox unavailable|no such user",
    re.I,
)
# Upper case only: "please send mail to postmaster" names no SMTP command.
_COMMAND = re.compile(r"\b(RCPT|MAIL|DATA|HELO|EHLO)\b(?: TO| FROM)?")
_RCPT_FORMATS = re.compile(r"does not like recipient|did not reach the following recipient", re.I)
_FLUFL_MAX_BYTES = 1_000_000
_RHOST = re.compile(r"\bhost ([\w.-]+\.[a-z]{2,})[ ]?\[", re.I)
# Postfix's "(in reply to RCPT TO command)" may stand away from the address's own line.
_REPLY_TO = re.compile(r"in reply to (RCPT|MAIL|DATA|HELO|EHLO)\b", re.I)
_UNDECIDED = frozenset({"onhold", "undefined"})
_STATUS_FROM_TEXT = re.compile(r"\A[45][.][1-9][.][1-9]\Z")


@dataclass(frozen=True)
class Failure:
    """One recipient of a report: who, why (sisimai's reason word) and the server's words."""

    address: str
    reason: str
    status: str
    diagnostic: str

    @property
    def hard(self) -> bool:
        """True when the reason is about the address itself, so it must be suppressed now."""
        return self.reason in HARD_REASONS


@dataclass(frozen=True)
class Report:
    """What a bounce, complaint or delivery report says about the mail we sent."""

    kind: Literal["bounce", "complaint", "delivery_report"]
    failures: tuple[Failure, ...]
    original_message_ids: tuple[str, ...]
    feedback_type: str = ""


def read_report(mail: EmailMessage) -> Report | None:
    """Returns the bounce, complaint or delivery report the mail is.

    None when the mail is none of the three (a person's reply, an auto-reply, spam...).
    Never raises: hostile or broken mail that defeats the readers also gives None.
    """
    try:
        return _read(mail)
    except Exception:  # last-resort guard: one hostile mail must not stop the inbox
        return None


def _read(mail: Message) -> Report | None:
    leaves = parts(mail)
    ids = _original_ids(mail, leaves)
    mta = lhosts.detect(mail)
    if is_arf(mail, leaves):
        return _from_notice(read_arf(leaves), ids)
    for part in leaves:
        if not part.original and part.ctype in {"text/plain", "application/json"}:
            notice = read_ses(part.text) if "notificationType" in part.text else None
            if notice is not None:
                return _from_notice(notice, notice.message_ids + ids)
    human = "\n\n".join(
        p.text for p in leaves if not p.original and p.ctype.startswith(_HUMAN) and p.text
    )
    found = [
        r
        for p in leaves
        if not p.original and p.ctype in _DSN_TYPES
        for r in dsn_formats.dsn_fields(p.text)
    ]
    if not found and "final-recipient:" in human.lower():
        found = dsn_formats.dsn_fields(human)
    if found:
        failed = [r for r in found if not _delivered(r)]
        if not failed:
            return _report("delivery_report", found, ids, dsn_formats.human_text(human))
        failed = _with_agent_reason(mail, human, failed)
        said = dsn_formats.error_lines(human)
        failed = [replace(r, diagnostic=r.diagnostic or said) for r in failed]
        return _report("bounce", failed, ids, dsn_formats.human_text(human), mta)
    if not mta and rfc3464.is_auto_reply(mail):
        return None
    likely = bool(mta) or _looks_like_bounce(mail, human)
    recipients = _text_recipients(mail, human, mta) if likely else []
    if not recipients and rfc3464.is_candidate(mail):
        recipients = rfc3464.scan(human)
    if not recipients:
        return None
    recipients = _with_agent_reason(mail, human, recipients)
    return _report("bounce", recipients, ids, dsn_formats.human_text(human), mta)


def _with_agent_reason(mail: Message, human: str, rows: list[Recipient]) -> list[Recipient]:
    # A local delivery agent's own words ("mail.local: unknown user: x") decide for sisimai.
    agent = rfc3464.mda_reason(header(mail, "From"), human)
    return [replace(r, reason=r.reason or agent) for r in rows] if agent else rows


def _delivered(r: Recipient) -> bool:
    if r.action:
        return r.action in _DELIVERED
    return r.status.startswith("2.")


def _looks_like_bounce(mail: Message, human: str) -> bool:
    sender = first_address(header(mail, "From"))
    if header(mail, "X-Failed-Recipients") or (sender and dsn_formats.is_daemon(sender)):
        return True
    if (
        "mailer-daemon" in header(mail, "From").lower()
        or "mail delivery" in header(mail, "From").lower()
    ):
        return True
    if "report-type=delivery-status" in header(mail, "Content-Type").lower().replace('"', ""):
        return True
    subject = header(mail, "Subject")
    return bool(_SUBJECT.search(subject)) and not subject.lower().startswith(("re:", "aw:"))


def _flufl(mail: Message) -> list[str]:
    # flufl.bounce reads whole bodies with no cap: on a huge mail it would take seconds.
    try:
        if len(mail.as_bytes()) > _FLUFL_MAX_BYTES:
            return []
        temporary, permanent = all_failures(mail)
    except Exception:  # flufl's detectors are not written for hostile input
        return []
    found = [
        a.decode("utf-8", "replace") if isinstance(a, bytes) else str(a)
        for a in (*sorted(permanent), *sorted(temporary))
    ]
    return [a for f in found if (a := first_address(f))]


def _text_recipients(mail: Message, human: str, mta: str) -> list[Recipient]:
    excluded = {first_address(header(mail, h)) for h in ("From", "To", "Reply-To", "Sender")}
    excluded.discard("")
    found = {r.address: r for r in dsn_formats.text_recipients(human, excluded)}
    if not found:
        # A list's bounce can go back to the failed address itself (sisimai reports it).
        excluded = {first_address(header(mail, h)) for h in ("From", "Sender")}
        found = {r.address: r for r in dsn_formats.text_recipients(human, excluded)}
    failed = [first_address(a) for a in header(mail, "X-Failed-Recipients").split(",")]
    read = lhost_readers.recipients(mta, human)
    named = [a for a in (*failed, *read, *_flufl(mail)) if a]
    if named:
        return [found.get(a, Recipient(a)) for a in dict.fromkeys(named)]
    return list(found.values())


def _facts(r: Recipient, context: str, mta: str, whole: str = "") -> tuple[Facts, str]:
    said = r.diagnostic or context
    status = r.status
    if not status or status in {"5.0.0", "4.0.0"}:
        found = find_status(said)
        status = found if _STATUS_FROM_TEXT.match(found) else status
    found_command = next(
        (m for t in (said, context, whole) for p in (_REPLY_TO, _COMMAND) if (m := p.search(t))),
        None,
    )
    command = found_command.group(1).upper() if found_command else ""
    command = lhosts.lhost_command(mta, said) or r.command or command
    inferred = lhost_readers.command(mta, said)
    command = command if inferred is None else inferred or r.command
    if not command and _RCPT_FORMATS.search(said):
        # sisimai's qmail and Exchange readers know these answered RCPT TO.
        command = "RCPT"
    replycode = find_replycode(said)
    # Postfix labels remote SMTP answers X-Postfix; with a reply code they are SMTP's words.
    spec = "SMTP" if r.spec in {"", "X-POSTFIX"} or replycode else r.spec
    facts = Facts(status, said, r.action, command, replycode, spec)
    return facts, said


def _failure(r: Recipient, context: str, whole: str, mta: str) -> Failure:
    facts, said = _facts(r, context, mta, whole)
    # sisimai's MTA readers match their tables on the whole error block, not one line.
    known = (
        r.reason
        or lhosts.coded_reason(mta, facts.status, said, r.category)
        or lhosts.lhost_reason(mta, said)
        or lhosts.lhost_reason(mta, whole)
        or lhost_readers.reason(mta, whole)
    )
    reason = known if known and known not in RETRIED else ""
    if not reason and not facts.status.startswith("2."):
        hosts = (_remote_host(r, said), r.address.rpartition("@")[2])
        reason = lhosts.rhost_reason(hosts, said, facts.status, facts.replycode)
    reason = reason or reason_of(facts, known)
    if reason in _UNDECIDED and whole and said != whole:
        # The line beside the address said nothing sisimai knows: its MTA readers would
        # have read the whole error block, so decide on that instead.
        wider, _ = _facts(replace(r, diagnostic=whole), whole, mta)
        reason = reason_of(wider, known)
    return Failure(r.address.lower(), reason, facts.status, " ".join(said.split())[:500])


def _remote_host(r: Recipient, said: str) -> str:
    if r.rhost:
        # sisimai's clean-up: "lsean.ezweb.ne.jp. (27.85.176.228, ...)" -> "lsean.ezweb.ne.jp"
        host = re.sub(r"[\[\]()]", "", r.rhost).rpartition("=")[2].strip()
        return host.split(" ")[0].removesuffix(".")
    # Postfix: "host mx.example[192.0.2.1] said:", Exim: "host mx.example [192.0.2.1]:"
    found = _RHOST.search(said)
    return found.group(1) if found else ""


def _report(
    kind: Literal["bounce", "complaint", "delivery_report"],
    rows: list[Recipient],
    ids: list[str],
    human: str,
    mta: str = "",
) -> Report:
    context = " ".join(human.split())[:2000]
    if kind == "delivery_report":
        failures = [
            Failure(r.address, "delivered", r.status, r.diagnostic[:500])
            for r in rows
            if _delivered(r)
        ]
    else:
        failures = [_failure(r, _context_for(r, human, context), context, mta) for r in rows]
    unique = {f.address: f for f in reversed(failures) if f.address}
    ordered = tuple(unique[a] for a in dict.fromkeys(f.address for f in failures) if a in unique)
    return Report(kind, ordered, tuple(dict.fromkeys(ids)))


def _context_for(r: Recipient, human: str, context: str) -> str:
    for row in dsn_formats.text_recipients(human, set()):
        if row.address == r.address and row.diagnostic:
            return row.diagnostic
    return context


def _from_notice(notice: Notice, ids: list[str]) -> Report:
    if notice.kind == "complaint":
        failures = tuple(Failure(r.address, "feedback", "", "") for r in notice.recipients)
        return Report("complaint", failures, tuple(dict.fromkeys(ids)), notice.feedback_type)
    kind: Literal["bounce", "delivery_report"] = (
        "bounce" if notice.kind == "bounce" else "delivery_report"
    )
    return _report(kind, notice.recipients, ids, "")


def _original_ids(mail: Message, leaves: list[Part]) -> list[str]:
    own = header(mail, "Message-ID")
    found: list[str] = []
    for part in leaves:
        if part.ctype in {"message/rfc822", "message/global", "message/global-headers"}:
            found.extend(quoted_message_ids(f"Message-ID: {header(part.message, 'Message-ID')}"))
        elif part.ctype.endswith("-headers") or not part.original:
            found.extend(quoted_message_ids(part.text))
    return [i for i in dict.fromkeys(found) if i != own]
