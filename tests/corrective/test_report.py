"""What the corrective-actions flow publishes of a plan's audit trail: people by number,
never their names or words; the terminal's trail keeps them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine

from db.engine import transaction
from db.models import Contact, CorrectivePlan, Partner, Partnership
from tasks.corrective.plans import add_measure, open_plan, report_status, update_measure
from tasks.corrective.report import plan_trail, published_trail
from tasks.privacy import for_prefect

NOW = datetime(2026, 1, 1, tzinfo=UTC)
OWNER, NEXT_OWNER = "Théodulphe Ngirabakunzi", "Wilhelmina Okonkwo"
WORDS = "Our treasurer Mariama Sow resigned"


def reported_plan(engine: Engine) -> tuple[int, int]:
    """A plan whose measure's owner reported its status through the portal, with words,
    then staff gave the measure to someone else; return the plan's and owner's numbers."""
    with transaction(engine) as session:
        partner = Partner(vendor_number="1", name="NGO", language="en", time_zone="UTC")
        partnership = Partnership(
            reference_number="SEN/1", partner=partner, document_type="PD", status="suspended"
        )
        owner = Contact(partner=partner, name=OWNER, email="t@ngo.example", language="en")
        other = Contact(partner=partner, name=NEXT_OWNER, email="w@ngo.example", language="en")
        session.add_all([partnership, owner, other])
        session.flush()
        plan = open_plan(session, partnership, "late", "staff: Hélène", NOW)
        values = {"description": "Recruit", "owner_id": owner.id, "due_on": date(2026, 2, 1)}
        measure = add_measure(session, plan, values, "staff: Hélène", NOW)
        assert report_status(session, measure.id, "late", WORDS, owner, NOW)
        update_measure(session, measure, {"owner": other}, "staff: Hélène", NOW)
        return plan.id, owner.id


def test_prefect_gets_the_trail_with_people_by_number_and_no_words(engine: Engine) -> None:
    plan_id, owner = reported_plan(engine)
    with transaction(engine) as session:
        rows = for_prefect(published_trail(session, session.get_one(CorrectivePlan, plan_id)))
    published = str(rows)
    assert [word for word in (OWNER, NEXT_OWNER, "Mariama", "treasurer") if word in published] == []
    reported = next(row for row in rows if row["what"] == "status update")
    assert reported["who"] == f"partner: contact {owner}"
    assert reported["changes"] == "status: planned → late; comment changed"
    moved = next(row for row in rows if row["what"] == "measure changed")
    assert (moved["who"], moved["changes"]) == ("staff: Hélène", "owner changed")


def test_the_terminal_s_trail_keeps_who_and_what_they_wrote(engine: Engine) -> None:
    plan_id, _ = reported_plan(engine)
    with transaction(engine) as session:
        rows = plan_trail(session, session.get_one(CorrectivePlan, plan_id))
    shown = str(rows)
    assert f"partner: {OWNER}" in shown and WORDS in shown and NEXT_OWNER in shown
