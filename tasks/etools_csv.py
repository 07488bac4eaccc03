"""Reading eTools CSV exports (partners, programme documents) into checked records.

Columns are found by header name; every problem is collected as `file:line: column:
message` and raised together, so one run shows the whole list to fix.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from email_validator import EmailNotValidError, validate_email

from db.models import InterventionStatus
from tasks.countries import country

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_CELL_CHARS = 100_000
ORGANIZATION_TYPES = frozenset(
    {"Bilateral / Multilateral", "Civil Society Organization", "Government", "UN Agency"}
)
CSO_TYPES = frozenset(
    {
        "International",
        "National",
        "Community Based Organization",
        "Academic Institution",
        "Red Cross/Red Crescent National Societies",
    }
)
DOCUMENT_TYPES = frozenset({"PD", "SPD"})
PARTNER_COLUMNS = ("Vendor Number", "Organizations Full Name", "Partner Type", "Staff Members")
INTERVENTION_COLUMNS = (
    "Vendor Number",
    "Status",
    "Document Type",
    "Reference Number",
    "Document Title",
    "Start Date",
    "End Date",
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BAD_BYTE = re.compile(r"[\udc80-\udcff]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


class EtoolsFileError(Exception):
    """One or more problems in the exports; nothing was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class StaffMember:
    name: str
    email: str | None


@dataclass(frozen=True)
class PartnerRecord:
    line: int
    vendor_number: str
    name: str
    short_name: str
    partner_type: str
    cso_type: str
    staff: tuple[StaffMember, ...]


@dataclass(frozen=True)
class InterventionRecord:
    line: int
    vendor_number: str
    partner_name: str
    status: InterventionStatus
    document_type: str
    reference_number: str
    title: str
    start_date: date | None
    end_date: date | None
    country: str
    agreement: str = ""
    offices: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    focal_points: tuple[str, ...] = ()


@dataclass
class Row:
    """One data row, with checked accessors that record problems instead of raising."""

    file: str
    line: int
    cells: dict[str, str]
    problems: list[Problem] = field(default_factory=list)

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


def read_partners(path: Path) -> list[PartnerRecord]:
    """Return the partners in an eTools partner export; raise `EtoolsFileError` on any problem."""
    problems: list[Problem] = []
    records: list[PartnerRecord] = []
    first_line: dict[str, int] = {}
    for row in _rows(path, PARTNER_COLUMNS, problems):
        record = _partner(row)
        problems.extend(row.problems)
        if record is None:
            continue
        if record.vendor_number in first_line:
            row.problem("Vendor Number", f"duplicate of line {first_line[record.vendor_number]}")
            problems.extend(row.problems)
            continue
        first_line[record.vendor_number] = row.line
        records.append(record)
    if problems:
        raise EtoolsFileError(problems)
    return records


def read_interventions(path: Path) -> list[InterventionRecord]:
    """Return the programme documents in an eTools export; raise `EtoolsFileError` on any
    problem, duplicate reference numbers included."""
    problems: list[Problem] = []
    records: list[InterventionRecord] = []
    first_line: dict[str, int] = {}
    for row in _rows(path, INTERVENTION_COLUMNS, problems):
        record = _intervention(row)
        problems.extend(row.problems)
        if record is None:
            continue
        if record.reference_number in first_line:
            where = first_line[record.reference_number]
            problems.append(
                Problem(row.file, row.line, "Reference Number", f"duplicate of line {where}")
            )
            continue
        first_line[record.reference_number] = row.line
        records.append(record)
    if problems:
        raise EtoolsFileError(problems)
    return records


def _partner(row: Row) -> PartnerRecord | None:
    vendor_number = row.text("Vendor Number", 64, required=True)
    name = row.text("Organizations Full Name", 512, required=True)
    short_name = row.text("Short Name", 256)
    organization, _, cso_type = row.text("Partner Type", 256, required=True).partition("/")
    if organization and organization not in ORGANIZATION_TYPES:
        row.problem("Partner Type", f"unknown organisation type {organization!r}")
    if cso_type and cso_type not in CSO_TYPES:
        row.problem("Partner Type", f"unknown CSO type {cso_type!r}")
    staff = staff_members(row)
    if row.problems:
        return None
    return PartnerRecord(row.line, vendor_number, name, short_name, organization, cso_type, staff)


