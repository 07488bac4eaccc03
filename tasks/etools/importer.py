"""Applying checked eTools records to the database, and planning follow-ups for what ended.

`import_etools` is the unit of work; the caller owns the transaction, so a dry run is
the same call followed by a rollback. Exports are read twice, as streams: once to check
everything (nothing is written when anything is wrong), once to write, batch after batch,
each batch flushed and let go of, so memory follows the batch, not the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.corrective import open_plans_of_ended
from db.models import ImportRun, Partner, Partnership, utcnow
from db.partners import partners_by_vendor_number
from db.partnerships import partnerships_by_reference, partnerships_of
from db.rows import assign_changed, in_chunks
from tasks.corrective.plans import close_ended
from tasks.countries import FALLBACK_LANGUAGE, FALLBACK_TIME_ZONE, Workspaces, country
from tasks.etools.checking import Checked, Known, check_exports, same_file
from tasks.etools.contacts import ImportCounts, sync_contacts
from tasks.etools.files import Problems
from tasks.etools.plans import sync_plans
from tasks.etools.rows import InterventionRecord, PartnerRecord, iter_interventions, iter_partners
from tasks.follow_up_policy import FollowUpPolicy
from tasks.people.do_not_contact import DoNotContact

BATCH = 500


def import_etools(
    session: Session,
    partners_file: Path,
    interventions_file: Path,
    policy: FollowUpPolicy,
    workspaces: Workspaces | None = None,
    kept: Collection[int] = frozenset(),
) -> ImportCounts:
    """Read both exports and bring the database in line with them; return the counts.

    A partner's contacts the partner export no longer lists are deactivated, but for those
    in `kept` (listed by another workspace's export). A partner whose latest partnership
    is another workspace's keeps its name and types from that workspace's import.

    Raises `EtoolsFileError` with every problem found, before anything is written; and
    when a file changed between the two readings (the caller's rollback then leaves
    nothing). Objects of `session` that the import touches are expunged from it.
    """
    workspaces = workspaces or Workspaces.load()
    checked = check_exports(session, partners_file, interventions_file, workspaces)
    counts = ImportCounts()
    erased = DoNotContact.load(session)
    moved: dict[int, str] = {}
    known = _sync_partners(session, partners_file, checked, counts, erased, kept, moved)
    _sync_interventions(
        session, interventions_file, workspaces, known, policy, counts, checked, moved
    )
    _follow_time_zones(session, moved, policy, counts)
    for _ in close_ended(session, open_plans_of_ended(session), utcnow()):
        counts.add("corrective_plans", "closed")
    files = {str(path): digest for path, digest in checked.digests.items()}
    session.add(ImportRun(files=files, counts=counts.as_dict()))
    session.flush()
    return counts


def _forget(session: Session, rows: Iterable[Any]) -> None:
    """Expunge flushed rows, so the session holds one batch at a time."""
    for row in rows:
        if row in session:
            session.expunge(row)


def _sync_partners(
    session: Session,
    path: Path,
    checked: Checked,
    counts: ImportCounts,
    erased: DoNotContact,
    kept: Collection[int],
    moved: dict[int, str],
) -> dict[str, Known]:
    """Write the partners and their contacts, batch after batch; return every partner the
    interventions may name. The partners whose time zone changed go in `moved`, with the
    zone their plans were scheduled in."""
    known = dict(checked.stored)
    problems, digest = Problems(), hashlib.sha256()
    for batch in in_chunks(iter_partners(path, problems, digest), BATCH):
        stored = partners_by_vendor_number(session, [r.vendor_number for r in batch])
        zones = {partner.id: partner.time_zone for partner in stored.values()}
        partners = [
            _sync_partner(session, record, stored.get(record.vendor_number), checked, counts)
            for record in batch
        ]
        session.flush()
        moved.update(
            (p.id, zones[p.id]) for p in partners if zones.get(p.id, p.time_zone) != p.time_zone
        )
        contacts = sync_contacts(session, batch, partners, counts, erased, kept)
        session.flush()
        known.update((p.vendor_number, Known(p.id, p.time_zone)) for p in partners)
        _forget(session, [*partners, *contacts])
    same_file(path, checked, digest, problems)
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
    code = latest.country if latest else (partner.country if partner else None)
    if partner is None:
        partner = Partner(vendor_number=record.vendor_number, **values, **_locale_of(code))
        session.add(partner)
        counts.add("partners", "created")
        return partner
    if latest is not None and not latest.here:
        # Another workspace's partnership ends last: its import names the partner, so
        # two workspaces spelling it differently do not rename it on every sync.
        values = {}
    if code != partner.country:
        # Language and time zone follow the country only when it changes, so a
        # staff correction of either survives the next import.
        values.update(_locale_of(code))
    counts.add("partners", "updated" if assign_changed(partner, values) else "unchanged")
    return partner


def _follow_time_zones(
    session: Session, moved: dict[int, str], policy: FollowUpPolicy, counts: ImportCounts
) -> None:
    """Reschedule in their partner's new time zone the plans of every partnership of the
    partners in `moved`, those the exports do not list too (another workspace's)."""
    schedules: dict[tuple[Any, ...], dict[str, Any]] = {}
    for chunk in in_chunks(moved, BATCH):
        partnerships = partnerships_of(session, chunk)
        zones = [partnership.partner.time_zone for partnership in partnerships]
        before = [moved[partnership.partner_id] for partnership in partnerships]
        plans, outcomes = sync_plans(session, partnerships, zones, policy, schedules, before)
        del outcomes["unchanged"]  # counted when their own export's rows were written
        counts.by_entity["plans"].update(outcomes)
        session.flush()
        _forget(session, [*partnerships, *plans])


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
    moved: dict[int, str],
) -> None:
    """Write the partnerships and their plans, batch after batch; `moved` gives the zone
    a partner's plans were scheduled in when its time zone just changed."""
    problems, digest = Problems(), hashlib.sha256()
    schedules: dict[tuple[Any, ...], dict[str, Any]] = {}
    for batch in in_chunks(iter_interventions(path, workspaces, problems, digest), BATCH):
        stored = partnerships_by_reference(session, [r.reference_number for r in batch])
        partnerships = [
            _sync_partnership(session, record, stored.get(record.reference_number), known, counts)
            for record in batch
        ]
        session.flush()
        partners = [known[record.vendor_number] for record in batch]
        zones = [partner.time_zone for partner in partners]
        before = [moved.get(partner.id, partner.time_zone) for partner in partners]
        plans, outcomes = sync_plans(session, partnerships, zones, policy, schedules, before)
        if outcomes:
            counts.by_entity["plans"].update(outcomes)
        session.flush()
        _forget(session, [*partnerships, *plans])
    same_file(path, checked, digest, problems)


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
