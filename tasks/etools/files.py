"""Reading an eTools export as a stream of checked rows: its encoding (UTF-8, or UTF-16
and UTF-32 by their byte-order mark), its header, its structure and characters. Every
problem is collected as `file:line: column: message`; a file is read once per pass and
fingerprinted as it is read, so its size costs time, not memory.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tasks.responses.forms import CONTROL

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_CELL_CHARS = 100_000
MAX_PROBLEMS_KEPT = 1_000
# Bytes that do not decode stay in the text as surrogates (UTF-8: surrogateescape's
# \udc80-\udcff; UTF-16/32: the lone surrogates themselves), so the cell can be named.
_BAD_BYTE = re.compile(r"[\ud800-\udfff]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Byte-order marks, longest first: UTF-32's little-endian one starts like UTF-16's.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


class EtoolsFileError(Exception):
    """One or more problems in the exports; nothing was imported. `problems` holds the
    first ones found (at most MAX_PROBLEMS_KEPT), `total` counts them all."""

    def __init__(self, problems: list[Problem], total: int | None = None) -> None:
        self.problems = problems
        self.total = max(total or 0, len(problems))
        super().__init__("\n".join(str(problem) for problem in problems))


class Problems:
    """The problems found so far: the first MAX_PROBLEMS_KEPT kept, every one counted, so
    a file that is wrong on every line costs no more memory than one wrong a thousand times."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    def add(self, problem: Problem) -> None:
        self.total += 1
        if len(self.kept) < MAX_PROBLEMS_KEPT:
            self.kept.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    def raise_any(self) -> None:
        """Raise `EtoolsFileError` with the problems, if there are any."""
        if self.total:
            raise EtoolsFileError(self.kept, self.total)


