"""Exports dropped in a folder, for offices without API access (CONTINUITY_ETOOLS_DROP: a
SharePoint or OneDrive folder synced to the server). The newest partner export and the
newest programme document export, told apart by their header whatever their names, are
imported as a pair, then moved to `imported/` with the date; what cannot be imported goes
to `rejected/` with the reason beside it (`NAME.reason.txt`), older exports too."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tasks.countries import file_name_code
from tasks.etools.exports import ExportKind, header_problem, kind_of, web_page
from tasks.etools.scope import Held

IMPORTED, REJECTED = "imported", "rejected"
EXPORTS = frozenset({".csv", ".txt", ".tsv"})
WORKBOOKS = frozenset({".xlsx", ".xls", ".ods"})


class DropError(Exception):
    """The drop folder cannot be read; the message names it."""


@dataclass
class Dropped:
    """What the drop folder holds: the pair to import (or None), files to move aside with
    their reason, and a note when half a pair waits for the other half."""

    pair: Held | None = None
    aside: list[tuple[Path, str]] = field(default_factory=list)
    waiting: str = ""


def dropped(folder: Path) -> Dropped:
    """Return what `folder` holds, newest first; raise `DropError` when it cannot be
    read. Hidden files, Office's lock files and those of other kinds stay untouched."""
    try:
        files = [path for path in folder.iterdir() if _candidate(path)]
        files.sort(key=lambda path: (path.stat().st_mtime, path.name), reverse=True)
    except OSError as error:
        message = f"CONTINUITY_ETOOLS_DROP: {folder} cannot be read ({error.strerror})"
        raise DropError(message) from None
    found = Dropped()
    newest: dict[ExportKind, Path] = {}
    for path in files:
        kind, reason = _kind(path)
        if kind is None:
            found.aside.append((path, reason))
        elif kind in newest:
            found.aside.append((path, f"a newer {kind} was dropped too: {newest[kind].name}"))
        else:
            newest[kind] = path
    partners, interventions = newest.get(ExportKind.PARTNERS), newest.get(ExportKind.INTERVENTIONS)
    half = partners or interventions
    if partners and interventions:
        code = file_name_code(interventions.name) or "drop"
        found.pair = Held(code, partners, interventions)
    elif half is not None:
        other = ExportKind.INTERVENTIONS if partners else ExportKind.PARTNERS
        found.waiting = f"{half.name} waits for a {other} to be dropped"
    return found


def _candidate(path: Path) -> bool:
    hidden = path.name.startswith((".", "~", "~$"))
    return path.is_file() and not hidden and path.suffix.lower() in EXPORTS | WORKBOOKS


def _kind(path: Path) -> tuple[ExportKind | None, str]:
    if path.suffix.lower() in WORKBOOKS:
        return None, "a spreadsheet, not a CSV export: export it from eTools again, as CSV"
    if web_page(path):
        return None, "a web page, not one of eTools' CSV exports"
    kind = kind_of(path)
    if kind is None:
        problem = header_problem(path, ExportKind.INTERVENTIONS)
        return None, f"neither of eTools' exports: {problem}"
    return kind, ""


def file_away(path: Path, folder: Path, day: date, reason: str = "") -> Path:
    """Move `path` to `imported/` (no reason) or `rejected/` of `folder`, its name
    prefixed with `day`, the reason beside it; return where it went."""
    place = folder / (REJECTED if reason else IMPORTED)
    place.mkdir(exist_ok=True)
    target = place / f"{day.isoformat()} {path.name}"
    number = 1
    while target.exists():
        number += 1
        target = place / f"{day.isoformat()} {path.stem} ({number}){path.suffix}"
    path.replace(target)
    if reason:
        target.with_name(target.name + ".reason.txt").write_text(reason + "\n", encoding="utf-8")
    return target
