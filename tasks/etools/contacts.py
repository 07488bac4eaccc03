"""A partner's people as eTools lists them ("Staff Members"): added, renamed, reactivated
or deactivated, never deleted; never one erased at their request."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from db.models import DEFAULT_ROLE, Contact, Partner
from db.models.addresses import address_key
from db.partners import contacts_by_partner
from db.rows import assign_changed
from tasks.etools.members import StaffMember
from tasks.etools.rows import PartnerRecord
from tasks.people.do_not_contact import DoNotContact

# A person eTools still lists who was erased at their request: counted, never re-added.
NOT_READDED = "erased, not re-added"


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
            outcome not in ("unchanged", NOT_READDED)
            for counts in self.by_entity.values()
            for outcome in counts
        )


def sync_contacts(
    session: Session,
    records: list[PartnerRecord],
    partners: list[Partner],
    counts: ImportCounts,
    erased: DoNotContact,
    kept: Collection[int] = frozenset(),
) -> list[Contact]:
    """Add new staff, refresh names and roles, reactivate returning staff and deactivate
    (never delete) those no longer listed. Opt-outs, suppressions, and the language, time
    zone and role staff set are never touched; a person erased at their request is not
    added back. Those in `kept` (another workspace lists them) stay active. Return every
    contact of these partners."""
    existing = contacts_by_partner(session, [partner.id for partner in partners])
    touched: list[Contact] = []
    for record, partner in zip(records, partners, strict=True):
        contacts = existing.get(partner.id, [])
        touched += contacts
        # An address matches in either form and any case (its key); no address, the name.
        by_key = {(c.email_key or "", "" if c.email else c.name): c for c in contacts}
        seen: set[int] = set()
        for member in record.staff:
            key = address_key(member.email or "")
            contact = by_key.get((key, "" if member.email else member.name))
            if contact is None:
                if _erased(erased, member, partner.vendor_number):
                    counts.add("contacts", NOT_READDED)
                    continue
                contact = _new_contact(partner, member)
                session.add(contact)
                touched.append(contact)
                counts.add("contacts", "created")
                continue
            seen.add(contact.id)
            changed = assign_changed(contact, _listed(contact, member))
            counts.add("contacts", "updated" if changed else "unchanged")
        for contact in contacts:
            if contact.id not in seen and contact.active and contact.id not in kept:
                contact.active = False
                counts.add("contacts", "deactivated")
    return touched


def _new_contact(partner: Partner, member: StaffMember) -> Contact:
    return Contact(
        partner_id=partner.id,
        name=member.name,
        email=member.email,
        role=member.role or DEFAULT_ROLE,
        language=partner.language,
    )


def _listed(contact: Contact, member: StaffMember) -> dict[str, Any]:
    """Return what eTools says of the contact: name, active, and the role unless staff
    set it (a role eTools no longer gives is the default again)."""
    listed: dict[str, Any] = {"name": member.name, "active": True}
    if not contact.role_by_staff:
        listed["role"] = member.role or DEFAULT_ROLE
    return listed


def _erased(erased: DoNotContact, member: StaffMember, vendor_number: str) -> bool:
    """True when the member was erased: by address, else by name, the name as eTools
    wrote it, role included, being how one erased before roles were split is listed."""
    if erased.lists(member.email, vendor_number, member.name):
        return True
    return member.email is None and erased.lists(None, vendor_number, member.written)
