"""A sync is scoped to its workspace: what one workspace's export lacks says nothing about
what another's holds. Several workspaces may list one partner (eTools shares an
organisation between countries), each with the staff it works with there; a person one of
them stops listing stays active while another lists them, or while the partner has
partnerships in a workspace whose exports this run does not hold."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from db.etools import contacts_of_partners
from db.models.addresses import address_key
from db.partnerships import partnerships_of_partners
from tasks.etools.checking import workspace_prefix
from tasks.etools.exports import column_values
from tasks.etools.files import Problems
from tasks.etools.rows import iter_partners

# How the import tells a listed person from another: the address (either form, any case),
# or the name of one listed without an address (as tasks/etools/contacts.py matches).
PersonKey = tuple[str, str]


@dataclass(frozen=True)
class Held:
    """A workspace's pair of exports this run holds, ready to import: `workspace` is
    eTools' code (or "drop" for a pair dropped in a folder that names none), `country`
    the ISO alpha-3 country given for the code, if any; `users` eTools' staff users
    bearing its focal points' names, `note` why there are none when eTools failed."""

    workspace: str
    partners: Path
    interventions: Path
    country: str | None = None
    users: Path | None = None
    note: str = ""


def kept_contacts(session: Session, held: Held, others: Iterable[Held]) -> set[int]:
    """Return the active contacts of the partners `held` lists that its import must keep
    active even when its export no longer lists them: listed by another export this run
    holds, or of a partner with partnerships in a workspace this run holds no export of."""
    others = [other for other in others if other is not held]
    vendors = set(column_values(held.partners, "Vendor Number"))
    covered = {workspace_prefix(ref) for ref in _references(held, *others)}
    unheld = {
        vendor
        for vendor, partnership in partnerships_of_partners(session, vendors)
        if workspace_prefix(partnership.reference) not in covered
    }
    elsewhere = _listed(others, vendors - unheld)
    kept: set[int] = set()
    for vendor, contacts in contacts_of_partners(session, unheld | set(elsewhere)).items():
        for contact in contacts:
            key = (contact.email_key or "", "" if contact.has_email else contact.name)
            if vendor in unheld or key in elsewhere[vendor]:
                kept.add(contact.id)
    return kept


def _references(*held: Held) -> Iterable[str]:
    for pair in held:
        yield from column_values(pair.interventions, "Reference Number")


def _listed(others: list[Held], vendors: set[str]) -> dict[str, set[PersonKey]]:
    """Return who the other exports list for each of `vendors` they list too."""
    listed: dict[str, set[PersonKey]] = defaultdict(set)
    for other in others:
        if vendors.isdisjoint(column_values(other.partners, "Vendor Number")):
            continue
        for record in iter_partners(other.partners, Problems()):
            if record.vendor_number in vendors:
                listed[record.vendor_number].update(
                    (address_key(member.email or ""), "" if member.email else member.name)
                    for member in record.staff
                )
    return listed
