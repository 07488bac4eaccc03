"""What a sync changed in a workspace, as staff read it: new partners and partnerships,
status changes, end dates moved, contacts added or gone, partnerships eTools no longer
lists. Read from the database before and after the import (`snapshot`), so it says what
the import did, whatever the reason. Partners are named; partners' people only by their
contact number (Prefect keeps what a run returns and publishes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from db.etools import (
    PartnershipState,
    active_contacts,
    partner_names,
    partnership_states,
    references_under,
)


@dataclass(frozen=True)
class Snapshot:
    """A workspace's partners (vendor number → name), partnerships (reference → state)
    and partners' active contacts (vendor number → contact numbers)."""

    partners: dict[str, str]
    partnerships: dict[str, PartnershipState]
    contacts: dict[str, frozenset[int]]


def snapshot(session: Session, workspace: str, vendors: set[str], references: set[str]) -> Snapshot:
    """Return what the database holds now of the partners and partnerships an export
    lists, and of the partnerships the workspace's code begins."""
    known = set(references) | set(references_under(session, workspace))
    return Snapshot(
        partner_names(session, vendors),
        partnership_states(session, known),
        active_contacts(session, vendors),
    )


@dataclass
class Changes:
    """What changed, each list in order: new partners (names), new partnerships
    (reference, partner), status changes and moved end dates (reference, before, after),
    contacts added and gone (partner, numbers), partnerships no longer in the export."""

    new_partners: list[str] = field(default_factory=list)
    new_partnerships: list[tuple[str, str]] = field(default_factory=list)
    statuses: list[tuple[str, str, str]] = field(default_factory=list)
    end_dates: list[tuple[str, str, str]] = field(default_factory=list)
    contacts_added: list[tuple[str, list[int]]] = field(default_factory=list)
    contacts_gone: list[tuple[str, list[int]]] = field(default_factory=list)
    not_listed: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Return how many of each, by name."""
        return {
            "new partners": len(self.new_partners),
            "new partnerships": len(self.new_partnerships),
            "status changes": len(self.statuses),
            "end dates moved": len(self.end_dates),
            "contacts added": sum(len(numbers) for _, numbers in self.contacts_added),
            "contacts gone": sum(len(numbers) for _, numbers in self.contacts_gone),
            "no longer listed": len(self.not_listed),
        }


def changes(before: Snapshot, after: Snapshot, references: set[str]) -> Changes:
    """Return what differs from `before` to `after`; `references` are the export's."""
    found = Changes()
    found.new_partners = sorted(after.partners[v] for v in after.partners.keys() - before.partners)
    for reference in sorted(after.partnerships):
        now, then = after.partnerships[reference], before.partnerships.get(reference)
        if then is None:
            found.new_partnerships.append((reference, now.partner))
            continue
        if then.status != now.status:
            found.statuses.append((reference, str(then.status), str(now.status)))
        if then.end_date != now.end_date:
            found.end_dates.append((reference, _day(then.end_date), _day(now.end_date)))
    found.not_listed = sorted(after.partnerships.keys() - references)
    for vendor in sorted(after.contacts.keys() | before.contacts.keys()):
        now_ids = after.contacts.get(vendor, frozenset())
        then_ids = before.contacts.get(vendor, frozenset())
        name = after.partners.get(vendor, vendor)
        if added := sorted(now_ids - then_ids):
            found.contacts_added.append((name, added))
        if gone := sorted(then_ids - now_ids):
            found.contacts_gone.append((name, gone))
    return found


def _day(value: date | None) -> str:
    return value.isoformat() if value else "none"


@dataclass
class Outcome:
    """What a sync did with one workspace (or the drop folder): whether it was synced,
    why not, the import's counts, the changes, and notes on what it could not do."""

    workspace: str
    synced: bool
    reason: str = ""
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    changes: Changes | None = None
    notes: list[str] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        """Return the outcome as one row of the sync's table (numbers and our words)."""
        counts = self.changes.counts() if self.changes else {}
        return {
            "workspace": self.workspace,
            "synced": "yes" if self.synced else "no: nothing of it changed",
            "why not": self.reason,
            **counts,
            "notes": "; ".join(self.notes),
        }
