"""Keeping partners' people, addresses, words and tokens out of what Prefect shows and keeps
(logs, artifacts, flow results)."""

from __future__ import annotations

import re
from html import escape
from typing import Any

_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")
_TOKEN_LINK = re.compile(r"/(r|opt-out|data|handled)/[A-Za-z0-9_\-]{16,}")


def redacted(text: str) -> str:
    """Return `text` with e-mail addresses and personal-link tokens replaced by
    placeholders (mail servers quote the recipient in their refusals)."""
    return _TOKEN_LINK.sub(r"/\1/…", _ADDRESS.sub("<address>", text))


def reason_kind(reason: str) -> str:
    """Return why a contact is not mailed as Prefect may keep it: its kind ("suppressed by
    staff", "suppressed: hard bounce", "opted out"…), never the words staff or a mail
    server gave (`contact suppress --reason` may name the person, a bounce quote them)."""
    if not reason.startswith("suppressed"):
        return redacted(reason.split(": ", 1)[0])
    why = reason.removeprefix("suppressed").removeprefix(": ")
    if why.startswith("staff:"):
        return "suppressed by staff"
    if why.startswith("hard bounce"):
        return "suppressed: hard bounce"
    if "soft bounces over" in why:
        return "suppressed: soft bounces"
    return "suppressed"


def stand_in(number: int) -> str:
    """Return what shows instead of a contact's name where Prefect may keep it."""
    return f"[contact {number}]"


def without_name(text: str, name: str, number: int, words: bool = False) -> str:
    """Return `text` with the contact's `name` (as written and as HTML escapes it, in any
    case) replaced by `stand_in(number)`; with `words`, also a beginning of the name cut
    off by an ellipsis ("Li N…") and each word of the name of three letters or more
    standing alone (a subject shortens a long name: "Aminata Diallo-Nd…"). Addresses and
    personal-link tokens are redacted too."""
    shown = stand_in(number)
    for form in sorted(_written(name.strip()), key=len, reverse=True):
        text = re.sub(re.escape(form), shown, text, flags=re.IGNORECASE)
        if words:
            text = _without_cut(text, form, shown)
    if words:
        for word in {word for word in re.split(r"[\s\-'\u2019]+", name) if len(word) >= 3}:
            text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", shown, text, flags=re.IGNORECASE)
    return redacted(text)


def _without_cut(text: str, name: str, shown: str) -> str:
    """Return `text` with any beginning of `name` (two characters or more) that an
    ellipsis cuts off replaced by `shown`."""
    for end in range(len(name) - 1, 1, -1):
        cut = re.escape(name[:end].rstrip())
        text = re.sub(rf"(?<!\w){cut}(?=\s*(?:…|\.\.\.))", shown, text, flags=re.IGNORECASE)
    return text


def _written(name: str) -> set[str]:
    """The ways a name shows in a message: as is, as Python and as Jinja escape it in HTML."""
    escaped = escape(name)
    jinja = escaped.replace("&#x27;", "&#39;").replace("&quot;", "&#34;")
    return {name, escaped, escape(name, quote=False), jinja} - {""}


# Columns of report rows that name partners' people or quote what they wrote: the terminal
# shows them, Prefect's store (artifacts, flow results, kept with their history) never
# does. Such rows carry the person's contact number in a column of its own instead.
PRIVATE_COLUMNS = frozenset(
    {
        "from",
        "text",
        "name",
        "contributor",
        "comment",
        "owner",
        "supporters",
        "support needed",
        "suppressed because",
    }
)


def for_prefect(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the rows without the `PRIVATE_COLUMNS`."""
    return [
        {key: value for key, value in row.items() if key not in PRIVATE_COLUMNS} for row in rows
    ]
