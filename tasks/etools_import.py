"""Applying checked eTools records to the database, and planning follow-ups for what ended.

`import_etools` is the unit of work; the caller owns the transaction, so a dry run is
the same call followed by a rollback.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from db.corrective import open_plans_of_ended
from db.models import (
    ENDED_STATUSES,
    Contact,
    FollowUpPlan,
    ImportRun,
    Partner,
    Partnership,
    utcnow,
)
from db.partners import contacts_by_partner, partners_by_vendor_number
from db.partnerships import partnerships_by_reference, plans_by_partnership
from db.rows import assign_changed
from tasks.cadence import first_due_at, trigger_for
from tasks.corrective import close_ended
from tasks.countries import FALLBACK_LANGUAGE, FALLBACK_TIME_ZONE, country
from tasks.etools_csv import (
    EtoolsFileError,
    InterventionRecord,
    PartnerRecord,
    Problem,
    read_interventions,
    read_partners,
)
from tasks.follow_up_policy import FollowUpPolicy, Touchpoint, plan_window


@dataclass
class ImportCounts:
    """What an import did, per kind of row: created, updated, unchanged, deactivated."""

    by_entity: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, entity: str, outcome: str) -> None:
        self.by_entity[entity][outcome] += 1

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {entity: dict(sorted(counts.items())) for entity, counts in self.by_entity.items()}

    @property
    def changed_anything(self) -> bool:
        return any(
            outcome != "unchanged" for counts in self.by_entity.values() for outcome in counts
        )


def import_etools(
    session: Session,
    partners_file: Path,
    interventions_file: Path,
    policy: FollowUpPolicy,
) -> ImportCounts:
    """Read both exports and bring the database in line with them; return the counts.

    Raises `EtoolsFileError` with every problem found, before anything is written.
    """
    partner_records = read_partners(partners_file)
    intervention_records = read_interventions(interventions_file)
    vendor_numbers = [r.vendor_number for r in partner_records]
    vendor_numbers += [r.vendor_number for r in intervention_records]
    stored = partners_by_vendor_number(session, vendor_numbers)
    _check_partners_known(interventions_file, intervention_records, partner_records, stored)
    counts = ImportCounts()
    partners = _sync_partners(session, partner_records, intervention_records, stored, counts)
    _sync_contacts(session, partner_records, partners, counts)
    partnerships = _sync_partnerships(session, intervention_records, partners, counts)
    _sync_plans(session, partnerships, policy, counts)
    session.flush()
    for _ in close_ended(session, open_plans_of_ended(session), utcnow()):
        counts.add("corrective_plans", "closed")
    session.add(
        ImportRun(files=_fingerprints(partners_file, interventions_file), counts=counts.as_dict())
    )
    session.flush()
    return counts


def _check_partners_known(
    file: Path,
    interventions: list[InterventionRecord],
    partners: list[PartnerRecord],
    stored: dict[str, Partner],
) -> None:
    known = {record.vendor_number for record in partners} | set(stored)
    problems = [
        Problem(
            str(file),
            record.line,
            "Vendor Number",
            f"partner {record.vendor_number} is in neither the partner export nor the database",
        )
        for record in interventions
        if record.vendor_number not in known
    ]
    problems += [
        Problem(str(file), record.line, "End Date", "is empty, but an ended partnership needs it")
        for record in interventions
        if record.status in ENDED_STATUSES and record.end_date is None
    ]
    if problems:
        raise EtoolsFileError(problems)


def _countries(interventions: list[InterventionRecord]) -> dict[str, str]:
    """Return each partner's country: that of its most recently ending partnership."""
    latest = sorted(interventions, key=lambda r: r.end_date or r.start_date or datetime.min.date())
    return {record.vendor_number: record.country for record in latest}


def _sync_partners(
    session: Session,
    records: list[PartnerRecord],
    interventions: list[InterventionRecord],
    stored: dict[str, Partner],
    counts: ImportCounts,
) -> dict[str, Partner]:
    countries = _countries(interventions)
    partners = dict(stored)
    for record in records:
        values: dict[str, str | None] = {
            "name": record.name,
            "short_name": record.short_name,
            "partner_type": record.partner_type,
            "cso_type": record.cso_type,
        }
        partner = stored.get(record.vendor_number)
        code = countries.get(record.vendor_number) or (partner.country if partner else None)
        if partner is None:
            partner = Partner(vendor_number=record.vendor_number, **values, **_locale_of(code))
            session.add(partner)
            partners[record.vendor_number] = partner
            counts.add("partners", "created")
            continue
        if code != partner.country:
            # Language and time zone follow the country only when it changes, so a
            # staff correction of either survives the next import.
            values.update(_locale_of(code))
        counts.add("partners", "updated" if assign_changed(partner, values) else "unchanged")
    session.flush()
    return partners


