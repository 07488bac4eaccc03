"""Writing an export's rows to a CSV or XLSX file, whole or not at all.

CSV is written in UTF-8 with a byte-order mark (`utf-8-sig`): Excel, which M&E staff open
exports in, reads a CSV file without one in the machine's legacy code page, so "Thiès"
and Arabic answers would show as mojibake; every other reader skips the mark. XLSX goes
through openpyxl's write-only workbook, which streams rows to the file rather than
holding the sheet in memory.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from tasks.exports.cells import Cell, cell

Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")


class ExportError(Exception):
    """The export cannot be written as asked; the message is one line saying why."""


@dataclass(frozen=True)
class Column:
    """A column: its header and its width in an XLSX sheet (in characters)."""

    header: str
    width: int = 14


def checked_output(path: Path, force: bool) -> Path:
    """Return `path` made absolute when an export may be written there; raise
    `ExportError` for a directory, a missing folder, or an existing file unless `force`."""
    path = path.expanduser().absolute()
    if path.is_dir():
        raise ExportError(f"{path} is a folder: give a file name")
    if not path.parent.is_dir():
        raise ExportError(f"folder {path.parent} does not exist")
    if path.exists() and not force:
        raise ExportError(f"{path} exists: --force replaces it")
    return path


def write_rows(
    path: Path, form: Format, title: str, columns: list[Column], rows: Iterable[Iterable[object]]
) -> int:
    """Write the header and `rows` (each value made a safe cell, `cells.cell`) to `path`
    in `form`, replacing it only once every row is written; return how many rows. Raise
    `ExportError` when the file cannot be written."""
    try:
        with _replacing(path) as partial:
            if form == "csv":
                return _write_csv(partial, columns, rows)
            return _write_xlsx(partial, title, columns, rows)
    except OSError as error:
        raise ExportError(f"cannot write {path}: {error.strerror or error}") from None


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """Yield a temporary file beside `path` that replaces it when the block succeeds and
    is removed when it fails (a reader never sees half an export). The file is readable
    by its owner only (mkstemp's mode): it holds what partners said."""
    handle, name = tempfile.mkstemp(prefix=".export-", suffix=".partial", dir=path.parent)
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _write_csv(path: Path, columns: list[Column], rows: Iterable[Iterable[object]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([cell(column.header) for column in columns])
        for row in rows:
            writer.writerow([_csv_value(cell(value)) for value in row])
            count += 1
    return count


def _csv_value(value: Cell) -> object:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _write_xlsx(
    path: Path, title: str, columns: list[Column], rows: Iterable[Iterable[object]]
) -> int:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    for number, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.append([_xlsx_cell(sheet, column.header) for column in columns])
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
    book.save(path)
    return count


def _xlsx_cell(sheet: object, value: object) -> object:
    """Return the cell for `value`; text stays text (openpyxl would read a text starting
    with `=` as a formula, and `#N/A` as an error)."""
    safe = cell(value)
    if not isinstance(safe, str):
        return safe
    written = WriteOnlyCell(sheet, safe)
    written.data_type = "s"
    return written
