"""an event's place and an evaluation's discussion place per language

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 14:00:00

`consultation_events.place` and `evaluations.discussion_place` were one string shown to
every reader ("Dakar et en ligne" on the English page); they become texts per language,
as titles are (`{"fr": …, "en": …}`). Each place written so far is kept under "und"
(BCP 47's undetermined language), which readers of every language are shown until staff
give the place in theirs; an empty place becomes no place (`{}`). Every row is kept;
going down writes back one text per row: the undetermined one, else the English, else
any.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

PLACES = (("consultation_events", "place"), ("evaluations", "discussion_place"))
# As tasks.staff.records.EVERY_LANGUAGE was when this migration was written.
EVERY_LANGUAGE = "und"
TEXT, TEXTS = sa.String(512), sa.JSON()


def upgrade() -> None:
    for table, column in PLACES:
        _convert(table, column, (TEXT, TEXTS), "'{}'", _texts)


def downgrade() -> None:
    for table, column in PLACES:
        _convert(table, column, (TEXTS, TEXT), "''", _one_text)


def _texts(place: str | None) -> dict[str, str]:
    return {EVERY_LANGUAGE: place} if place else {}


def _one_text(texts: dict[str, str] | None) -> str:
    if not texts:
        return ""
    chosen = texts.get(EVERY_LANGUAGE) or texts.get("en") or next(iter(texts.values()), "")
    return str(chosen)[:512]


def _convert(
    table: str,
    column: str,
    types: tuple[sa.types.TypeEngine[Any], sa.types.TypeEngine[Any]],
    empty: str,
    convert: Callable[[Any], Any],
) -> None:
    """Give `table.column` the second of `types`, each row's value converted: a required
    column (`empty` by default) is added and filled, the old one dropped and the new one
    renamed. Plain ALTER TABLE statements on every backend: SQLite's batch mode would
    copy the table and drop the old one, which its foreign keys forbid once rows refer to
    it (SQLite drops and renames columns itself since 3.35)."""
    was, becomes = types
    new = f"{column}_new"
    op.add_column(table, sa.Column(new, becomes, nullable=False, server_default=sa.text(empty)))
    rows = sa.table(
        table, sa.column("id", sa.Integer()), sa.column(column, was), sa.column(new, becomes)
    )
    connection = op.get_bind()
    values = [
        {"ident": ident, "value": convert(value)}
        for ident, value in connection.execute(sa.select(rows.c.id, rows.c[column]))
    ]
    update = (
        rows.update()
        .where(rows.c.id == sa.bindparam("ident"))
        .values({new: sa.bindparam("value", type_=becomes)})
    )
    for start in range(0, len(values), 500):
        connection.execute(update, values[start : start + 500])
    op.drop_column(table, column)
    op.alter_column(table, new, new_column_name=column)