@dataclass
class Row:
    """One data row, with checked accessors that record problems instead of raising."""

    file: str
    line: int
    cells: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    encoding: str = "UTF-8"

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.line, column, message))

    def text(self, column: str, max_length: int, required: bool = False) -> str:
        value = self.cells.get(column, "").strip()
        if required and not value:
            self.problem(column, "is empty")
        elif len(value) > max_length:
            self.problem(column, f"is {len(value)} characters long, at most {max_length}")
        return value

    def date(self, column: str) -> date | None:
        value = self.text(column, 10)
        if not value:
            return None
        try:
            if not _ISO_DATE.fullmatch(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.problem(column, f"{value!r} is not a date (YYYY-MM-DD)")
            return None

    def choice(self, column: str, allowed: frozenset[str], required: bool = True) -> str:
        value = self.text(column, 128, required=required)
        if value and value not in allowed:
            self.problem(column, f"unknown value {value!r} (one of: {', '.join(sorted(allowed))})")
        return value

    def listing(self, column: str, max_length: int = 256) -> tuple[str, ...]:
        value = self.text(column, MAX_CELL_CHARS)
        items = tuple(item.strip() for item in value.split(", ") if item.strip())
        for item in items:
            if len(item) > max_length:
                message = f"an entry is {len(item)} characters long, at most {max_length}"
                self.problem(column, message)
        return items


def rows(
    path: Path, required: tuple[str, ...], problems: Problems, digest: Any | None
) -> Iterator[Row]:
    """Yield the non-empty data rows of `path`, read as a stream; header and structure
    problems go to `problems` (and stop the file when the header is unusable)."""
    text = _opened(path, problems, digest)
    if text is None:
        return
    with text:
        try:
            reader = _reader(text)
        except UnicodeDecodeError as error:
            problems.add(Problem(str(path), 1, "-", _undecodable(error)))
            return
        header = _header(path, reader, required, problems)
        if header is None:
            return
        yield from _data_rows(path, reader, header, problems, _label(text.encoding))


def _data_rows(
    path: Path, reader: Any, header: list[str], problems: Problems, encoding: str
) -> Iterator[Row]:
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.add(Problem(str(path), line, "-", f"malformed CSV: {error}"))
            return
        except UnicodeDecodeError as error:
            problems.add(Problem(str(path), line, "-", _undecodable(error)))
            return
        row = Row(str(path), line, {}, encoding=encoding)
        line = reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            row.problem("-", f"{len(cells)} cells where the header has {len(header)}")
        else:
            row.cells = dict(zip(header, cells, strict=True))
            _check_characters(row)
        if row.problems:
            problems.extend(row.problems)
        else:
            yield row


def _reader(text: io.TextIOWrapper) -> Any:
    """Return a CSV reader over `text`, tab-separated when its first line is: Excel's
    "Unicode text" (UTF-16) re-save of an export is. Raises UnicodeDecodeError."""
    first = text.readline()
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    lines = itertools.chain([first], text) if first else text
    return csv.reader(lines, delimiter=delimiter, strict=True)


def _header(
    path: Path, reader: Any, required: tuple[str, ...], problems: Problems
) -> list[str] | None:
    try:
        header = [name.strip() for name in next(reader)]
    except (StopIteration, csv.Error, UnicodeDecodeError):
        problems.add(Problem(str(path), 1, "-", "no header row"))
        return None
    missing = [name for name in required if name not in header]
    for name in missing:
        problems.add(Problem(str(path), 1, name, "required column is missing"))
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    for name in duplicated:
        problems.add(Problem(str(path), 1, name, "column appears more than once"))
    return None if missing or duplicated else header


def _undecodable(error: UnicodeDecodeError) -> str:
    encoding = _label(error.encoding)
    return f"holds bytes that are not {encoding} ({error.reason}); the rest was not read"


def _label(encoding: str) -> str:
    """Return "UTF-8", "UTF-16" or "UTF-32" for a codec's name."""
    return encoding.upper()[:6].removesuffix("-")


def _check_characters(row: Row) -> None:
    values = row.cells.values()
    joined = "".join(values)
    # One search over the whole row first: nearly every row is clean.
    clean = not _BAD_BYTE.search(joined) and not CONTROL.search(joined)
    if clean and max(map(len, values), default=0) <= MAX_CELL_CHARS:
        return
    for column, value in row.cells.items():
        if _BAD_BYTE.search(value):
            row.problem(column, f"holds bytes that are not {row.encoding}")
        elif CONTROL.search(value):
            row.problem(column, "holds a control character")
        elif len(value) > MAX_CELL_CHARS:
            row.problem(column, f"is {len(value)} characters long, at most {MAX_CELL_CHARS}")


def _opened(path: Path, problems: Problems, digest: Any | None) -> io.TextIOWrapper | None:
    """Return the file as a text stream: UTF-8 (BOM dropped; bytes that are not UTF-8 kept
    as lone surrogates so the cell holding them can be named), or UTF-16/UTF-32 when a
    byte-order mark says so. None, with the problem, when it cannot be read."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            message = f"file is {size} bytes, at most {MAX_FILE_BYTES}"
            problems.add(Problem(str(path), 0, "-", message))
            return None
        raw = path.open("rb", buffering=0)
    except OSError as error:
        problems.add(Problem(str(path), 0, "-", f"cannot read: {error.strerror}"))
        return None
    head = raw.read(64)
    raw.seek(0)
    encoding = next((name for bom, name in _BOMS if head.startswith(bom)), "utf-8")
    if encoding == "utf-8" and _looks_like_utf16(head):
        raw.close()
        message = (
            "looks like UTF-16 without a byte-order mark; export it again as CSV UTF-8 "
            "(eTools' own export, or Excel's \u201cCSV UTF-8 (Comma delimited)\u201d)"
        )
        problems.add(Problem(str(path), 1, "-", message))
        return None
    errors = "surrogateescape" if encoding.startswith("utf-8") else "surrogatepass"
    hashed = io.BufferedReader(_Hashing(raw, digest or hashlib.sha256()), 1 << 16)
    return io.TextIOWrapper(hashed, encoding=encoding, errors=errors, newline="")


def _looks_like_utf16(head: bytes) -> bool:
    """Return True when every other byte of the start is NUL, as in UTF-16 text."""
    if len(head) < 4:
        return False
    return not any(head[0::2]) or not any(head[1::2])


class _Hashing(io.RawIOBase):
    """A raw binary stream that feeds every byte read to `digest`, so one pass over an
    export both reads and fingerprints it."""

    def __init__(self, file: io.FileIO, digest: Any) -> None:
        self._file, self._digest = file, digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._file.readinto(buffer) or 0
        self._digest.update(memoryview(buffer)[:count])
        return count

    def close(self) -> None:
        self._file.close()
        super().close()
