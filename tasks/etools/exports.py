"""What a file fetched from eTools or dropped in a folder is, before it is imported: one of
eTools' two exports (by its header), a web page, or something else; and the values of one
of its columns, read cheaply."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

from tasks.etools.files import Problems, rows
from tasks.etools.rows import INTERVENTION_COLUMNS, PARTNER_COLUMNS

_MARKS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


class ExportKind(StrEnum):
    PARTNERS = "partner export"
    INTERVENTIONS = "programme document export"


REQUIRED = {ExportKind.PARTNERS: PARTNER_COLUMNS, ExportKind.INTERVENTIONS: INTERVENTION_COLUMNS}


def web_page(path: Path) -> bool:
    """True when the file starts like HTML or XML (a sign-in or error page), not a CSV."""
    with path.open("rb") as file:
        head = file.read(512)
    for mark in _MARKS:
        head = head.removeprefix(mark)
    return head.replace(b"\x00", b"").lstrip().startswith(b"<")


def header_problem(path: Path, kind: ExportKind) -> str | None:
    """Return why the file's header is not that of eTools' `kind` export (columns missing
    or repeated, unreadable, empty), or None when it is."""
    problems = Problems()
    for _ in rows(path, REQUIRED[kind], problems, None):
        break
    found = [problem for problem in problems.kept if problem.line <= 1]
    if not found:
        return None
    missing = [problem.column for problem in found if problem.message.endswith("missing")]
    if missing:
        return f"its header is not that of eTools' {kind} (no {', '.join(missing)} column)"
    return f"its header is not that of eTools' {kind} ({found[0].message})"


def kind_of(path: Path) -> ExportKind | None:
    """Return which of eTools' exports the file is, by its header; None for neither."""
    return next((kind for kind in ExportKind if header_problem(path, kind) is None), None)


def column_values(path: Path, column: str) -> Iterator[str]:
    """Yield the stripped, non-empty values of `column`, row after row (none when the
    file cannot be read; the import names what is wrong with it)."""
    for row in rows(path, (column,), Problems(), None):
        value = row.cells.get(column, "").strip()
        if value:
            yield value
