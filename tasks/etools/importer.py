"""Applying checked eTools records to the database, and planning follow-ups for what ended.

`import_etools` is the unit of work; the caller owns the transaction, so a dry run is
the same call followed by a rollback. Exports are read twice, as streams: once to check
everything (nothing is written when anything is wrong), once to write, batch after batch,
each batch flushed and let go of, so memory follows the batch, not the file.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from db.contacts import unicef
from db.corrective import open_plans_of_ended
from db.models import (
    ENDED_STATUSES,
    ImportRun,
    Partner,
    Partnership,
    utcnow,
)
from db.partners import partner_time_zones, partners_by_vendor_number
from db.partnerships import partnerships_by_reference
from db.rows import assign_changed, in_chunks
from tasks.corrective.plans import close_ended
from tasks.countries import FALLBACK_LANGUAGE, FALLBACK_TIME_ZONE, Workspaces, country
from tasks.etools.contacts import ImportCounts, sync_contacts
from tasks.etools.files import EtoolsFileError, Problem, Problems
from tasks.etools.plans import sync_plans
from tasks.etools.rows import InterventionRecord, PartnerRecord, iter_interventions, iter_partners
from tasks.follow_up_policy import FollowUpPolicy
from tasks.people.do_not_contact import DoNotContact

BATCH = 500


class Known(NamedTuple):
    """A stored partner, as small as the import needs it."""

    id: int
    time_zone: str


@dataclass
class Checked:
    """What the checking pass learnt: each partner's country (that of its partnership
    ending last, with that date), the partners of the interventions stored but not in the
    partner export, and the SHA-256 of each file as read."""

    countries: dict[str, tuple[date, str]] = field(default_factory=dict)
    stored: dict[str, Known] = field(default_factory=dict)
    digests: dict[Path, str] = field(default_factory=dict)


def import_etools(
    session: Session,
    partners_file: Path,
    interventions_file: Path,
    policy: FollowUpPolicy,
    workspaces: Workspaces | None = None,
) -> ImportCounts:
    """Read both exports and bring the database in line with them; return the counts.

    Raises `EtoolsFileError` with every problem found, before anything is written; and
    when a file changed between the two readings (the caller's rollback then leaves
    nothing). Objects of `session` that the import touches are expunged from it.
    """
    workspaces = workspaces or Workspaces.load()
    checked = _check(session, partners_file, interventions_file, workspaces)
    counts = ImportCounts()
    erased = DoNotContact.load(session)
    known = _sync_partners(session, partners_file, checked, counts, erased)
    _sync_interventions(session, interventions_file, workspaces, known, policy, counts, checked)
    for _ in close_ended(session, open_plans_of_ended(session), utcnow()):
        counts.add("corrective_plans", "closed")
    files = {str(path): digest for path, digest in checked.digests.items()}
    session.add(ImportRun(files=files, counts=counts.as_dict()))
    session.flush()
    return counts


def _check(
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
    for record in iter_interventions(interventions_file, workspaces, problems, digest):
        _note_country(checked.countries, record)
        _not_unicef(problems, interventions_file, record, own)
        if record.vendor_number not in listed:
            elsewhere[record.vendor_number].append(record.line)
        if record.status in ENDED_STATUSES and record.end_date is None:
            message = "is empty, but an ended partnership needs it"
            problems.add(Problem(str(interventions_file), record.line, "End Date", message))
    checked.digests[interventions_file] = digest.hexdigest()
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


def _note_country(countries: dict[str, tuple[date, str]], record: InterventionRecord) -> None:
    """Keep the country of the partner's partnership ending last (the later row on a tie)."""
    ends = record.end_date or record.start_date or date.min
    latest = countries.get(record.vendor_number)
    if latest is None or ends >= latest[0]:
        countries[record.vendor_number] = (ends, record.country)


def _same_file(path: Path, checked: Checked, digest: Any, problems: Problems) -> None:
    """Raise `EtoolsFileError` when the writing pass did not read what the checking pass
    checked (the file was replaced or appended to meanwhile)."""
    if problems or digest.hexdigest() != checked.digests[path]:
        message = "changed while it was being imported; nothing was written, import it again"
        raise EtoolsFileError([Problem(str(path), 0, "-", message)])


