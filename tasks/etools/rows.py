"""Reading eTools CSV exports (partners, programme documents) into checked records.

Columns are found by header name; every problem is collected (`tasks/etools_files.py`)
and raised together, so one run shows the whole list to fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from db.models import InterventionStatus
from tasks.countries import Workspaces
from tasks.etools.files import Problem, Problems, Row, rows
from tasks.etools.members import StaffMember, staff_members

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


@dataclass(frozen=True, slots=True)
class PartnerRecord:
    line: int
    vendor_number: str
    name: str
    short_name: str
    partner_type: str
    cso_type: str
    staff: tuple[StaffMember, ...]


@dataclass(frozen=True, slots=True)
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


def read_partners(path: Path) -> list[PartnerRecord]:
    """Return the partners in an eTools partner export; raise `EtoolsFileError` on any problem."""
    problems = Problems()
    records = list(iter_partners(path, problems))
    problems.raise_any()
    return records


def read_interventions(
    path: Path, workspaces: Workspaces | None = None
) -> list[InterventionRecord]:
    """Return the programme documents in an eTools export; raise `EtoolsFileError` on any
    problem, duplicate reference numbers and unknown workspace codes included."""
    problems = Problems()
    records = list(iter_interventions(path, workspaces or Workspaces.load(), problems))
    problems.raise_any()
    return records


def iter_partners(
    path: Path, problems: Problems, digest: Any | None = None
) -> Iterator[PartnerRecord]:
    """Yield the valid partners of an export, one at a time; every problem, a repeated
    vendor number included, goes to `problems`. `digest` (hashlib) gets the file's bytes."""
    first_line: dict[str, int] = {}
    for row in rows(path, PARTNER_COLUMNS, problems, digest):
        record = _partner(row)
        problems.extend(row.problems)
        if record is None:
            continue
        if record.vendor_number in first_line:
            where = first_line[record.vendor_number]
            problems.add(Problem(row.file, row.line, "Vendor Number", f"duplicate of line {where}"))
            continue
        first_line[record.vendor_number] = row.line
        yield record


def iter_interventions(
    path: Path, workspaces: Workspaces, problems: Problems, digest: Any | None = None
) -> Iterator[InterventionRecord]:
    """Yield the valid programme documents of an export, one at a time; every problem goes
    to `problems`. A workspace code no one knows is reported once, at its first line, with
    the number of rows that carry it. `digest` (hashlib) gets the file's bytes."""
    first_line: dict[str, int] = {}
    unknown: dict[str, list[Any]] = {}
    workspaces = workspaces.for_file(path)
    for row in rows(path, INTERVENTION_COLUMNS, problems, digest):
        record = _intervention(row, workspaces, unknown)
        problems.extend(row.problems)
        if record is None:
            continue
        if record.reference_number in first_line:
            where = first_line[record.reference_number]
            message = f"duplicate of line {where}"
            problems.add(Problem(row.file, row.line, "Reference Number", message))
            continue
        first_line[record.reference_number] = row.line
        yield record
    for code, (line, reference, count) in unknown.items():
        message = _unknown_workspace(code, reference, count, workspaces)
        problems.add(Problem(str(path), line, "Reference Number", message))


def _unknown_workspace(code: str, reference: str, count: int, workspaces: Workspaces) -> str:
    rows = f" and {count - 1} more rows" if count > 1 else ""
    if not code:
        return (
            f"{reference!r}{rows} have no workspace code before the first '/'; give the "
            "export's country with --country ISO3 (e.g. --country PHL)"
        )
    return (
        f"workspace code {code!r} of {reference!r}{rows} is neither an ISO 3166 alpha-3 "
        f"country code nor listed in {workspaces.source.name}; give its country with "
        f"--country-code {code}=ISO3 (e.g. --country-code {code}=PHL), or add "
        f'{code} = "ISO3" to {workspaces.source}'
    )


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


def _intervention(
    row: Row, workspaces: Workspaces, unknown: dict[str, list[Any]]
) -> InterventionRecord | None:
    reference = row.text("Reference Number", 128, required=True)
    status = row.choice("Status", frozenset(InterventionStatus))
    start, end = row.date("Start Date"), row.date("End Date")
    if start and end and end < start:
        row.problem("End Date", f"{end} is before the start date {start}")
    found = _country_of(row, reference, workspaces, unknown)
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
        country=found,
        agreement=row.text("Agreement", 128),
        offices=row.listing("UNICEF Office"),
        sections=row.listing("Sections"),
        focal_points=row.listing("UNICEF Focal Points"),
    )


def _country_of(
    row: Row, reference: str, workspaces: Workspaces, unknown: dict[str, list[Any]]
) -> str | None:
    """Return the ISO alpha-3 country of the row's reference number (`{code}/…`, the whole
    reference, amendment suffix included, stays the partnership's key); note an
    unresolvable code in `unknown` (code → first line, reference, rows)."""
    if not reference:
        return None
    code, slash, _ = reference.partition("/")
    if not slash:
        row.problem("Reference Number", f"{reference!r} is not an eTools reference (CODE/…)")
        return None
    found = workspaces.resolve(code)
    if found is not None:
        return found.alpha3
    code = code.strip().upper()
    seen = unknown.setdefault(code, [row.line, reference, 0])
    seen[2] += 1
    return None
