"""The staff directory: UNICEF's own row holds the staff, and what goes by partnerships
never reaches them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from db.acknowledgements import ended_without_acknowledgement
from db.audience import audience_rows
from db.contacts import staff_contacts, unicef
from db.engine import transaction
from db.influence import ended_without_supporters
from db.models import Contact, InterventionStatus, Partner
from db.status import status_counts
from tasks.staff.focal_points import add_focal_point, staff_contact

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def register_staff(engine: Engine) -> None:
    with transaction(engine) as session:
        add_focal_point(session, "Serge Atangana", "S.Atangana@unicef.example.org", "fr")
        staff_contact(session, "ops@unicef.example.org", "en")


def test_the_first_staff_address_makes_unicefs_own_row_which_is_no_partner(
    imported: Engine,
) -> None:
    with transaction(imported) as session:
        partners_before = status_counts(session, NOW)["partners"]
    register_staff(imported)
    with transaction(imported) as session:
        organisation = unicef(session)
        assert organisation is not None and organisation.is_unicef
        staff = staff_contacts(session)
        assert sorted(contact.email for contact in staff) == [
            "ops@unicef.example.org",
            "s.atangana@unicef.example.org",
        ]
        assert all(contact.is_staff and contact.partner_id == organisation.id for contact in staff)
        counts = status_counts(session, NOW)
        assert counts["partners"] == partners_before
        assert counts["staff_directory"] == 2
        assert counts["contacts"] == len(session.scalars(select(Contact)).all()) - 2


def test_a_staff_address_registered_again_is_the_same_contact(imported: Engine) -> None:
    register_staff(imported)
    with transaction(imported) as session:
        again = staff_contact(session, "OPS@unicef.example.org", "fr")
        assert again.email == "ops@unicef.example.org"
        assert len(staff_contacts(session)) == 2


def test_staff_reach_no_audience_acknowledgement_or_register_of_partners(
    imported: Engine,
) -> None:
    register_staff(imported)
    with transaction(imported) as session:
        everyone = audience_rows(session, [str(status) for status in InterventionStatus])
        reached = {contact.id for contact, _ in everyone}
        staff = {contact.id for contact in staff_contacts(session)}
        assert reached and not reached & staff
        owed = ended_without_acknowledgement(session) + ended_without_supporters(session)
        assert owed and not [p for p in owed if p.partner.is_unicef]


def test_the_database_holds_one_unicef_row_at_most(engine: Engine) -> None:
    with transaction(engine) as session:
        staff_contact(session, "ops@unicef.example.org", "en")
    with pytest.raises(IntegrityError), transaction(engine) as session:
        session.add(
            Partner(
                vendor_number="UNICEF-2",
                name="UNICEF",
                language="en",
                time_zone="UTC",
                is_unicef=True,
            )
        )