def _forget(session: Session, rows: Iterable[Any]) -> None:
    """Expunge flushed rows, so the session holds one batch at a time."""
    for row in rows:
        if row in session:
            session.expunge(row)


def _sync_partners(
    session: Session, path: Path, checked: Checked, counts: ImportCounts, erased: DoNotContact
) -> dict[str, Known]:
    """Write the partners and their contacts, batch after batch; return every partner the
    interventions may name."""
    known = dict(checked.stored)
    problems, digest = Problems(), hashlib.sha256()
    for batch in in_chunks(iter_partners(path, problems, digest), BATCH):
        stored = partners_by_vendor_number(session, [r.vendor_number for r in batch])
        partners = [
            _sync_partner(session, record, stored.get(record.vendor_number), checked, counts)
            for record in batch
        ]
        session.flush()
        contacts = sync_contacts(session, batch, partners, counts, erased)
        session.flush()
        known.update((p.vendor_number, Known(p.id, p.time_zone)) for p in partners)
        _forget(session, [*partners, *contacts])
    _same_file(path, checked, digest, problems)
    return known


def _sync_partner(
    session: Session,
    record: PartnerRecord,
    partner: Partner | None,
    checked: Checked,
    counts: ImportCounts,
) -> Partner:
    values: dict[str, str | None] = {
        "name": record.name,
        "short_name": record.short_name,
        "partner_type": record.partner_type,
        "cso_type": record.cso_type,
    }
    latest = checked.countries.get(record.vendor_number)
    code = latest[1] if latest else (partner.country if partner else None)
    if partner is None:
        partner = Partner(vendor_number=record.vendor_number, **values, **_locale_of(code))
        session.add(partner)
        counts.add("partners", "created")
        return partner
    if code != partner.country:
        # Language and time zone follow the country only when it changes, so a
        # staff correction of either survives the next import.
        values.update(_locale_of(code))
    counts.add("partners", "updated" if assign_changed(partner, values) else "unchanged")
    return partner


def _locale_of(code: str | None) -> dict[str, str | None]:
    found = country(code) if code else None
    if found is None:
        return {"country": None, "language": FALLBACK_LANGUAGE, "time_zone": FALLBACK_TIME_ZONE}
    return {"country": found.alpha3, "language": found.language, "time_zone": found.time_zone}


def _sync_interventions(
    session: Session,
    path: Path,
    workspaces: Workspaces,
    known: dict[str, Known],
    policy: FollowUpPolicy,
    counts: ImportCounts,
    checked: Checked,
) -> None:
    """Write the partnerships and their plans, batch after batch."""
    problems, digest = Problems(), hashlib.sha256()
    schedules: dict[tuple[Any, ...], dict[str, Any]] = {}
    for batch in in_chunks(iter_interventions(path, workspaces, problems, digest), BATCH):
        stored = partnerships_by_reference(session, [r.reference_number for r in batch])
        partnerships = [
            _sync_partnership(session, record, stored.get(record.reference_number), known, counts)
            for record in batch
        ]
        session.flush()
        zones = [known[record.vendor_number].time_zone for record in batch]
        plans, outcomes = sync_plans(session, partnerships, zones, policy, schedules)
        if outcomes:
            counts.by_entity["plans"].update(outcomes)
        session.flush()
        _forget(session, [*partnerships, *plans])
    _same_file(path, checked, digest, problems)


def _sync_partnership(
    session: Session,
    record: InterventionRecord,
    partnership: Partnership | None,
    known: dict[str, Known],
    counts: ImportCounts,
) -> Partnership:
    values = {
        "partner_id": known[record.vendor_number].id,
        "title": record.title,
        "document_type": record.document_type,
        "agreement": record.agreement,
        "status": record.status,
        "country": record.country,
        "start_date": record.start_date,
        "end_date": record.end_date,
        "offices": list(record.offices),
        "sections": list(record.sections),
        "focal_points": list(record.focal_points),
    }
    if partnership is None:
        partnership = Partnership(reference_number=record.reference_number, **values)
        session.add(partnership)
        counts.add("partnerships", "created")
    else:
        changed = assign_changed(partnership, values)
        counts.add("partnerships", "updated" if changed else "unchanged")
    return partnership
