"""one current answer per message and contact

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 02:00:00

Two portal processes answering one link at the same moment could each read the same
previous answer and both record a "current" one with the same revision number. Before the
database is told to refuse that, the histories it already holds are put right, losing no
row and no content: in each history (one message, one contact; answers by the portal or
entered by staff, as `db.models.REVISED` says) ordered by revision, then time, then id,
the last current answer stays current and the other current ones are marked superseded
at the moment it was received; a history with a revision number twice is numbered again
1, 2, 3… in that same order (only such histories are).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# As in db.models at this revision (a migration does not import the models that change).
REVISED = "message_id IS NOT NULL AND channel <> 'email' AND kind NOT IN ('auto_reply', 'opt_out')"
CURRENT = f"{REVISED} AND superseded_at IS NULL"
responses = sa.table(
    "responses",
    sa.column("id", sa.Integer()),
    sa.column("message_id", sa.Integer()),
    sa.column("contact_id", sa.Integer()),
    sa.column("revision", sa.Integer()),
    sa.column("received_at", db.types.UTCDateTime()),
    sa.column("superseded_at", db.types.UTCDateTime()),
)


def upgrade() -> None:
    connection = op.get_bind()
    for message_id, contact_id in _broken_histories(connection):
        rows = _history(connection, message_id, contact_id)
        _keep_one_current(connection, rows)
        _number_revisions_once(connection, rows)
    op.create_index(
        "uq_responses_current_answer",
        "responses",
        ["message_id", "contact_id"],
        unique=True,
        sqlite_where=sa.text(CURRENT),
        postgresql_where=sa.text(CURRENT),
    )
    op.create_index(
        "uq_responses_revision",
        "responses",
        ["message_id", "contact_id", "revision"],
        unique=True,
        sqlite_where=sa.text(REVISED),
        postgresql_where=sa.text(REVISED),
    )


def downgrade() -> None:
    # The histories put right stay right: the superseded answers and their numbers were
    # wrong before, and no row was lost.
    op.drop_index("uq_responses_revision", table_name="responses")
    op.drop_index("uq_responses_current_answer", table_name="responses")


def _broken_histories(connection: sa.Connection) -> list[Any]:
    """Return (message, contact) of every history with two current answers or a revision
    number twice."""
    return list(
        connection.execute(
            sa.text(
                "SELECT message_id, contact_id FROM responses"
                f" WHERE {REVISED} GROUP BY message_id, contact_id"
                " HAVING SUM(CASE WHEN superseded_at IS NULL THEN 1 ELSE 0 END) > 1"
                " OR COUNT(*) > COUNT(DISTINCT revision)"
            )
        )
    )


def _history(connection: sa.Connection, message_id: int, contact_id: int) -> list[Any]:
    query = (
        sa.select(responses)
        .where(
            responses.c.message_id == message_id,
            responses.c.contact_id == contact_id,
            sa.text(REVISED),
        )
        .order_by(responses.c.revision, responses.c.received_at, responses.c.id)
    )
    return list(connection.execute(query))


def _keep_one_current(connection: sa.Connection, rows: Sequence[Any]) -> None:
    current = [row for row in rows if row.superseded_at is None]
    if len(current) < 2:
        return
    kept = current[-1]
    for row in current[:-1]:
        connection.execute(
            responses.update()
            .where(responses.c.id == row.id)
            .values(superseded_at=max(kept.received_at, row.received_at))
        )


def _number_revisions_once(connection: sa.Connection, rows: Sequence[Any]) -> None:
    if len({row.revision for row in rows}) == len(rows):
        return
    for number, row in enumerate(rows, start=1):
        if row.revision != number:
            connection.execute(
                responses.update().where(responses.c.id == row.id).values(revision=number)
            )
