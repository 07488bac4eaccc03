"""The reason a recipient failed, in sisimai's taxonomy (userunknown, mailboxfull, ...).

A port of sisimai 4.25.15's Sisimai::Reason decision (``get`` and ``anotherone``) and of
each reason class's ``true``; the message patterns themselves are sisimai's own, generated
into ``reason_patterns`` by ``bench/sisimai_tables.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cache

from tasks.mail.bounces.reason_patterns import PATTERNS, STATUS_REASONS

# Tried on the diagnostic with the status code (sisimai's first ClassOrder).
_FIRST_ORDER = (
    "MailboxFull",
    "MesgTooBig",
    "ExceedLimit",
    "Suspend",
    "HasMoved",
    "NoRelaying",
    "UserUnknown",
    "Filtered",
    "Rejected",
    "HostUnknown",
    "SpamDetected",
    "TooManyConn",
    "Blocked",
)
# Tried on the diagnostic alone when the first pass found nothing (second ClassOrder).
_SECOND_ORDER = (
    "MailboxFull",
    "SpamDetected",
    "PolicyViolation",
    "VirusDetected",
    "NoRelaying",
    "SecurityError",
    "SystemError",
    "NetworkError",
    "Suspend",
    "Expired",
    "ContentError",
    "SystemFull",
    "NotAccept",
    "MailerError",
)
# Reasons sisimai does not trust from an MTA's reader or the status alone, and refines.
RETRIED = frozenset(
    {
        "undefined",
        "onhold",
        "systemerror",
        "securityerror",
        "networkerror",
        "hostunknown",
        "userunknown",
    }
)
_STATUS_RE = re.compile(r"\A[245][.]\d[.]\d+\Z")
_FIND_STATUS = (
    re.compile(r" ?[(]#([45][.]\d[.]\d+)[)]? ?"),
    re.compile(r"\b\d{3}[ -]#?([45][.]\d[.]\d+)\b"),
    re.compile(r"\b([45][.]\d[.]\d+)\b"),
    re.compile(r"\b(2[.][0-7][.][0-7])\b"),
)
_IPV4 = re.compile(r"\b(?:\d{1,3}[.]){3}\d{1,3}\b")
_REPLY = re.compile(r"\b([45][0-5][0-9])\b")
_CONNECTING = frozenset({"CONN", "EHLO", "HELO"})


@dataclass(frozen=True)
class Facts:
    """What one recipient's failure says: the inputs of sisimai's reason decision."""

    status: str = ""
    diagnostic: str = ""
    action: str = ""
    command: str = ""  # the SMTP command the remote server answered (RCPT, DATA, ...)
    replycode: str = ""
    spec: str = ""  # the Diagnostic-Code type: SMTP, X-UNIX, X-POSTFIX, ...
    reason: str = ""  # what an MTA's own tables said, when it is one sisimai retries


def status_reason(status: str) -> str:
    """Returns the reason a DSN status stands for ("5.1.1" -> "userunknown"), or ""."""
    if not _STATUS_RE.match(status or ""):
        return ""
    return STATUS_REASONS.get(status, "")


def find_status(text: str) -> str:
    """Returns the first DSN status code quoted in the text ("5.1.1"), or "" if none.

    A dotted number that is part of an IPv4 address is not a status.
    """
    for pattern in _FIND_STATUS:
        for found in pattern.finditer(text):
            code = found.group(1)
            quoted = re.escape(code)
            # A dotted number inside an IPv4 address is not a status.
            if not re.search(rf"\b(?:{quoted}[.]\d{{1,3}}|\d{{1,3}}[.]{quoted})\b", text):
                return code
    return ""


def find_replycode(text: str) -> str:
    """Returns the first SMTP reply code (4xx/5xx) in the text, ignoring IPv4 octets, or ""."""
    if "x-unix;" in text.lower():
        return ""
    found = _REPLY.search(_IPV4.sub("***", text))
    return found.group(1) if found else ""


@cache
def _regex(name: str) -> re.Pattern[str] | None:
    table = PATTERNS.get(name, {})
    source = table.get("regex")
    return re.compile(source["re"], re.X) if source else None


def matches(name: str, text: str) -> bool:
    """True when sisimai's class `name` (e.g. "UserUnknown") recognises the lowercased text."""
    table = PATTERNS.get(name, {})
    if any(s in text for s in table.get("isnot", ())):
        return False
    if any(s in text for s in table.get("index", ())):
        return True
    regex = _regex(name)
    return regex is not None and regex.search(text) is not None


