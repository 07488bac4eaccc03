"""The domain rules the models carry hold alike on an object and in a query."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import ENDED_STATUSES, Contact, InterventionStatus, Partner, Partnership

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def partner(vendor_number: str = "2500100001") -> Partner:
    return Partner(vendor_number=vendor_number, name="ASEF", language="fr", time_zone="UTC")


def test_a_contact_is_reachable_by_the_same_rule_in_python_and_in_a_query(
    engine: Engine,
) -> None:
    states = {
        "reachable": {},
        "inactive": {"active": False},
        "opted out": {"opted_out_at": NOW},
        "suppressed": {"suppressed_at": NOW, "suppression_reason": "hard bounce"},
        "no address": {"email": None},
        "empty address": {"email": ""},
    }
    with transaction(engine) as session:
        organisation = partner()
        for number, (name, values) in enumerate(states.items()):
            fields = {"email": f"c{number}@asef.example.org", **values}
            session.add(Contact(partner=organisation, name=name, language="fr", **fields))
    with transaction(engine) as session:
        contacts = session.scalars(select(Contact)).all()
        in_python = {contact.name for contact in contacts if contact.is_reachable}
        in_sql = set(session.scalars(select(Contact.name).where(Contact.is_reachable)))
    assert in_python == in_sql == {"reachable"}


def test_ended_partnerships_are_found_by_the_same_rule_in_python_and_in_a_query(
    engine: Engine,
) -> None:
    with transaction(engine) as session:
        organisation = partner()
        for status in InterventionStatus:
            session.add(
                Partnership(
                    reference_number=f"SEN/PCA2020001/{status}",
                    partner=organisation,
                    document_type="PD",
                    status=status,
                )
            )
    with transaction(engine) as session:
        partnerships = session.scalars(select(Partnership)).all()
        in_python = {p.status for p in partnerships if p.has_ended}
        in_sql = set(session.scalars(select(Partnership.status).where(Partnership.has_ended)))
    assert in_python == in_sql == ENDED_STATUSES == {"ended", "closed", "terminated"}


def test_opting_out_keeps_the_first_date_and_says_whether_anything_changed() -> None:
    contact = Contact(name="Awa", email="awa@asef.example.org", language="fr", active=True)
    assert contact.opt_out(NOW) is True
    assert contact.opt_out(datetime(2027, 1, 1, tzinfo=UTC)) is False
    assert contact.opted_out_at == NOW
    assert contact.unreachable_reason() == "opted out"
