"""contact roles apart from their names

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-14 10:00:00

eTools writes a person's role and place in parentheses after their name ("Fatou Bintou
Sarr (Coordinatrice, Thiès)"), and imports kept them in `contacts.name`, so mail greeted
the role. Every partner's contact has their name split as the import now splits it: the
name keeps what precedes the parenthesised part ending it, and `contacts.role` takes that
part where it still held the default. UNICEF's own staff, named by staff in the
directory, are left as they are. A role that was not the default was set by hand: it is
staff's (`contacts.role_by_staff`, which imports leave alone) and stays. Every row is
kept; going down drops `role_by_staff` and puts the roles eTools gave back into the names.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

DEFAULT_ROLE = "staff member"
ROLE_LENGTH = 128
OPENING = {")": "(", "\uff09": "\uff08"}

contacts = sa.table(
    "contacts",
    sa.column("id", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("role", sa.String()),
    sa.column("role_by_staff", sa.Boolean()),
    sa.column("partner_id", sa.Integer()),
)
partners = sa.table("partners", sa.column("id", sa.Integer()), sa.column("is_unicef", sa.Boolean()))
corrective_events = sa.table("corrective_events", sa.column("actor", sa.String()))


# As tasks.etools.members.name_and_role was when this migration was written.
def name_and_role(written: str) -> tuple[str, str | None]:
    written = written.strip()
    opening = _trailing_group(written)
    if opening is None or not written[:opening].strip():
        return written, None
    name = written[:opening].strip()
    role = " ".join(written[opening + 1 : -1].split())
    if len(role) > ROLE_LENGTH:
        role = role[: ROLE_LENGTH - 1].rstrip() + "…"
    return name, role or None


def _trailing_group(text: str) -> int | None:
    open_at: list[int] = []
    last = None
    for index, character in enumerate(text):
        if character in OPENING.values():
            open_at.append(index)
        elif character in OPENING:
            if not open_at or text[open_at[-1]] != OPENING[character]:
                return None
            last = open_at.pop()
    if open_at or not text.endswith(tuple(OPENING)):
        return None
    return last


def upgrade() -> None:
    op.add_column(
        "contacts",
        sa.Column("role_by_staff", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    connection = op.get_bind()
    connection.execute(
        contacts.update().where(contacts.c.role != DEFAULT_ROLE).values(role_by_staff=True)
    )
    # UNICEF's own staff were named by staff (the directory), not by eTools' Staff Members.
    unicef = sa.select(partners.c.id).where(partners.c.is_unicef)
    query = sa.select(contacts.c.id, contacts.c.name, contacts.c.role)
    rows = connection.execute(query.where(contacts.c.partner_id.not_in(unicef)))
    splits = [split for row in rows if (split := _split(*row))]
    _update(connection, splits)
    _rename_actors(connection, splits)


def _split(ident: int, written: str, role: str) -> dict[str, Any] | None:
    """Return the row's new name and role, or None when its name holds no role."""
    name, given = name_and_role(written)
    if name == written.strip():
        return None
    kept = role if role != DEFAULT_ROLE else given or role
    return {"ident": ident, "name": name, "role": kept, "written": written}


def _rename_actors(connection: sa.Connection, splits: list[dict[str, Any]]) -> None:
    """Name a partner's person in corrective plans' trails as the contact is now named:
    an erasure finds who acted by the contact's name ("partner: Fatou Bintou Sarr")."""
    for split in splits:
        was, now = f"partner: {split['written']}"[:256], f"partner: {split['name']}"[:256]
        connection.execute(
            corrective_events.update().where(corrective_events.c.actor == was).values(actor=now)
        )


def _update(connection: sa.Connection, values: list[dict[str, Any]]) -> None:
    update = (
        contacts.update()
        .where(contacts.c.id == sa.bindparam("ident"))
        .values(name=sa.bindparam("name"), role=sa.bindparam("role"))
    )
    for start in range(0, len(values), 500):
        connection.execute(update, values[start : start + 500])


def downgrade() -> None:
    connection = op.get_bind()
    given = sa.and_(contacts.c.role != DEFAULT_ROLE, sa.not_(contacts.c.role_by_staff))
    rows = connection.execute(
        sa.select(contacts.c.id, contacts.c.name, contacts.c.role).where(given)
    )
    _update(
        connection,
        [
            {"ident": ident, "name": f"{name} ({role})"[:256], "role": DEFAULT_ROLE}
            for ident, name, role in rows
        ],
    )
    op.drop_column("contacts", "role_by_staff")
