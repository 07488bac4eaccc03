"""inbound quarantine and contact history

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("at", db.types.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name=op.f("fk_contact_events_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_events")),
    )
    with op.batch_alter_table("contact_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_events_contact_id"), ["contact_id"])
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("soft_bounce_since", db.types.UTCDateTime(), nullable=True))
    with op.batch_alter_table("inbound_mails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw", sa.LargeBinary(), nullable=True))
    # What was "unreadable" is now quarantined (its bytes were not kept then).
    op.execute(
        "UPDATE inbound_mails SET classification = 'quarantined'"
        " WHERE classification = 'unreadable'"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE inbound_mails SET classification = 'unreadable'"
        " WHERE classification = 'quarantined'"
    )
    with op.batch_alter_table("inbound_mails", schema=None) as batch_op:
        batch_op.drop_column("raw")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("soft_bounce_since")
    with op.batch_alter_table("contact_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_events_contact_id"))
    op.drop_table("contact_events")
