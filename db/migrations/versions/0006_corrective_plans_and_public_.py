"""corrective plans and public acknowledgements

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 14:29:04.187914
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("staff_approved_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("staff_approved_by", sa.String(length=256), nullable=False),
        sa.Column("partner_approved_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("partner_approved_by", sa.String(length=256), nullable=False),
        sa.Column("proposed_changes", sa.Text(), nullable=False),
        sa.Column("withdrawn_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("published_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_acknowledgements_partnership_id_partnerships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acknowledgements")),
        sa.UniqueConstraint("partnership_id", name=op.f("uq_acknowledgements_partnership_id")),
    )
    op.create_table(
        "corrective_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("closed_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("recorded_by", sa.String(length=256), nullable=False),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name=op.f("fk_corrective_plans_partnership_id_partnerships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_plans")),
    )
    with op.batch_alter_table("corrective_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corrective_plans_partnership_id"), ["partnership_id"], unique=False
        )
        batch_op.create_index(
            "uq_corrective_plans_open",
            ["partnership_id"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "corrective_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("budget_change", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "on_track",
                "late",
                "done",
                "cancelled",
                name="measurestatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("status_comment", sa.Text(), nullable=False),
        sa.Column("status_at", db.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["contacts.id"], name=op.f("fk_corrective_measures_owner_id_contacts")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["corrective_plans.id"],
            name=op.f("fk_corrective_measures_plan_id_corrective_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_measures")),
    )
    with op.batch_alter_table("corrective_measures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corrective_measures_owner_id"), ["owner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_corrective_measures_plan_id"), ["plan_id"], unique=False
        )

    op.create_table(
        "corrective_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=True),
        sa.Column("at", db.types.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measure_id"],
            ["corrective_measures.id"],
            name=op.f("fk_corrective_events_measure_id_corrective_measures"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["corrective_plans.id"],
            name=op.f("fk_corrective_events_plan_id_corrective_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_events")),
    )
    with op.batch_alter_table("corrective_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_corrective_events_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("corrective_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrective_events_plan_id"))

    op.drop_table("corrective_events")
    with op.batch_alter_table("corrective_measures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrective_measures_plan_id"))
        batch_op.drop_index(batch_op.f("ix_corrective_measures_owner_id"))

    op.drop_table("corrective_measures")
    with op.batch_alter_table("corrective_plans", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_corrective_plans_open",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.drop_index(batch_op.f("ix_corrective_plans_partnership_id"))

    op.drop_table("corrective_plans")
    op.drop_table("acknowledgements")