def _intervention(row: Row) -> InterventionRecord | None:
    reference = row.text("Reference Number", 128, required=True)
    status = row.choice("Status", frozenset(InterventionStatus))
    start, end = row.date("Start Date"), row.date("End Date")
    if start and end and end < start:
        row.problem("End Date", f"{end} is before the start date {start}")
    found = country(reference.split("/", 1)[0]) if reference else None
    if reference and found is None:
        row.problem(
            "Reference Number",
            f"{reference!r} does not start with an ISO 3166 alpha-3 country code (e.g. SEN/…)",
        )
    vendor_number = row.text("Vendor Number", 64, required=True)
    document_type = row.choice("Document Type", DOCUMENT_TYPES)
    if row.problems or found is None:
        return None
    return InterventionRecord(
        line=row.line,
        vendor_number=vendor_number,
        partner_name=row.text("Partner", 512),
        status=InterventionStatus(status),
        document_type=document_type,
        reference_number=reference,
        title=row.text("Document Title", 2000),
        start_date=start,
        end_date=end,
        country=found.alpha3,
        agreement=row.text("Agreement", 128),
        offices=row.listing("UNICEF Office"),
        sections=row.listing("Sections"),
        focal_points=row.listing("UNICEF Focal Points"),
    )


def staff_members(row: Row) -> tuple[StaffMember, ...]:
    """Return the people in `Staff Members` ("Full Name (email), …").

    The e-mail is the last parenthesised group of an entry when it holds an `@`; other
    parentheses belong to the name. An entry without one is a contact with no address.
    Addresses are validated and normalised (lower case); a repeated address is kept once.
    """
    column = "Staff Members"
    members: dict[str, StaffMember] = {}
    nameless: list[StaffMember] = []
    for entry in _top_level_split(row.text(column, MAX_CELL_CHARS)):
        name, email = _name_and_email(entry)
        if not name:
            row.problem(column, f"entry {entry!r} has no name")
        elif len(name) > 256:
            row.problem(column, f"a name is {len(name)} characters long, at most 256")
        elif email is None:
            nameless.append(StaffMember(name, None))
        else:
            try:
                normalized = validate_email(email, check_deliverability=False).normalized.lower()
            except EmailNotValidError as error:
                row.problem(column, f"invalid e-mail {email!r} for {name}: {error}")
                continue
            members.setdefault(normalized, StaffMember(name, normalized))
    return (*members.values(), *nameless)


def _name_and_email(entry: str) -> tuple[str, str | None]:
    if entry.endswith(")"):
        opening = entry.rfind("(")
        candidate = entry[opening + 1 : -1].strip()
        if opening >= 0 and "@" in candidate:
            return entry[:opening].strip(), candidate
    return entry.strip(), None


def _top_level_split(cell: str) -> Iterator[str]:
    """Yield the comma-separated entries of `cell`, ignoring commas inside parentheses."""
    depth, start = 0, 0
    for index, character in enumerate(cell):
        if character == "(":
            depth += 1
        elif character == ")":
            depth = max(depth - 1, 0)
        elif character == "," and depth == 0:
            if cell[start:index].strip():
                yield cell[start:index].strip()
            start = index + 1
    if cell[start:].strip():
        yield cell[start:].strip()


def _rows(path: Path, required: tuple[str, ...], problems: list[Problem]) -> Iterator[Row]:
    """Yield the non-empty data rows of `path`; header and structure problems go to
    `problems` (and stop the file when the header is unusable)."""
    text = _decoded(path, problems)
    if text is None:
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header = _header(path, reader, required, problems)
    if header is None:
        return
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.append(Problem(str(path), line, "-", f"malformed CSV: {error}"))
            return
        row = Row(str(path), line, {})
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


def _header(
    path: Path, reader: Iterator[list[str]], required: tuple[str, ...], problems: list[Problem]
) -> list[str] | None:
    try:
        header = [name.strip() for name in next(reader)]
    except (StopIteration, csv.Error):
        problems.append(Problem(str(path), 1, "-", "no header row"))
        return None
    missing = [name for name in required if name not in header]
    for name in missing:
        problems.append(Problem(str(path), 1, name, "required column is missing"))
    duplicated = sorted({name for name in header if name and header.count(name) > 1})
    for name in duplicated:
        problems.append(Problem(str(path), 1, name, "column appears more than once"))
    return None if missing or duplicated else header


def _check_characters(row: Row) -> None:
    for column, value in row.cells.items():
        if _BAD_BYTE.search(value):
            row.problem(column, "holds bytes that are not UTF-8")
        elif _CONTROL.search(value):
            row.problem(column, "holds a control character")
        elif len(value) > MAX_CELL_CHARS:
            row.problem(column, f"is {len(value)} characters long, at most {MAX_CELL_CHARS}")


def _decoded(path: Path, problems: list[Problem]) -> str | None:
    """Return the file's text (UTF-8, BOM dropped); bytes that are not UTF-8 are kept as
    lone surrogates so the cell holding them can be named."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            message = f"file is {size} bytes, at most {MAX_FILE_BYTES}"
            problems.append(Problem(str(path), 0, "-", message))
            return None
        raw = path.read_bytes()
    except OSError as error:
        problems.append(Problem(str(path), 0, "-", f"cannot read: {error.strerror}"))
        return None
    return raw.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
