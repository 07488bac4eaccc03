"""The upgrade to six languages moves only what the old rule gave by default."""

from __future__ import annotations

import json
from datetime import datetime

from alembic import command
from sqlalchemy import select, text

from db.engine import make_engine, transaction
from db.migrate import alembic_config, upgrade
from db.models import Contact, Partner

OLD = datetime(2026, 11, 2, 9, 30)
REVISION = "0015"


def _partner(connection, number: int, country: str, language: str) -> None:
    connection.execute(
        text(
            "INSERT INTO partners (id, vendor_number, name, short_name, partner_type, cso_type,"
            " country, language, time_zone, is_unicef, created_at, updated_at) VALUES"
            " (:id, :vendor, 'P', '', '', '', :country, :language, 'UTC', false, :at, :at)"
        ),
        {"id": number, "vendor": f"V{number}", "country": country, "language": language, "at": OLD},
    )


def _contact(connection, number: int, partner: int, language: str) -> None:
    connection.execute(
        text(
            "INSERT INTO contacts (id, partner_id, name, email, role, language, active,"
            " soft_bounces, hard_bounces, created_at, updated_at) VALUES (:id, :partner, 'C',"
            " :email, 'staff member', :language, true, 0, 0, :at, :at)"
        ),
        {
            "id": number,
            "partner": partner,
            "email": f"c{number}@example.org",
            "language": language,
            "at": OLD,
        },
    )


def test_it_moves_default_english_to_the_countrys_language_but_not_staffs_choice(
    database_url: str,
) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, f"{REVISION}-1")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        _partner(connection, 1, "YEM", "en")  # Yemen: English by the old rule, Arabic now
        _partner(connection, 2, "MOZ", "en")
        _partner(connection, 3, "SEN", "fr")
        _partner(connection, 4, "GHA", "en")  # English either way
        for number, partner, language in [
            (1, 1, "en"),
            (2, 1, "en"),
            (3, 1, "fr"),
            (4, 2, "en"),
            (5, 3, "fr"),
            (6, 4, "en"),
        ]:
            _contact(connection, number, partner, language)
        connection.execute(
            text(
                "INSERT INTO contact_events (contact_id, at, actor, action, details)"
                " VALUES (2, :at, 'ops', 'changed', :details)"
            ),
            {"at": OLD, "details": json.dumps({"language": ["fr", "en"], "reason": "asked"})},
        )
    upgrade(database_url)
    with transaction(engine) as session:
        partners = dict(session.execute(select(Partner.id, Partner.language)).all())
        people = dict(session.execute(select(Contact.id, Contact.language)).all())
    engine.dispose()
    assert partners == {1: "ar", 2: "pt", 3: "fr", 4: "en"}
    assert people == {1: "ar", 2: "en", 3: "fr", 4: "pt", 5: "fr", 6: "en"}
