"""partner messages and the collector's own inbox marks

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-09 09:00:00

What partners write becomes a list staff work through: each answer keeps its words
(`responses.words`, filled here for every answer already recorded) and who handled them
(`handled_at`, `handled_by`, `handled_note`). Focal points' digests note what each has had
(`partner_message_notices`). The collector stops flagging mail as read: it keeps its own
marks (`inbox_marks`). Every row is kept; going down drops the new columns and tables.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

import db.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# As db.models.responses defined them when this migration was written.
WORD_FIELDS = ("news", "support_needed", "policy_changes", "changes", "comment")
LISTED = "words <> '' AND (superseded_at IS NULL OR channel = 'email')"
responses = sa.table(
    "responses",
    sa.column("id", sa.Integer()),
    sa.column("text", sa.Text()),
    sa.column("answers", sa.JSON()),
    sa.column("words", sa.Text()),
)


def words(text: str | None, answers: Any) -> str:
    if isinstance(answers, str):
        answers = json.loads(answers)
    answers = answers if isinstance(answers, dict) else {}
    parts: list[str] = []
    for part in [text, *(answers.get(name) for name in WORD_FIELDS)]:
        if isinstance(part, str) and part.strip() and part.strip() not in parts:
            parts.append(part.strip())
    return "\n\n".join(parts)


def upgrade() -> None:
    # ALTER TABLE itself, not a batch: SQLite would rebuild the table, and dropping the old
    # one is refused while other tables refer to its rows.
    op.add_column("responses", sa.Column("words", sa.Text(), nullable=False, server_default=""))
    op.add_column("responses", sa.Column("handled_at", db.types.UTCDateTime(), nullable=True))
    op.add_column(
        "responses", sa.Column("handled_by", sa.String(256), nullable=False, server_default="")
    )
    op.add_column(
        "responses", sa.Column("handled_note", sa.Text(), nullable=False, server_default="")
    )
    _fill_words()
    where = sa.text(f"{LISTED} AND handled_at IS NULL")
    op.create_index(
        "ix_responses_unhandled_words",
        "responses",
        ["received_at"],
        sqlite_where=where,
        postgresql_where=where,
    )
    _create_tables()


def _fill_words() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(responses.c.id, responses.c.text, responses.c.answers))
    found = [{"ident": ident, "words": words(text, answers)} for ident, text, answers in rows]
    update = (
        responses.update()
        .where(responses.c.id == sa.bindparam("ident"))
        .values(words=sa.bindparam("words"))
    )
    filled = [row for row in found if row["words"]]
    for start in range(0, len(filled), 500):
        connection.execute(update, filled[start : start + 500])


def _create_tables() -> None:
    op.create_table(
        "inbox_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox", sa.String(512), nullable=False),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox_marks")),
        sa.UniqueConstraint("mailbox", "key", name=op.f("uq_inbox_marks_mailbox_key")),
    )
    op.create_table(
        "partner_message_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("reminder", sa.Boolean(), nullable=False),
        sa.Column("occurrence_key", sa.String(255), nullable=False),
        sa.Column("noticed_at", db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_partner_message_notices_response_id_responses"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_partner_message_notices_contact_id_contacts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_message_notices")),
        sa.UniqueConstraint(
            "response_id",
            "contact_id",
            "reminder",
            name=op.f("uq_partner_message_notices_response_id_contact_id_reminder"),
        ),
    )
    for column in ("response_id", "contact_id"):
        op.create_index(
            op.f(f"ix_partner_message_notices_{column}"), "partner_message_notices", [column]
        )


def downgrade() -> None:
    op.drop_table("partner_message_notices")
    op.drop_table("inbox_marks")
    op.drop_index("ix_responses_unhandled_words", table_name="responses")
    for column in ("handled_note", "handled_by", "handled_at", "words"):
        op.drop_column("responses", column)
