"""Focal points' addresses from eTools' staff users, where the token may read them.

eTools' exports name a partnership's focal points without their addresses; its users list
(`/api/v3/users/`) gives UNICEF staff's names and addresses. A focal point of the
workspace's partnerships whom the staff directory does not know yet is registered under
the name eTools gives, when exactly one user bears that name; what staff registered
(`focal-point add`) is never changed. Of the list, only the users bearing a focal
point's name are kept, and only until the import is done.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from db.contacts import staff_contacts, staff_with_address
from db.etools import focal_point_names
from tasks.staff.focal_points import DirectoryError, add_focal_point
from tasks.staff.influence import supporter_key

MAX_USERS = 200_000
_NAME_PARTS = ("first_name", "middle_name", "last_name")


def save_users(users: list[Any], focal_points: Iterable[str], path: Path) -> int:
    """Write to `path` the names and address of the users of eTools' list who bear one
    of the `focal_points`' names; return how many."""
    wanted = {supporter_key(name) for name in focal_points} - {""}
    kept = [
        entry
        for entry in map(_user, users[:MAX_USERS])
        if entry is not None and wanted & {supporter_key(name) for name in entry["names"]}
    ]
    path.write_text(json.dumps(kept), encoding="utf-8")
    return len(kept)


def _user(user: Any) -> dict[str, Any] | None:
    """Return {"names": [...], "email": ...} for a user object; None when it has no
    address or no name (eTools' `name` is first and last name; the parts may differ)."""
    if not isinstance(user, dict) or not isinstance(user.get("email"), str):
        return None
    parts = [user.get(part) for part in _NAME_PARTS]
    words = [part.strip() for part in parts if isinstance(part, str) and part.strip()]
    names = {" ".join(words), " ".join(words[:1] + words[-1:])}
    if isinstance(user.get("name"), str):
        names.add(user["name"])
    names = {name[:256] for name in names if name.strip()}
    return {"names": sorted(names), "email": user["email"][:320]} if names else None


def fill_directory(
    session: Session, users_file: Path, references: Iterable[str], language: str
) -> int:
    """Register the focal points of these partnerships the directory lacks, from the
    users saved in `users_file`, in `language`; return how many were added."""
    known = {supporter_key(contact.name) for contact in staff_contacts(session) if contact.active}
    addresses = _addresses(json.loads(users_file.read_text(encoding="utf-8")))
    added = 0
    for name in sorted(focal_point_names(session, references)):
        key = supporter_key(name)
        address = addresses.get(key)
        if not key or key in known or address is None:
            continue
        if staff_with_address(session, address) is not None:
            continue  # staff registered that address under another name: theirs stands
        try:
            add_focal_point(session, name, address, language)
        except DirectoryError:
            continue  # an address eTools holds that cannot be used, or was erased
        known.add(key)
        added += 1
    return added


def _addresses(users: list[dict[str, Any]]) -> dict[str, str]:
    """Return each folded name's address; a name two users with different addresses
    share is left out (which one is the focal point cannot be told)."""
    found: dict[str, str | None] = {}
    for key, address in _named(users):
        found[key] = address if found.get(key, address) == address else None
    return {key: address for key, address in found.items() if address}


def _named(users: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    for user in users:
        address = user["email"].strip().lower()
        for key in {supporter_key(name) for name in user["names"]} - {""}:
            yield key, address
