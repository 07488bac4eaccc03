"""The import's checking pass: both exports read through before anything is written, every
problem collected; what it learns (each partner's latest partnership, the partners known
only from the database, the files' fingerprints) guides the writing pass."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from db.contacts import unicef
from db.models import ENDED_STATUSES, Partner
from db.partners import partner_time_zones
from db.partnerships import partnerships_of_partners
from tasks.countries import Workspaces
from tasks.etools.files import EtoolsFileError, Problem, Problems
from tasks.etools.rows import InterventionRecord, PartnerRecord, iter_interventions, iter_partners


class Known(NamedTuple):
    """A stored partner, as small as the import needs it."""

    id: int
    time_zone: str


class Latest(NamedTuple):
    """A partner's partnership ending last: when (its end, else start date, then its
    reference, so every import orders alike), its country, and whether it is this
    workspace's (in this export, or stored with its prefix) or another's."""

    ends: tuple[date, str]
    country: str
    here: bool


@dataclass
class Checked:
    """What the checking pass learnt: each partner's partnership ending last, the partners
    of the interventions stored but not in the partner export, and the SHA-256 of each
    file as read."""

    countries: dict[str, Latest] = field(default_factory=dict)
    stored: dict[str, Known] = field(default_factory=dict)
    digests: dict[Path, str] = field(default_factory=dict)


def check_exports(
    session: Session, partners_file: Path, interventions_file: Path, workspaces: Workspaces
) -> Checked:
    """Read both files through; raise `EtoolsFileError` with every problem found."""
    problems, checked = Problems(), Checked()
    digest = hashlib.sha256()
    own = unicef(session)
    listed = _listed_partners(partners_file, problems, digest, own)
    checked.digests[partners_file] = digest.hexdigest()
    partners_readable = not problems
    digest = hashlib.sha256()
    elsewhere: dict[str, list[int]] = defaultdict(list)
    references: set[str] = set()
    for record in iter_interventions(interventions_file, workspaces, problems, digest):
        _note_country(checked.countries, record)
        references.add(record.reference_number)
        _not_unicef(problems, interventions_file, record, own)
        if record.vendor_number not in listed:
            elsewhere[record.vendor_number].append(record.line)
        if record.status in ENDED_STATUSES and record.end_date is None:
            message = "is empty, but an ended partnership needs it"
            problems.add(Problem(str(interventions_file), record.line, "End Date", message))
    checked.digests[interventions_file] = digest.hexdigest()
    _note_stored(session, checked.countries, listed | set(elsewhere), references)
    stored = partner_time_zones(session, elsewhere)
    checked.stored = {vendor: Known(*found) for vendor, found in stored.items()}
    # A partner row with a problem is not in `listed`: its interventions are not unknown.
    for vendor, lines in elsewhere.items() if partners_readable else ():
        if vendor not in checked.stored:
            message = f"partner {vendor} is in neither the partner export nor the database"
            problems.extend(
                Problem(str(interventions_file), line, "Vendor Number", message) for line in lines
            )
    problems.raise_any()
    return checked


def _listed_partners(path: Path, problems: Problems, digest: Any, own: Partner | None) -> set[str]:
    """Return the vendor numbers the partner export lists, its problems noted."""
    listed: set[str] = set()
    for partner in iter_partners(path, problems, digest):
        listed.add(partner.vendor_number)
        _not_unicef(problems, path, partner, own)
    return listed


def _not_unicef(
    problems: Problems, path: Path, record: PartnerRecord | InterventionRecord, own: Partner | None
) -> None:
    """Refuse a row naming UNICEF's own row: its contacts are staff, and a partnership of
    its own would bring them into what goes to partners."""
    if own is not None and record.vendor_number == own.vendor_number:
        message = "names UNICEF's own row (the staff directory), not a partner"
        problems.add(Problem(str(path), record.line, "Vendor Number", message))


def _note_country(countries: dict[str, Latest], record: InterventionRecord) -> None:
    """Keep the country of the partner's partnership ending last."""
    ends = (record.end_date or record.start_date or date.min, record.reference_number)
    latest = countries.get(record.vendor_number)
    if latest is None or ends > latest.ends:
        countries[record.vendor_number] = Latest(ends, record.country, True)


def _note_stored(
    session: Session, countries: dict[str, Latest], vendors: set[str], references: set[str]
) -> None:
    """Weigh the partners' stored partnerships this export does not list too (another
    workspace's, or one its own export no longer lists): a partner several workspaces
    share gets the same country, language and time zone whichever is imported last, and
    a partnership left out of an export moves nothing. Only another workspace's (a
    reference prefix this export has none of) names the partner."""
    prefixes = {workspace_prefix(reference) for reference in references}
    for vendor, partnership in partnerships_of_partners(session, vendors):
        if partnership.country is None or partnership.reference in references:
            continue
        day = partnership.end_date or partnership.start_date or date.min
        ends = (day, partnership.reference)
        latest = countries.get(vendor)
        if latest is None or ends > latest.ends:
            here = workspace_prefix(partnership.reference) in prefixes
            countries[vendor] = Latest(ends, partnership.country, here)


def workspace_prefix(reference: str) -> str:
    """Return the workspace code a reference number begins with, in upper case."""
    return reference.partition("/")[0].strip().upper()


def same_file(path: Path, checked: Checked, digest: Any, problems: Problems) -> None:
    """Raise `EtoolsFileError` when the writing pass did not read what the checking pass
    checked (the file was replaced or appended to meanwhile)."""
    if problems or digest.hexdigest() != checked.digests[path]:
        message = "changed while it was being imported; nothing was written, import it again"
        raise EtoolsFileError([Problem(str(path), 0, "-", message)])
