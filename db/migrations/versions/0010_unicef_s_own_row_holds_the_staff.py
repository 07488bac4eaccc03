"""UNICEF's own row holds the staff

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 09:00:00

Staff (focal points, test recipients) were the contacts of a pseudo-partner that every
query recognised by its vendor number. The row now says what it is: `partners.is_unicef`,
true for that row alone (a partial unique index allows one). Every row is kept: the
pseudo-partner is UNICEF's row, its contacts are the staff, their messages, measures and
answers stay theirs. Going down drops the flag; the vendor number, untouched, says it
again as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The pseudo-partner's vendor number, as tasks.staff.focal_points wrote it before.
STAFF_VENDOR = "UNICEF-STAFF"
partners = sa.table(
    "partners",
    sa.column("vendor_number", sa.String()),
    sa.column("is_unicef", sa.Boolean()),
)


def upgrade() -> None:
    # ALTER TABLE itself, not a batch: SQLite would rebuild the table, and dropping the old
    # one is refused while contacts refer to its rows.
    op.add_column(
        "partners",
        sa.Column("is_unicef", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(
        partners.update().where(partners.c.vendor_number == STAFF_VENDOR).values(is_unicef=True)
    )
    op.create_index(
        "uq_partners_is_unicef",
        "partners",
        ["is_unicef"],
        unique=True,
        sqlite_where=sa.text("is_unicef = 1"),
        postgresql_where=sa.text("is_unicef"),
    )


def downgrade() -> None:
    op.drop_index("uq_partners_is_unicef", table_name="partners")
    op.drop_column("partners", "is_unicef")
