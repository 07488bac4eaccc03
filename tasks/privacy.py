"""Keeping partners' people, addresses, words and tokens out of what Prefect shows and keeps
(logs, artifacts, flow results)."""

from __future__ import annotations

import re
from typing import Any

_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")
_TOKEN_LINK = re.compile(r"/(r|opt-out|data)/[A-Za-z0-9_\-]{16,}")


def redacted(text: str) -> str:
    """Return `text` with e-mail addresses and personal-link tokens replaced by
    placeholders (mail servers quote the recipient in their refusals)."""
    return _TOKEN_LINK.sub(r"/\1/…", _ADDRESS.sub("<address>", text))


# Columns of report rows that name partners' people or quote what they wrote: the terminal
# shows them, Prefect's store (artifacts, flow results, kept with their history) never
# does. Such rows carry the person's contact number in a column of its own instead.
PRIVATE_COLUMNS = frozenset(
    {"from", "text", "name", "contributor", "comment", "owner", "supporters", "support needed"}
)


def for_prefect(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the rows without the `PRIVATE_COLUMNS`."""
    return [
        {key: value for key, value in row.items() if key not in PRIVATE_COLUMNS} for row in rows
    ]
