"""The register of spheres of influence (guidance §3): who can support a partnership's
impact in the long run. Partners name them in check-ins; staff add, correct, merge and
remove entries (`continuity influence`, the `record-influence` form). The same person or
body named twice for one partnership is one entry."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.orm import Session

from db.engine import engine_for, transaction
from db.influence import entry_named
from db.models import InfluenceEntry
from db.partnerships import partnership_by_reference
from tasks.form_fields import without_null_branches
from tasks.settings import get_settings

Kind = Literal["person", "body"]


class InfluenceError(Exception):
    """The change names an unknown partnership or entry, or cannot be made."""


def supporter_key(name: str) -> str:
    """Return `name` folded for matching: accents, case, punctuation and spacing aside."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def joined_roles(first: str, second: str) -> str:
    """Return both roles, once each, in order."""
    roles = [role for role in (first.strip(), second.strip()) if role]
    return "; ".join(dict.fromkeys(roles))[:512]


def register(
    session: Session,
    partnership_id: int,
    name: str,
    kind: Kind = "person",
    role: str = "",
    source: str = "check-in",
    response_id: int | None = None,
    recorded_by: str = "",
) -> tuple[InfluenceEntry, bool]:
    """Add a supporter to the partnership's register, or fold it into the entry already
    there under the same name; return (entry, whether it was merged)."""
    key = supporter_key(name)
    existing = entry_named(session, partnership_id, key) if key else None
    if existing is not None:
        existing.role = joined_roles(existing.role, role)
        existing.response_id = response_id or existing.response_id
        return existing, True
    entry = InfluenceEntry(
        partnership_id=partnership_id,
        name=name.strip(),
        key=key,
        kind=kind,
        role=role.strip(),
        source=source,
        response_id=response_id,
        recorded_by=recorded_by,
    )
    session.add(entry)
    session.flush()
    return entry, False


def merge(session: Session, keep_id: int, duplicate_id: int, recorded_by: str = "") -> None:
    """Fold entry `duplicate_id` into `keep_id` (the same person or body under two names,
    for one partnership): roles joined, the duplicate kept inactive, pointing to it."""
    keep, duplicate = active_entry(session, keep_id), active_entry(session, duplicate_id)
    if keep.id == duplicate.id:
        raise InfluenceError("an entry cannot be merged into itself")
    if keep.partnership_id != duplicate.partnership_id:
        raise InfluenceError("entries of two partnerships are not the same supporter")
    keep.role = joined_roles(keep.role, duplicate.role)
    keep.recorded_by = recorded_by or keep.recorded_by
    duplicate.active, duplicate.merged_into_id = False, keep.id


def active_entry(session: Session, entry_id: int) -> InfluenceEntry:
    """Return the active entry `entry_id`; raise `InfluenceError` when there is none."""
    entry = session.get(InfluenceEntry, entry_id)
    if entry is None or not entry.active:
        raise InfluenceError(f"no active register entry {entry_id}")
    return entry


class InfluenceChange(BaseModel):
    """One change to the register, as the Prefect UI form and `continuity influence` take it."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=without_null_branches
    )

    action: Literal["add", "edit", "merge", "remove"] = Field(description="what to do")
    partnership: Annotated[str, Field(max_length=128)] = Field(
        "", description="reference number (add)"
    )
    entry_id: int | None = Field(None, description="the entry to edit, remove or merge away")
    into_id: int | None = Field(None, description="merge: the entry to keep")
    name: Annotated[str, Field(max_length=256)] = Field(
        "", description="add, edit: the person or body"
    )
    kind: Kind | None = Field(None, description="add, edit: a person or an organisation")
    role: Annotated[str, Field(max_length=512)] | None = Field(
        None, description="add, edit: how they support the impact"
    )
    recorded_by: Annotated[str, Field(max_length=256)] = Field("", description="staff member")

    @model_validator(mode="after")
    def _complete(self) -> InfluenceChange:
        needs = {
            "add": ("partnership", "name"),
            "edit": ("entry_id",),
            "merge": ("entry_id", "into_id"),
            "remove": ("entry_id",),
        }[self.action]
        missing = [field for field in needs if not getattr(self, field)]
        if missing:
            raise ValueError(f"{self.action} needs {', '.join(missing)}")
        return self


def apply_change(session: Session, change: InfluenceChange) -> dict[str, Any]:
    """Make the change; return what was done (ids and names, no addresses). Raises
    `InfluenceError` for an unknown partnership or entry."""
    if change.action == "add":
        partnership = partnership_by_reference(session, change.partnership)
        if partnership is None:
            raise InfluenceError(f"no partnership with reference {change.partnership!r}")
        entry, merged = register(
            session,
            partnership.id,
            change.name,
            change.kind or "person",
            change.role or "",
            "staff",
            None,
            change.recorded_by,
        )
        return {"entry_id": entry.id, "merged": merged, "name": entry.name}
    assert change.entry_id is not None
    if change.action == "merge":
        assert change.into_id is not None
        merge(session, change.into_id, change.entry_id, change.recorded_by)
        return {"entry_id": change.into_id, "merged": change.entry_id}
    entry = active_entry(session, change.entry_id)
    if change.action == "remove":
        entry.active = False
        return {"entry_id": entry.id, "removed": True}
    return _edited(session, entry, change)


def _edited(session: Session, entry: InfluenceEntry, change: InfluenceChange) -> dict[str, Any]:
    if change.name:
        key = supporter_key(change.name)
        twin = entry_named(session, entry.partnership_id, key)
        if twin is not None and twin.id != entry.id:
            raise InfluenceError(
                f"entry {twin.id} already names {twin.name!r}: merge the two instead"
            )
        entry.name, entry.key = change.name, key
    entry.kind = change.kind or entry.kind
    entry.role = entry.role if change.role is None else change.role
    entry.recorded_by = change.recorded_by or entry.recorded_by
    return {"entry_id": entry.id, "name": entry.name}


@task(name="record-influence", cache_policy=NO_CACHE)
def record_influence(change: InfluenceChange) -> dict[str, Any]:
    with transaction(engine_for(get_settings().database_url)) as session:
        return apply_change(session, change)
