"""outbox delivery and staff data

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:01:00.713864
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consultation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("topic", sa.JSON(), nullable=False),
        sa.Column("starts_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("place", sa.String(length=512), nullable=False),
        sa.Column("link", sa.String(length=2048), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("rsvp_deadline", db.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_events")),
    )
    op.create_table(
        "policy_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "policy_change",
                "new_priority",
                "development",
                name="updatecategory",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.JSON(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("published_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_updates")),
    )
    op.create_table(
        "digest_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("occurrence_key", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_digest_items_partner_id_partners")
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["policy_updates.id"],
            name=op.f("fk_digest_items_update_id_policy_updates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_items")),
        sa.UniqueConstraint(
            "update_id", "partner_id", name=op.f("uq_digest_items_update_id_partner_id")
        ),
    )
    with op.batch_alter_table("digest_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digest_items_partner_id"), ["partner_id"], unique=False
        )

    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("conclusions", sa.JSON(), nullable=False),
        sa.Column("lessons", sa.JSON(), nullable=False),
        sa.Column("recommendations", sa.JSON(), nullable=False),
        sa.Column("report_url", sa.String(length=2048), nullable=False),
        sa.Column("discussion_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("discussion_place", sa.String(length=512), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_evaluations_partnership_id_partnerships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
    )
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluations_partnership_id"), ["partnership_id"], unique=False
        )

    op.create_table(
        "evaluation_contributors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_evaluation_contributors_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluation_contributors_evaluation_id_evaluations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_contributors")),
        sa.UniqueConstraint(
            "evaluation_id",
            "contact_id",
            name=op.f("uq_evaluation_contributors_evaluation_id_contact_id"),
        ),
    )
    with op.batch_alter_table("evaluation_contributors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_contributors_contact_id"), ["contact_id"], unique=False
        )

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_of_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("subject", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("handoff_at", db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("server_reply", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_messages_claimed_at"), ["claimed_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_messages_reminder_of_id"), ["reminder_of_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_messages_sent_at"), ["sent_at"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_messages_reminder_of_id_messages"),
            "messages",
            ["reminder_of_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_messages_reminder_of_id_messages"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_messages_sent_at"))
        batch_op.drop_index(batch_op.f("ix_messages_reminder_of_id"))
        batch_op.drop_index(batch_op.f("ix_messages_claimed_at"))
        batch_op.drop_column("server_reply")
        batch_op.drop_column("handoff_at")
        batch_op.drop_column("subject")
        batch_op.drop_column("reminder_of_id")

    with op.batch_alter_table("evaluation_contributors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_contributors_contact_id"))

    op.drop_table("evaluation_contributors")
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluations_partnership_id"))

    op.drop_table("evaluations")
    with op.batch_alter_table("digest_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_items_partner_id"))

    op.drop_table("digest_items")
    op.drop_table("policy_updates")
    op.drop_table("consultation_events")
