"""partners and their people read Arabic, Portuguese and Russian where their country does

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 13:00:00

The product now writes Arabic, Portuguese and Russian too. A partner's language was the
most spoken official one of its country among French, English and Spanish, else English;
it is now chosen among six, so Yemen's partners read Arabic, Mozambique's Portuguese and
Kazakhstan's Russian. Only what the old rule gave by default moves: a partner still in
English whose country now gives another language, and those of its people still in
English whom staff never set a language for. Going down leaves the languages as they are
(English text stays readable to whoever was moved; nothing is lost either way).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from babel.core import get_global

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# As tasks.countries.SUPPORTED_LANGUAGES was when this migration was written.
LANGUAGES = ("fr", "en", "es", "ar", "pt", "ru")

partners = sa.table(
    "partners",
    sa.column("id", sa.Integer()),
    sa.column("country", sa.String()),
    sa.column("language", sa.String()),
)
contacts = sa.table(
    "contacts",
    sa.column("id", sa.Integer()),
    sa.column("partner_id", sa.Integer()),
    sa.column("language", sa.String()),
)
events = sa.table(
    "contact_events",
    sa.column("contact_id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("details", sa.JSON()),
)


# As tasks.countries.official_language was when this migration was written.
def official_language(alpha3: str) -> str:
    aliases = get_global("territory_aliases").get(alpha3.upper()) or ["ZZ"]
    spoken = get_global("territory_languages").get(aliases[0], {})
    candidates = [
        (info.get("population_percent", 0.0), language)
        for language, info in spoken.items()
        if language in LANGUAGES and info.get("official_status")
    ]
    return max(candidates)[1] if candidates else "en"


def upgrade() -> None:
    connection = op.get_bind()
    moved = {
        partner_id: language
        for partner_id, country in connection.execute(
            sa.select(partners.c.id, partners.c.country).where(
                partners.c.language == "en", partners.c.country.is_not(None)
            )
        )
        if (language := official_language(country)) != "en"
    }
    set_by_staff = {
        contact_id
        for contact_id, details in connection.execute(
            sa.select(events.c.contact_id, events.c.details).where(events.c.action == "changed")
        )
        if isinstance(details, dict) and "language" in details
    }
    for partner_id, language in moved.items():
        connection.execute(
            partners.update().where(partners.c.id == partner_id).values(language=language)
        )
        people = connection.execute(
            sa.select(contacts.c.id).where(
                contacts.c.partner_id == partner_id, contacts.c.language == "en"
            )
        )
        chosen = [contact_id for (contact_id,) in people if contact_id not in set_by_staff]
        if chosen:
            connection.execute(
                contacts.update().where(contacts.c.id.in_(chosen)).values(language=language)
            )


def downgrade() -> None:
    """Nothing to undo: the languages set stay readable, as the docstring says."""
