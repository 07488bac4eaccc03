"""Which MTA wrote a bounce, told the way sisimai tells it, and what that MTA's tables say.

sisimai's Sisimai::Lhost::<MTA> modules each start by checking the bounce's headers
(From:, Subject:, X-Mailer:, Received:...) and carry tables of message fragments per
reason; ``lhost_patterns`` holds those tables (generated from the Perl), and
``lhost_markers`` each module's header checks, transcribed as data from its ``make``.
"""

from __future__ import annotations

import re
from email.message import Message
from functools import cache
from typing import Any

from tasks.mail.bounces.lhost_markers import MARKERS, Check
from tasks.mail.bounces.lhost_patterns import LHOSTS, ORDER, RHOST_CLASSES, RHOSTS, SUBJECT_ORDER
from tasks.mail.text import header

_HEADERS = frozenset(c[0] for m in MARKERS.values() for c in (*m.every, *m.some, *m.veto))


def _passes(check: Check, heads: dict[str, list[str]]) -> bool:
    name, test, value = check
    values = heads.get(name, [])
    if test == "present":
        return bool(values)
    for v in values:
        if (
            (test == "has" and v)
            or (test == "eq" and v == value)
            or (test == "starts" and v.startswith(value))
            or (test == "in" and value in v)
            or (test == "ends" and v.endswith(value))
            or (test == "re" and re.search(value, v))
        ):
            return True
    return False


def _is(name: str, heads: dict[str, list[str]]) -> bool:
    marker = MARKERS.get(name)
    if marker is None or any(_passes(c, heads) for c in marker.veto):
        return False
    if not all(_passes(c, heads) for c in marker.every):
        return False
    return not marker.some or sum(_passes(c, heads) for c in marker.some) >= marker.least


def _subject_key(subject: str) -> str:
    # Sisimai::Order->make: the first word before ":", else the first two words joined by "-".
    text = re.sub(r"[_\[\] ]+", " ", subject).lstrip(" ")
    words = text.lower().split(" ", 2)
    first = text.split(":", 1)[0].lower() if ":" in words[0][1:] else "-".join(words[:2])
    return re.sub(r'[:",*]', "", first)


def detect(mail: Message) -> str:
    """Returns the sisimai Lhost module name whose header checks the mail passes, or "".

    Modules are tried in sisimai's order: first those its Subject: suggests, then the
    default order; the first that passes wins.
    """
    heads: dict[str, list[str]] = {}
    for name in _HEADERS:
        try:
            values = mail.get_all(name) or []
        except Exception:  # hostile headers: treat as absent
            values = []
        heads[name] = [" ".join(str(v).split()) for v in values[:50]]
    heads["from"] = [header(mail, "From")]
    heads["subject"] = [header(mail, "Subject")]
    suggested = SUBJECT_ORDER.get(_subject_key(heads["subject"][0]), [])
    return next((n for n in dict.fromkeys((*suggested, *ORDER)) if _is(n, heads)), "")


@cache
def _compiled(source: str, flags: str) -> re.Pattern[str]:
    bits = (re.X if "x" in flags else 0) | (re.I if "i" in flags else 0)
    return re.compile(source, bits | re.M if "m" in flags else bits)


def _hits(entry: Any, text: str, lower: str) -> bool:
    """True when one table entry (a fragment, a regex, or a list of them) is in the text."""
    if isinstance(entry, list):
        return any(_hits(e, text, lower) for e in entry)
    if isinstance(entry, dict) and "re" in entry:
        return _compiled(entry["re"], entry.get("flags", "")).search(text) is not None
    return isinstance(entry, str) and bool(entry) and entry.lower() in lower


def table_reason(table: dict[str, Any], text: str) -> str:
    """Returns the reason whose fragments or regexes (reason -> entries) occur in the text.

    Also takes code tables the other way round (code -> reason); "" when nothing matches.
    """
    lower = text.lower()
    for key, entry in sorted(table.items()):
        if isinstance(entry, str) and key and key.lower() in lower and entry.isalpha():
            return entry.lower()
        if not isinstance(entry, str) and _hits(entry, text, lower):
            return key.lower()
    return ""


def lhost_reason(mta: str, diagnostic: str) -> str:
    """Returns the reason the MTA's own tables give the diagnostic, or "" if none does."""
    tables = LHOSTS.get(mta, {})
    for name in ("messagesof", "refailures", "errorcodes", "errortable"):
        table = tables.get(name)
        if isinstance(table, dict) and (found := table_reason(table, diagnostic)):
            return found
    return ""