def _locale_of(code: str | None) -> dict[str, str | None]:
    found = country(code) if code else None
    if found is None:
        return {"country": None, "language": FALLBACK_LANGUAGE, "time_zone": FALLBACK_TIME_ZONE}
    return {"country": found.alpha3, "language": found.language, "time_zone": found.time_zone}


def _sync_contacts(
    session: Session,
    records: list[PartnerRecord],
    partners: dict[str, Partner],
    counts: ImportCounts,
) -> None:
    """Add new staff, refresh names, reactivate returning staff and deactivate (never
    delete) those no longer listed. Opt-outs and suppressions are never touched."""
    existing = contacts_by_partner(session, [partners[r.vendor_number].id for r in records])
    for record in records:
        partner = partners[record.vendor_number]
        contacts = existing.get(partner.id, [])
        by_key = {(c.email or "", "" if c.email else c.name): c for c in contacts}
        seen: set[int] = set()
        for member in record.staff:
            contact = by_key.get((member.email or "", "" if member.email else member.name))
            if contact is None:
                contact = Contact(
                    partner=partner, name=member.name, email=member.email, language=partner.language
                )
                session.add(contact)
                counts.add("contacts", "created")
                continue
            seen.add(contact.id)
            changed = assign_changed(contact, {"name": member.name, "active": True})
            counts.add("contacts", "updated" if changed else "unchanged")
        for contact in contacts:
            if contact.id not in seen and contact.active:
                contact.active = False
                counts.add("contacts", "deactivated")


def _sync_partnerships(
    session: Session,
    records: list[InterventionRecord],
    partners: dict[str, Partner],
    counts: ImportCounts,
) -> list[Partnership]:
    stored = partnerships_by_reference(session, [r.reference_number for r in records])
    result = []
    for record in records:
        values = {
            "partner": partners[record.vendor_number],
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
        partnership = stored.get(record.reference_number)
        if partnership is None:
            partnership = Partnership(reference_number=record.reference_number, **values)
            session.add(partnership)
            counts.add("partnerships", "created")
        else:
            changed = assign_changed(partnership, values)
            counts.add("partnerships", "updated" if changed else "unchanged")
        result.append(partnership)
    session.flush()
    return result


def _sync_plans(
    session: Session,
    partnerships: list[Partnership],
    policy: FollowUpPolicy,
    counts: ImportCounts,
) -> None:
    """Give every ended partnership one plan per touchpoint of the policy; deactivate the
    plans of partnerships that are no longer ended."""
    stored = plans_by_partnership(session, [p.id for p in partnerships])
    for partnership in partnerships:
        plans = stored.get(partnership.id, {})
        if not partnership.has_ended:
            for plan in plans.values():
                if plan.active:
                    plan.active = False
                    counts.add("plans", "deactivated")
            continue
        for touchpoint in policy.touchpoints:
            existing = plans.get(touchpoint.kind)
            outcome = _sync_plan(session, partnership, touchpoint, existing, policy.version)
            counts.add("plans", outcome)


def _sync_plan(
    session: Session,
    partnership: Partnership,
    touchpoint: Touchpoint,
    plan: FollowUpPlan | None,
    policy_version: int,
) -> str:
    """Create or align one plan; return "created", "updated" or "unchanged"."""
    assert partnership.end_date is not None, "checked by _check_partners_known"
    time_zone = partnership.partner.time_zone
    window = plan_window(touchpoint, partnership.end_date, time_zone)
    values = {
        "cadence": touchpoint.cadence,
        "starts_at": window.starts_at,
        "ends_at": window.ends_at,
        "policy_version": policy_version,
        "active": True,
    }
    if plan is None:
        plan = FollowUpPlan(partnership=partnership, kind=touchpoint.kind, **values)
        session.add(plan)
        outcome = "created"
    elif not assign_changed(plan, values):
        return "unchanged"
    else:
        outcome = "updated"
    trigger = trigger_for(plan.cadence, time_zone, plan.starts_at, plan.ends_at)
    plan.next_due_at = first_due_at(trigger, plan.starts_at)
    return outcome


def _fingerprints(*files: Path) -> dict[str, str]:
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in files}
