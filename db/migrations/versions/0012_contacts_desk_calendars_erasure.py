"""international addresses, country calendars, erasure and retention

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:00:00

A contact's address gets the key every spelling of it shares (`contacts.email_key`, filled
here for every contact) and the person a time zone of their own and the mark of their
erasure (`time_zone`, `erased_at`). Staff set countries' working weeks and closed or open
days (`working_weeks`, `calendar_days`); erased addresses stay on a do-not-contact list as
keyed hashes (`erased_addresses`); retention marks the inbound mail it cleared
(`inbound_mails.cleared_at`). Every row is kept; going down drops what this added.
"""

from __future__ import annotations

import unicodedata

import idna
import sqlalchemy as sa
from alembic import op

import db.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

contacts = sa.table(
    "contacts",
    sa.column("id", sa.Integer()),
    sa.column("email", sa.String()),
    sa.column("email_key", sa.String()),
)


# As db.models.addresses.address_key was when this migration was written.
def address_key(address: str) -> str:
    written = unicodedata.normalize("NFC", address.strip().strip("<>"))
    local, at, domain = written.rpartition("@")
    if not at or not local or not domain:
        return ""
    domain = domain.rstrip(".")
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        ascii_domain = domain
    return f"{local.lower()}@{ascii_domain.lower()}"


def upgrade() -> None:
    op.add_column("contacts", sa.Column("email_key", sa.String(320), nullable=True))
    op.add_column("contacts", sa.Column("time_zone", sa.String(64), nullable=True))
    op.add_column("contacts", sa.Column("erased_at", db.types.UTCDateTime(), nullable=True))
    op.create_index(op.f("ix_contacts_email_key"), "contacts", ["email_key"])
    op.add_column("inbound_mails", sa.Column("cleared_at", db.types.UTCDateTime(), nullable=True))
    _fill_keys()
    _create_tables()


def _fill_keys() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(contacts.c.id, contacts.c.email).where(contacts.c.email.is_not(None))
    )
    keys = [{"ident": ident, "key": address_key(email) or None} for ident, email in rows]
    update = (
        contacts.update()
        .where(contacts.c.id == sa.bindparam("ident"))
        .values(email_key=sa.bindparam("key"))
    )
    for start in range(0, len(keys), 500):
        connection.execute(update, keys[start : start + 500])


def _create_tables() -> None:
    op.create_table(
        "working_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("days", sa.String(32), nullable=False),
        sa.Column("set_by", sa.String(256), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_at", db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_weeks")),
        sa.UniqueConstraint("country", name=op.f("uq_working_weeks_country")),
    )
    op.create_table(
        "calendar_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(3), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("set_by", sa.String(256), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_at", db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_days")),
        sa.UniqueConstraint("country", "day", name=op.f("uq_calendar_days_country_day")),
    )
    op.create_table(
        "erased_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address_hmac", sa.String(64), nullable=False),
        sa.Column("erased_at", db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erased_addresses")),
        sa.UniqueConstraint("address_hmac", name=op.f("uq_erased_addresses_address_hmac")),
    )


def downgrade() -> None:
    op.drop_table("erased_addresses")
    op.drop_table("calendar_days")
    op.drop_table("working_weeks")
    op.drop_column("inbound_mails", "cleared_at")
    op.drop_index(op.f("ix_contacts_email_key"), table_name="contacts")
    for column in ("erased_at", "time_zone", "email_key"):
        op.drop_column("contacts", column)
