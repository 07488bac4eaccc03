from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from db.contacts import staff_contacts
from db.engine import make_engine, transaction
from db.migrate import (
    NotMigratedError,
    alembic_config,
    current_revision,
    ensure_migrated,
    head_revision,
    upgrade,
)
from db.models import Base, Partner

OLD = datetime(2026, 11, 2, 9, 30)


def test_it_refuses_an_unmigrated_database_and_names_the_command(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(NotMigratedError, match="run `continuity db upgrade`"):
        ensure_migrated(engine)
    engine.dispose()


def test_migrations_build_exactly_the_models_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    ensure_migrated(engine)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert tables == set(Base.metadata.tables)
    for table in Base.metadata.sorted_tables:
        columns = {column["name"] for column in inspect(engine).get_columns(table.name)}
        assert columns == set(table.columns.keys()), table.name
    engine.dispose()


def test_migrations_go_down_and_up_again(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    engine = make_engine(database_url)
    assert current_revision(engine) is None
    upgrade(database_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_upgrading_twice_is_harmless(database_url: str) -> None:
    upgrade(database_url)
    engine = make_engine(database_url)
    ensure_migrated(engine)
    engine.dispose()


def test_upgrading_to_the_quarantine_keeps_every_contact_and_inbound_mail(
    database_url: str,
) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0006")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO partners (id, vendor_number, name, short_name, partner_type,"
                " cso_type, country, language, time_zone, created_at, updated_at) VALUES"
                " (1, '2500123456', 'ASEF', '', '', '', 'SEN', 'fr', 'Africa/Dakar', :at, :at)"
            ),
            {"at": OLD},
        )
        connection.execute(
            text(
                "INSERT INTO contacts (id, partner_id, name, email, role, language, active,"
                " soft_bounces, hard_bounces, suppressed_at, suppression_reason, created_at,"
                " updated_at) VALUES (1, 1, 'Awa Ndiaye', 'a.ndiaye@asef.example.org',"
                " 'staff member', 'fr', true, 2, 0, :at, 'hard bounce 5.1.1', :at, :at)"
            ),
            {"at": OLD},
        )
        for number, kind in enumerate(("unreadable", "reply", "bounce"), start=1):
            connection.execute(
                text(
                    "INSERT INTO inbound_mails (id, dedup_key, mailbox_key, from_address,"
                    " subject, received_at, classification, text, details, created_at,"
                    " updated_at) VALUES (:id, :key, :key, '', '', :at, :kind, '', '{}', :at,"
                    " :at)"
                ),
                {"id": number, "key": f"mailbox:{number}", "kind": kind, "at": OLD},
            )
    upgrade(database_url)
    with engine.connect() as connection:
        contact = connection.execute(
            text("SELECT email, soft_bounces, suppression_reason, soft_bounce_since FROM contacts")
        ).one()
        kinds = connection.execute(
            text("SELECT classification, raw FROM inbound_mails ORDER BY id")
        ).all()
    assert tuple(contact) == ("a.ndiaye@asef.example.org", 2, "hard bounce 5.1.1", None)
    assert [tuple(row) for row in kinds] == [
        ("quarantined", None),
        ("reply", None),
        ("bounce", None),
    ]
    engine.dispose()


def test_upgrading_to_unicefs_own_row_makes_the_pseudo_partners_contacts_staff(
    database_url: str,
) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0008")
    engine = make_engine(database_url)
    with engine.begin() as connection:
        for number, vendor in enumerate(("UNICEF-STAFF", "2500123456"), start=1):
            connection.execute(
                text(
                    "INSERT INTO partners (id, vendor_number, name, short_name, partner_type,"
                    " cso_type, language, time_zone, created_at, updated_at) VALUES"
                    " (:id, :vendor, 'P', '', '', '', 'fr', 'UTC', :at, :at)"
                ),
                {"id": number, "vendor": vendor, "at": OLD},
            )
            connection.execute(
                text(
                    "INSERT INTO contacts (id, partner_id, name, email, role, language, active,"
                    " soft_bounces, hard_bounces, created_at, updated_at) VALUES (:id, :id,"
                    " 'C', :email, 'staff member', 'fr', true, 0, 0, :at, :at)"
                ),
                {"id": number, "email": f"c{number}@example.org", "at": OLD},
            )
    upgrade(database_url)
    with transaction(engine) as session:
        assert [contact.email for contact in staff_contacts(session)] == ["c1@example.org"]
        partners = session.scalars(select(Partner).order_by(Partner.id)).all()
        assert [partner.is_unicef for partner in partners] == [True, False]
    command.downgrade(config, "0008")
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT count(*) FROM contacts")).scalar()
    assert kept == 2
    upgrade(database_url)
    engine.dispose()
