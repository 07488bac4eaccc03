"""due plans in batch order

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 09:00:00

A touchpoint reads its due plans in batches ordered by next due time and id, filtered by
kind (db.plans.due_plans_query). The partial index on active plans' next due time gains
kind and id, so each batch is one ordered range read from it: SQLite walked the table by
id instead. The index keeps its name and its rows (the active plans); no row changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _rebuild(["next_due_at", "kind", "id"])


def downgrade() -> None:
    _rebuild(["next_due_at"])


def _rebuild(columns: Sequence[str]) -> None:
    op.drop_index("ix_follow_up_plans_due", table_name="follow_up_plans")
    op.create_index(
        "ix_follow_up_plans_due",
        "follow_up_plans",
        list(columns),
        sqlite_where=sa.text("active = 1"),
        postgresql_where=sa.text("active"),
    )