def coded_reason(mta: str, status: str, diagnostic: str, category: str = "") -> str:
    """Returns the reason the MTA's code tables give, or "" if none does.

    Office365's key on the status (5.1.10), Gmail's on its session state ("(state 14)."),
    Exchange 2007's on its NDR code in the diagnostic (RESOLVER.ADR.RecipNotFound),
    PowerMTA's on its bounce category.
    """
    tables = LHOSTS.get(mta, {})
    for source, reason in tables.get("statuslist", {}).items() if status else ():
        if re.search(source, status):
            return str(reason)
    state = _gmail_state(mta, diagnostic)
    if state:
        return str(state["reason"])
    error = tables.get("markingsof", {}).get("error")
    codes = tables.get("ndrsubject", {})
    if codes and isinstance(error, dict):
        found = _compiled(error["re"], error.get("flags", "")).search(diagnostic)
        if found and found.groups():
            return str(codes.get(found.group(1), ""))
    return str(tables.get("categories", {}).get(category, ""))


def _gmail_state(mta: str, diagnostic: str) -> dict[str, str]:
    # Gmail's "(state 14)." names the step of the SMTP session that failed.
    found = re.search(r"[(]state (\d+)[)][.]", diagnostic)
    table = LHOSTS.get(mta, {}).get("statetable", {})
    return dict(table.get(found.group(1), {})) if found else {}


def lhost_command(mta: str, text: str) -> str:
    """Returns the SMTP command the MTA's own wording says failed (RCPT, DATA...), or ""."""
    state = _gmail_state(mta, text)
    if state:
        return str(state["command"])
    table = LHOSTS.get(mta, {}).get("recommands")
    entries = table if isinstance(table, list) else [table] if table else []
    if isinstance(table, dict) and "re" not in table:
        for command, entry in table.items():
            if _hits(entry, text, text.lower()):
                return str(command).upper()
        return ""
    for entry in entries:
        found = _compiled(entry["re"], entry.get("flags", "")).search(text)
        if found and found.groups():
            return str(found.group(1)).upper()
    return ""


def rhost_reason(hosts: tuple[str, ...], diagnostic: str, status: str, reply: str) -> str:
    """Returns the reason sisimai's Rhost tables for the remote host give, or "" if none.

    `hosts` are the remote host's name and the recipient's domain, tried in that order;
    `reply` is the SMTP reply code ("550"), which some hosts' tables are keyed by.
    """
    for host in (h.lower() for h in hosts if h):
        name = next((n for r, n in RHOST_CLASSES.items() if re.search(r, host)), "")
        if name:
            return _rhost_table_reason(RHOSTS.get(name, {}), diagnostic, status, reply)
    return ""


def _in_range(status: str, code: str, low: int, high: int) -> bool:
    # ExchangeOnline's rows: an exact status, or a prefix with a range for the last number.
    if low == high:
        return status == code
    last = status.rpartition(".")[2]
    return code in status and last.isdigit() and low <= int(last) <= high


def _row_hits(row: list[Any], lower: str, status: str, reply: str) -> bool:
    """One Rhost table row, by its shape: [status, low, high, text] (ExchangeOnline),
    [replies, statuses, text] (GoogleApps) or [reply, text] (Mimecast)."""
    if len(row) == 4:
        code, low, high, text = row
        return _in_range(status, str(code), int(low), int(high)) and str(text) in lower
    if len(row) == 3:
        replies, statuses, text = (str(v) for v in row)
        return (
            bool(reply)
            and bool(status)
            and text.lower() in lower
            and reply[1:3] in replies[1:]
            and status[2:] in statuses[2:]
        )
    if len(row) == 2:
        return reply == str(row[0]) and str(row[1]).lower() in lower
    return False


def _rhost_table_reason(tables: dict[str, Any], diagnostic: str, status: str, reply: str) -> str:
    lower = diagnostic.lower()
    codes = tables.get("errorcodes", {})
    for code, reason in sorted(codes.items()) if isinstance(codes, dict) else ():
        # Named codes only (GoDaddy's IB212, Cox's CXBL); bare numbers need each host's parser.
        if isinstance(reason, str) and not code.isdigit() and re.search(rf"\b{code}\b", diagnostic):
            return reason
    table = tables.get("messagesof", {})
    for key, entry in sorted(table.items()):
        if isinstance(entry, str):
            # KDDI's is reason -> text, TencentQQ's text -> reason.
            if entry.lower() in lower and key.isalpha():
                return key
            if key.lower() in lower and entry.isalpha():
                return entry
            continue
        for item in entry if isinstance(entry, list) else [entry]:
            if isinstance(item, list) and _row_hits(item, lower, status, reply):
                return str(key)
            if not isinstance(item, list) and _hits(item, diagnostic, lower):
                return str(key)
    return ""