def _userunknown(f: Facts, named: str) -> bool:
    if f.reason == "userunknown":
        return True
    if named == "suspend":
        return False
    if named == "userunknown":
        others = ("NoRelaying", "Blocked", "MailboxFull", "HasMoved", "Rejected", "NotAccept")
        return not any(matches(o, f.diagnostic) for o in others)
    return f.command == "RCPT" and matches("UserUnknown", f.diagnostic)


def _filtered(f: Facts, named: str) -> bool:
    if named == "suspend":
        return False
    either = matches("Filtered", f.diagnostic) or matches("UserUnknown", f.diagnostic)
    if named == "filtered":
        return either
    return f.command not in {"CONN", "EHLO", "HELO", "MAIL", "RCPT"} and either


def _rejected(f: Facts, named: str) -> bool:
    named = named or "undefined"
    if named == "rejected":
        return True
    if f.command == "MAIL":
        return matches("Rejected", f.diagnostic)
    if f.command == "DATA":
        return named != "userunknown" and matches("Rejected", f.diagnostic)
    if named in {"onhold", "undefined", "securityerror", "systemerror"}:
        return matches("Rejected", f.diagnostic)
    return False


def _hostunknown(f: Facts, named: str) -> bool:
    if f.reason == "hostunknown":
        return True
    if named == "hostunknown":
        return not matches("NetworkError", f.diagnostic)
    return matches("HostUnknown", f.diagnostic)


def _is(name: str, f: Facts) -> bool:
    """Sisimai's `Sisimai::Reason::<name>->true`: does this failure have that reason."""
    named = status_reason(f.status)
    lower = name.lower()
    special = {
        "UserUnknown": _userunknown,
        "Filtered": _filtered,
        "Rejected": _rejected,
        "HostUnknown": _hostunknown,
    }
    if name in special:
        return special[name](f, named)
    if name in {"MailboxFull", "ExceedLimit", "SpamDetected", "Suspend"} and not f.status:
        return False
    if name == "MesgTooBig" and (named == "exceedlimit" or f.status == "5.2.3"):
        return False
    if name in {"NoRelaying", "SpamDetected"} and f.command in _CONNECTING:
        return False
    if name == "SpamDetected" and f.command in {"MAIL", "RCPT"} and named != "spamdetected":
        return False
    if name not in {"HasMoved", "NoRelaying", "Suspend"} and named == lower:
        return True
    return matches(name, f.diagnostic)


def _by_status(f: Facts) -> str:
    prefix = f.status[:3]
    if prefix in {"4.6", "5.6"}:
        return "contenterror"
    if prefix in {"4.7", "5.7"}:
        return "securityerror"
    if f.spec in {"X-UNIX", "X-POSTFIX"}:
        return "mailererror"
    if re.fullmatch(r"[45]0[0-7]", f.replycode):
        return "syntaxerror"
    if f.action.startswith(("delayed", "expired")):
        return "expired"
    return "blocked" if f.command in {"EHLO", "HELO"} else ""


def _anotherone(f: Facts) -> str:
    reason = status_reason(f.status)
    if reason and reason != "expired" and reason not in RETRIED and f.spec == "SMTP":
        return reason
    for name in _SECOND_ORDER:
        if matches(name, f.diagnostic):
            return name.lower()
    return _by_status(f) or reason


def reason_of(facts: Facts, known: str = "") -> str:
    """Returns sisimai's reason for one failed recipient; never "".

    `known` is a reason a format-specific parser already decided; it stands unless it is
    one sisimai would retry (userunknown, onhold, ...). Falls back to "onhold" when there
    is a diagnostic but nothing matched, and to "undefined" when there is nothing.
    """
    f = Facts(
        facts.status,
        facts.diagnostic.lower(),
        facts.action,
        facts.command.upper(),
        facts.replycode,
        facts.spec.upper(),
    )
    if known and known not in RETRIED:
        return known
    if f.status.startswith("2."):
        return "delivered"
    f = replace(f, reason=known)
    found = ""
    if f.spec in {"SMTP", ""}:
        found = next((n.lower() for n in _FIRST_ORDER if _is(n, f)), "")
    if found and found != "undefined":
        return found
    if known and known != "undefined":
        # sisimai's anotherone keeps a reason the MTA's reader already gave.
        return known
    found = _anotherone(f)
    if found and found != "undefined":
        return found
    if f.action == "delayed":
        return "expired"
    if matches("Vacation", f.diagnostic):
        return "vacation"
    return "onhold" if f.diagnostic else "undefined"
