"""spheres of influence edited and merged

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:50:10.428005
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import op


def _key(name: str) -> str:
    # The matching key as tasks/influence.py computed it when this revision was written.
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("influence_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("key", sa.String(length=256), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("recorded_by", sa.String(length=256), nullable=False, server_default="")
        )
        batch_op.create_index(batch_op.f("ix_influence_entries_key"), ["key"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_influence_entries_merged_into_id_influence_entries"),
            "influence_entries",
            ["merged_into_id"],
            ["id"],
        )
    connection = op.get_bind()
    entries = sa.table("influence_entries", sa.column("id"), sa.column("name"), sa.column("key"))
    for entry_id, name in connection.execute(sa.select(entries.c.id, entries.c.name)).all():
        connection.execute(entries.update().where(entries.c.id == entry_id).values(key=_key(name)))


def downgrade() -> None:
    with op.batch_alter_table("influence_entries", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_influence_entries_merged_into_id_influence_entries"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_influence_entries_key"))
        batch_op.drop_column("recorded_by")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("key")
