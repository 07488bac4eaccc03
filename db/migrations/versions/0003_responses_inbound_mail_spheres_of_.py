"""responses, inbound mail, spheres of influence

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 09:21:12.714803
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=512), nullable=False),
        sa.Column("mailbox_key", sa.String(length=512), nullable=False),
        sa.Column("message_id_header", sa.Text(), nullable=True),
        sa.Column("from_address", sa.String(length=512), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("received_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("classification", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_inbound_mails_message_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["responses.id"], name=op.f("fk_inbound_mails_response_id_responses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_mails")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_inbound_mails_dedup_key")),
    )
    with op.batch_alter_table("inbound_mails", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbound_mails_classification"), ["classification"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_mails_message_id"), ["message_id"], unique=False
        )

    op.create_table(
        "influence_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=512), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_influence_entries_partnership_id_partnerships"),
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_influence_entries_response_id_responses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_influence_entries")),
    )
    with op.batch_alter_table("influence_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_influence_entries_partnership_id"), ["partnership_id"], unique=False
        )

    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("superseded_at", db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("recorded_by", sa.String(length=256), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("recorded_by")
        batch_op.drop_column("superseded_at")
        batch_op.drop_column("revision")

    with op.batch_alter_table("influence_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_influence_entries_partnership_id"))

    op.drop_table("influence_entries")
    with op.batch_alter_table("inbound_mails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_mails_message_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_mails_classification"))

    op.drop_table("inbound_mails")
