"""Upgrades keep every record: the database an earlier release's demo wrote (two simulated
years of history, `scripts/release-database.sh`) is upgraded to this code's schema, and
every row of every table it had comes back with every value it held."""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from db.engine import make_engine
from db.migrate import current_revision, ensure_migrated, head_revision, upgrade
from db.models import DEFAULT_ROLE, partner_words
from db.models.addresses import address_key
from tasks.etools.members import name_and_role

RELEASES = sorted((Path(__file__).parents[1] / "data" / "releases").glob("*.db.gz"))
# What a migration changes on purpose, value by value; everything else must stay as it was.
CHANGED: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("inbound_mails", "classification"): lambda kind: (
        "quarantined" if kind == "unreadable" else kind
    ),
    # Places per language since 0014: what was written is kept for every language.
    ("consultation_events", "place"): lambda place: {"und": place} if place else {},
    ("evaluations", "discussion_place"): lambda place: {"und": place} if place else {},
}
# Columns read back as JSON: compared by value, not by how the text is spelt.
DECODED = {("consultation_events", "place"), ("evaluations", "discussion_place")}


def expected_row(table: str, row: dict[str, Any], staff_ids: set[int]) -> dict[str, Any]:
    """Return `row` as the upgrade leaves it: changed where `CHANGED` says, and a partner's
    contact's role apart from their name (0013) when the release kept it in the name."""
    expected = {
        column: CHANGED.get((table, column), lambda same: same)(value)
        for column, value in row.items()
    }
    if table == "contacts" and "role_by_staff" not in row and row["id"] not in staff_ids:
        name, role = name_and_role(row["name"])
        if name != row["name"].strip():
            default = row["role"] == DEFAULT_ROLE
            expected.update(name=name, role=(role or DEFAULT_ROLE) if default else row["role"])
    return expected


# Staff were the contacts of a pseudo-partner known by its vendor number until 0010, of
# UNICEF's own row (`partners.is_unicef`) since.
STAFF_CONTACTS = (
    "SELECT contacts.id FROM contacts JOIN partners ON partners.id = contacts.partner_id"
)


def staff(path: Path, where: str) -> set[int]:
    """Return the ids of the staff contacts, their organisation picked by `where`."""
    connection = sqlite3.connect(path)
    try:
        return {row[0] for row in connection.execute(f"{STAFF_CONTACTS} WHERE {where}")}
    finally:
        connection.close()


def records(path: Path) -> dict[str, dict[Any, dict[str, Any]]]:
    """Return every row of every table, by primary key (the whole row where none)."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {table: _rows(connection, table) for table in tables if table != "alembic_version"}
    finally:
        connection.close()


def _rows(connection: sqlite3.Connection, table: str) -> dict[Any, dict[str, Any]]:
    cursor = connection.execute(f'SELECT * FROM "{table}"')
    columns = [description[0] for description in cursor.description]
    rows = [dict(zip(columns, values, strict=True)) for values in cursor]
    key = "id" if "id" in columns else None
    return {(row[key] if key else tuple(row.values())): row for row in rows}


def test_a_release_database_is_kept_for_the_current_schema() -> None:
    assert RELEASES, "tests/data/releases/ holds no earlier release's database"


@pytest.mark.parametrize("archive", RELEASES, ids=lambda path: path.name)
def test_upgrading_a_release_database_keeps_every_record(archive: Path, tmp_path: Path) -> None:
    database = tmp_path / "release.db"
    database.write_bytes(gzip.decompress(archive.read_bytes()))
    before = records(database)
    assert sum(map(len, before.values())) > 500, "a release database with history"
    staff_before = staff(database, "partners.vendor_number = 'UNICEF-STAFF'")
    assert len(staff_before) == 3, "the demo's focal points"
    upgrade(f"sqlite:///{database}")
    engine = make_engine(f"sqlite:///{database}")
    ensure_migrated(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
    after = records(database)
    assert staff(database, "partners.is_unicef") == staff_before
    unicef = [row for row in after["partners"].values() if row["is_unicef"]]
    assert [row["vendor_number"] for row in unicef] == ["UNICEF-STAFF"]
    for table, rows in before.items():
        assert set(after[table]) == set(rows), f"{table}: rows lost or added"
        for key, row in rows.items():
            for column, value in expected_row(table, row, staff_before).items():
                got = after[table][key][column]
                got = json.loads(got) if (table, column) in DECODED else got
                assert got == value, (table, key, column)
    for key, row in before["responses"].items():
        if "words" not in row:
            written = partner_words(row["text"], json.loads(row["answers"]))
            assert after["responses"][key]["words"] == written, key
    assert any(row["words"] for row in after["responses"].values()), "partners' words kept"
    assert any(json.loads(row["place"]) for row in after["consultation_events"].values())
    for key, row in after["contacts"].items():
        assert row["email_key"] == (address_key(row["email"]) or None if row["email"] else None)
        assert row["email"] == before["contacts"][key]["email"], key
    roles = {(row["name"], row["role"]) for row in after["contacts"].values()}
    assert ("Fatou Bintou Sarr", "Coordinatrice, Thiès") in roles, "eTools' role split off"
    assert not any("(" in name for name, _ in roles)
    assert not any(row["role_by_staff"] for row in after["contacts"].values()), "none by hand"
