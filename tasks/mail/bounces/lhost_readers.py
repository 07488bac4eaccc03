"""What some sisimai MTA readers decide in their own code, beyond their generated tables.

Sisimai::Lhost::<MTA>->make finds the failed address, the SMTP command and sometimes the
reason with expressions written inline (not in the `state` tables that ``lhost_patterns``
holds); these are those expressions, transcribed from sisimai 4.25.15, as data.
"""

from __future__ import annotations

import re

_MAX_LINES = 1000
_MAX_LINE = 1000
# MTA -> expressions whose group 1 is a failed recipient, matched per line (re.M).
RECIPIENTS: dict[str, tuple[re.Pattern[str], ...]] = {
    # "  an undisclosed address\n    (generated from x@y)": the alias is the recipient.
    "Exim": (
        re.compile(
            r"^[ ]+an undisclosed address[ \t]*\n[ ]+[(]generated from ([^\s()]+@[^\s()]+)[)]", re.M
        ),
    ),
    "X3": (re.compile(r"^[ \t]+[*][ \t]([^ \n@]+@[^ \n]+)$", re.M),),
    "FML": (re.compile(r"<([^ \n<>@]+@[^ \n<>]+)>[.]$", re.M),),
    "Yahoo": (re.compile(r"^<([^<>@\s]+@[^<>\s]+)>:[ \t]*$", re.M),),
    "InterScanMSS": (
        re.compile(r"^[^\n]*?[<>]{3}[ \t]+[^\n<]*<([^ \n<>]+@[^ \n<>]+)>", re.M),
        re.compile(r"^(?:Reason:[ ]+)?Unable to deliver message to <([^<>\n]+)>", re.M),
    ),
    "Verizon": (
        re.compile(r"^[ \t]+RCPT TO: ([^\s@]+@\S+)$", re.M),
        re.compile(r"^To:[ \t]+[^\n@]*?<?([^\s<>@]+@[^\s<>]+)>?$", re.M),
    ),
}

# MTA -> (expression, command): the SMTP command the reader infers from the diagnostic;
# an empty command means the expression's group 1 names it. Tried in order.
COMMANDS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "Yahoo": (
        (re.compile(r"\[([A-Z]{4}).*\]\s*\Z"), ""),
        (re.compile(r"<[^<>@]+@[^<>]+>"), "RCPT"),
    ),
    "InterScanMSS": (
        (re.compile(r"^Sent[ \t]+<<<[ \t]+([A-Z]{4})[ \t]", re.M), ""),
        (re.compile(r" >>> ([A-Z]{4})"), ""),
    ),
    "Verizon": (),  # its reader names none: "MAIL FROM:" in its text is not one
}

# MTA -> reason -> fragments of the error text (the readers' inline `$messagesof`).
REASONS: dict[str, dict[str, tuple[str, ...]]] = {
    "Verizon": {
        "userunknown": (
            "550 - Requested action not taken: no such user here",
            "No valid recipients for this MM",
        )
    },
    "InterScanMSS": {"userunknown": ("Unable to deliver",)},
}


def recipients(mta: str, text: str) -> list[str]:
    """Returns the failed addresses the MTA's reader would take from the text, in order,
    each once; [] for an MTA not listed here or text without such lines."""
    # Bounded: the error section is at the top, and hostile lines must stay cheap.
    text = "\n".join(line[:_MAX_LINE] for line in text.splitlines()[:_MAX_LINES])
    found = [m.group(1) for p in RECIPIENTS.get(mta, ()) for m in p.finditer(text)]
    return list(dict.fromkeys(a.strip().lower() for a in found if "@" in a))


def command(mta: str, diagnostic: str) -> str | None:
    """Returns the SMTP command the MTA's reader infers from the diagnostic ("RCPT"), ""
    when it infers none, or None for an MTA whose reader this module does not know."""
    rules = COMMANDS.get(mta)
    if rules is None:
        return None
    for pattern, named in rules:
        found = pattern.search(diagnostic[: _MAX_LINE * 5])
        if found:
            return named or found.group(1).upper()
    return ""


def reason(mta: str, text: str) -> str:
    """Returns the reason whose fragment occurs in the text, or "" if none does."""
    for name, fragments in REASONS.get(mta, {}).items():
        if any(f in text for f in fragments):
            return name
    return ""
