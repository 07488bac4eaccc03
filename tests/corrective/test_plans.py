from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from db.contacts import contacts_with_address
from db.corrective import open_plans_of_ended, trail
from db.engine import transaction
from db.models import (
    CorrectiveMeasure,
    CorrectivePlan,
    Partnership,
    TouchpointKind,
)
from tasks.corrective.changes import CorrectiveChange, apply_change
from tasks.corrective.followup import reminder_days
from tasks.corrective.plans import CorrectiveError, close_ended, report_status
from tasks.corrective.report import overview
from tasks.etools.importer import import_etools
from tasks.follow_up_policy import load_policy
from tasks.mail.addresses import ascii_domain
from tasks.sending_window import parse_window
from tasks.staff.focal_points import DirectoryError, add_focal_point, named
from tests.exports import SAMPLES
from tests.pipeline import messages, plan

SUSPENDED = "CMR/PCA2019012/PD2023003"
OWNER = "jp.mbarga@enfance-avenir.example.cm"
REMINDER = TouchpointKind.CORRECTIVE_ACTION
ESCALATION = TouchpointKind.CORRECTIVE_ESCALATION
OPENED = datetime(2026, 12, 1, 9, tzinfo=UTC)
DUE = date(2026, 12, 20)


def change(engine: Engine, at: datetime = OPENED, **fields) -> dict:
    with transaction(engine) as session:
        return apply_change(session, CorrectiveChange(recorded_by="Hélène Fouda", **fields), at)


@pytest.fixture
def measure(imported: Engine) -> int:
    """A plan on the suspended partnership with one measure owned by a partner contact,
    due on 20 December; one of its two focal points has an address in the directory."""
    with transaction(imported) as session:
        add_focal_point(session, "Serge Atangana", "s.atangana@unicef.example.org", "fr")
    change(imported, action="open", partnership=SUSPENDED, reason="no progress for two quarters")
    added = change(
        imported,
        action="add-measure",
        partnership=SUSPENDED,
        description="Recruter un coordinateur de terrain",
        owner=OWNER,
        due_on=DUE,
        budget_change=Decimal("-12000.50"),
        currency="XAF",
    )
    return added["measure_id"]


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=UTC)


def keys(engine: Engine, kind: TouchpointKind) -> list[str]:
    return [message.occurrence_key for message in messages(engine, kind=kind)]


def test_reminders_fall_seven_days_and_one_day_before_the_due_date() -> None:
    assert reminder_days(date(2026, 12, 12), DUE) is None
    assert reminder_days(date(2026, 12, 13), DUE) == 7
    assert reminder_days(date(2026, 12, 18), DUE) == 7
    assert reminder_days(date(2026, 12, 19), DUE) == 1
    assert reminder_days(DUE, DUE) == 1
    assert reminder_days(date(2026, 12, 21), DUE) is None


def test_the_owner_is_reminded_once_per_reminder_and_asked_for_the_status(
    imported: Engine, measure: int
) -> None:
    for day in (10, 13, 14, 15):
        plan(imported, REMINDER, at(day))
    assert keys(imported, REMINDER) == [f"corrective_action:measure{measure}:due2026-12-20:d7"]
    for day in (19, 20):
        plan(imported, REMINDER, at(day))
    sent = messages(imported, kind=REMINDER)
    assert [m.occurrence_key[-2:] for m in sent] == ["d7", "d1"]
    assert {m.contact.email for m in sent} == {OWNER}
    assert sent[0].context == {"measure_id": measure, "days": 7}
    with transaction(imported) as session:
        plan_id = session.get_one(CorrectiveMeasure, measure).plan_id
        reminders = [e for e in trail(session, plan_id, measure) if e.action == "reminder"]
    assert [e.details["days_before"] for e in reminders] == [7, 1]


def test_an_overdue_measure_is_escalated_once_to_the_focal_points_with_an_address(
    imported: Engine, measure: int
) -> None:
    for day in (21, 22, 28):
        plan(imported, REMINDER, at(day))
    escalated = messages(imported, kind=ESCALATION)
    assert [m.contact.email for m in escalated] == ["s.atangana@unicef.example.org"]
    assert messages(imported, kind=REMINDER) == []
    with transaction(imported) as session:
        plan_id = session.get_one(CorrectiveMeasure, measure).plan_id
        noted = [e for e in trail(session, plan_id, measure) if e.action == "escalated"]
    assert len(noted) == 1
    assert noted[0].details["to"] == ["Serge Atangana"]
    assert noted[0].details["no_address"] == ["Hélène Fouda"]


def test_a_measure_reported_done_is_neither_reminded_nor_escalated(
    imported: Engine, measure: int
) -> None:
    change(imported, action="update", measure_id=measure, status="done", comment="recruté")
    for day in (13, 19, 21):
        plan(imported, REMINDER, at(day))
    assert messages(imported) == []


def test_a_new_due_date_brings_new_reminders_and_is_in_the_trail(
    imported: Engine, measure: int
) -> None:
    plan(imported, REMINDER, at(13))
    done = change(imported, action="update", measure_id=measure, due_on=date(2027, 1, 15))
    assert done["changed"] == ["due_on"]
    plan(imported, REMINDER, at(21))
    assert messages(imported, kind=ESCALATION) == []
    plan(imported, REMINDER, datetime(2027, 1, 9, 10, tzinfo=UTC))
    assert keys(imported, REMINDER)[-1] == f"corrective_action:measure{measure}:due2027-01-15:d7"
    with transaction(imported) as session:
        plan_id = session.get_one(CorrectiveMeasure, measure).plan_id
        changed = [e for e in trail(session, plan_id) if e.action == "measure changed"]
    assert changed[0].details["due_on"] == ["2026-12-20", "2027-01-15"]
    assert changed[0].actor == "staff: Hélène Fouda"


def test_every_change_is_in_the_audit_trail_with_who_and_when(
    imported: Engine, measure: int
) -> None:
    with transaction(imported) as session:
        owner = session.get_one(CorrectiveMeasure, measure).owner
        assert report_status(session, measure, "late", "budget pas encore reçu", owner, at(5))
    change(imported, at(6), action="close", partnership=SUSPENDED, outcome="relancé")
    with transaction(imported) as session:
        plan_id = session.get_one(CorrectiveMeasure, measure).plan_id
        events = [(e.action, e.actor) for e in trail(session, plan_id)]
        late = trail(session, plan_id, measure)[-1]
    assert events == [
        ("plan opened", "staff: Hélène Fouda"),
        ("measure added", "staff: Hélène Fouda"),
        ("status update", "partner: Jean-Pierre Mbarga"),
        ("plan closed", "staff: Hélène Fouda"),
    ]
    assert late.details == {
        "status": ["planned", "late"],
        "comment": ["", "budget pas encore reçu"],
        "by_contact": owner.id,
    }
    assert late.at == at(5)


def test_a_closed_plan_takes_no_more_changes_and_sends_nothing(
    imported: Engine, measure: int
) -> None:
    change(imported, action="close", partnership=SUSPENDED, outcome="abandoned")
    with pytest.raises(CorrectiveError, match="closed"):
        change(imported, action="update", measure_id=measure, status="done")
    with transaction(imported) as session:
        owner = session.get_one(CorrectiveMeasure, measure).owner
        assert not report_status(session, measure, "done", "", owner, at(5))
    plan(imported, REMINDER, at(21))
    assert messages(imported) == []


def test_one_plan_at_most_is_open_per_partnership(imported: Engine, measure: int) -> None:
    with pytest.raises(CorrectiveError, match="already has an open plan"):
        change(imported, action="open", partnership=SUSPENDED, reason="again")
    with pytest.raises(IntegrityError), transaction(imported) as session:
        partnership = session.scalars(
            select(Partnership).where(Partnership.reference_number == SUSPENDED)
        ).one()
        session.add(CorrectivePlan(partnership=partnership, reason="bypassing the check"))
        session.flush()


def terminated_export(folder: Path) -> Path:
    """The sample interventions export, with the suspended partnership now terminated."""
    text = (SAMPLES / "interventions.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        if row["Reference Number"] == SUSPENDED:
            row["Status"] = "terminated"
    path = folder / "interventions.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_plan_closes_when_a_later_import_says_terminated(
    imported: Engine, measure: int, tmp_path: Path
) -> None:
    change(imported, action="update", measure_id=measure, status="done")
    with transaction(imported) as session:
        counts = import_etools(
            session, SAMPLES / "partners.csv", terminated_export(tmp_path), load_policy()
        )
    assert counts.as_dict()["corrective_plans"] == {"closed": 1}
    with transaction(imported) as session:
        plan = session.get_one(CorrectiveMeasure, measure).plan
        assert plan.status == "closed" and plan.closed_at is not None
        assert plan.outcome == "partnership terminated (eTools import); 1 of 1 measures done"
        assert trail(session, plan.id)[-1].actor == "system: eTools import"
        follow_ups = {p.kind for p in plan.partnership.plans if p.active}
    assert TouchpointKind.SUSTAINABILITY_CHECKIN in follow_ups


def test_owners_are_partner_contacts_or_focal_points_in_the_directory(
    imported: Engine, measure: int
) -> None:
    by_name = change(
        imported,
        action="add-measure",
        partnership=SUSPENDED,
        description="Rapport",
        owner="serge ATANGANA",
        due_on=DUE,
    )
    with transaction(imported) as session:
        owner = session.get_one(CorrectiveMeasure, by_name["measure_id"]).owner
        assert owner.email == "s.atangana@unicef.example.org"
    with pytest.raises(CorrectiveError, match="neither a contact"):
        change(
            imported,
            action="add-measure",
            partnership=SUSPENDED,
            description="x",
            owner="someone@elsewhere.example.org",
            due_on=DUE,
        )


def test_an_owner_is_found_by_either_form_of_an_internationalised_address(
    imported: Engine, measure: int
) -> None:
    with transaction(imported) as session:
        (mbarga,) = contacts_with_address(session, OWNER)
        mbarga.email = "jp.mbarga@enfance-avenir-éducation.cm"
    added = change(
        imported,
        action="add-measure",
        partnership=SUSPENDED,
        description="Rapport",
        owner=ascii_domain("JP.Mbarga@enfance-avenir-éducation.cm"),
        due_on=DUE,
    )
    with transaction(imported) as session:
        assert session.get_one(CorrectiveMeasure, added["measure_id"]).owner_id == mbarga.id


def test_a_partner_contact_owns_a_measure_by_number(imported: Engine, measure: int) -> None:
    """The Prefect form names partners' people by number: Prefect keeps what it is given."""
    with transaction(imported) as session:
        mbarga = session.get_one(CorrectiveMeasure, measure).owner
        number, others = mbarga.id, session.scalars(select(CorrectiveMeasure.id)).all()
    by_number = change(
        imported,
        action="add-measure",
        partnership=SUSPENDED,
        description="Rapport",
        owner=str(number),
        due_on=DUE,
    )
    assert by_number["measure_id"] not in others
    with transaction(imported) as session:
        assert session.get_one(CorrectiveMeasure, by_number["measure_id"]).owner_id == number
    with pytest.raises(CorrectiveError, match="neither a contact"):
        change(
            imported,
            action="add-measure",
            partnership=SUSPENDED,
            description="x",
            owner="1",  # a contact of another partner
            due_on=DUE,
        )


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"action": "open", "partnership": SUSPENDED}, "open needs reason"),
        ({"action": "add-measure", "partnership": SUSPENDED, "description": "x"}, "owner"),
        ({"action": "update"}, "update needs measure_id"),
        ({"action": "open", "partnership": SUSPENDED, "reason": "a\x00b"}, "control characters"),
        ({"action": "open", "partnership": SUSPENDED, "reason": "x" * 4001}, "at most 4000"),
        ({"action": "update", "measure_id": 1, "budget_change": "1e12"}, "less than or equal"),
        ({"action": "update", "measure_id": 1, "currency": "usd"}, "pattern"),
        ({"action": "update", "measure_id": 1, "status": "finished"}, "status"),
        ({"action": "delete", "measure_id": 1}, "action"),
        ({"action": "open", "partnership": SUSPENDED, "reason": "x", "extra": 1}, "extra"),
    ],
)
def test_bad_changes_are_refused_with_the_reason(fields: dict, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        CorrectiveChange(recorded_by="A. Staff", **fields)


def test_unknown_partnerships_and_measures_are_named(imported: Engine) -> None:
    with pytest.raises(CorrectiveError, match="no partnership with reference 'NOPE'"):
        change(imported, action="open", partnership="NOPE", reason="x")
    with pytest.raises(CorrectiveError, match="no measure 999"):
        change(imported, action="update", measure_id=999, status="done")
    with pytest.raises(CorrectiveError, match="has no open corrective plan"):
        change(imported, action="close", partnership=SUSPENDED, outcome="x")
    with pytest.raises(CorrectiveError, match="has ended"):
        change(imported, action="open", partnership="SEN/PCA2021001/PD2021004", reason="x")


@pytest.mark.parametrize(
    ("name", "address", "language", "problem"),
    [
        ("", "a@unicef.example.org", "en", "name"),
        ("!!!", "a@unicef.example.org", "en", "name"),
        ("A\x07B", "a@unicef.example.org", "en", "name"),
        ("A B", "not an address", "en", "address"),
        ("A B", "a@unicef.example.org", "de", "language"),
    ],
)
def test_the_directory_refuses_bad_entries(
    imported: Engine, name: str, address: str, language: str, problem: str
) -> None:
    with pytest.raises(DirectoryError, match=problem), transaction(imported) as session:
        add_focal_point(session, name, address, language)


def test_a_focal_points_new_address_replaces_the_old_one(imported: Engine) -> None:
    with transaction(imported) as session:
        add_focal_point(session, "Serge Atangana", "old@unicef.example.org")
        add_focal_point(session, "Serge Atangana", "new@unicef.example.org", "fr")
    with transaction(imported) as session:
        found = named(session, "SERGE atangana")
        assert found is not None and found.email == "new@unicef.example.org"
        assert found.language == "fr"


def test_waiting_reminders_are_cancelled_when_the_measure_is_done_or_the_plan_closed(
    imported: Engine, measure: int
) -> None:
    quiet = parse_window("mon-fri 09:00-09:01")
    plan(imported, REMINDER, datetime(2026, 12, 13, 3, tzinfo=UTC), window=quiet)
    (waiting,) = messages(imported, kind=REMINDER)
    assert waiting.status == "planned"
    change(imported, action="update", measure_id=measure, status="done")
    (cancelled,) = messages(imported, kind=REMINDER)
    assert cancelled.status == "cancelled"
    assert cancelled.status_reason == "measure changed (status)"


def test_a_reminder_to_an_unreachable_owner_is_recorded_as_not_sent(
    imported: Engine, measure: int
) -> None:
    with transaction(imported) as session:
        session.get_one(CorrectiveMeasure, measure).owner.opted_out_at = OPENED
    plan(imported, REMINDER, at(13))
    with transaction(imported) as session:
        plan_id = session.get_one(CorrectiveMeasure, measure).plan_id
        last = trail(session, plan_id, measure)[-1]
    assert (last.action, last.details) == (
        "reminder not sent",
        {"days_before": 7, "reason": "opted out"},
    )


def test_a_focal_points_new_address_takes_their_measures_along(imported: Engine) -> None:
    with transaction(imported) as session:
        add_focal_point(session, "Serge Atangana", "old@unicef.example.org")
    change(imported, action="open", partnership=SUSPENDED, reason="x")
    added = change(
        imported,
        action="add-measure",
        partnership=SUSPENDED,
        description="Plan",
        owner="old@unicef.example.org",
        due_on=DUE,
    )
    with transaction(imported) as session:
        add_focal_point(session, "Serge Atangana", "new@unicef.example.org")
    with transaction(imported) as session:
        owner = session.get_one(CorrectiveMeasure, added["measure_id"]).owner
        assert owner.email == "new@unicef.example.org" and owner.active


def test_only_the_current_owner_reports_and_not_on_a_cancelled_measure(
    imported: Engine, measure: int
) -> None:
    with transaction(imported) as session:
        found = session.get_one(CorrectiveMeasure, measure)
        colleague = next(
            c for c in found.plan.partnership.partner.contacts if c.id != found.owner_id
        )
        assert not report_status(session, measure, "done", "", colleague, at(5))
    change(imported, action="update", measure_id=measure, status="cancelled")
    with transaction(imported) as session:
        found = session.get_one(CorrectiveMeasure, measure)
        assert not report_status(session, measure, "late", "", found.owner, at(6))
        assert found.status == "cancelled"


def test_a_cancelled_or_expired_partnership_closes_its_plan(imported: Engine, measure: int) -> None:
    with transaction(imported) as session:
        found = session.get_one(CorrectiveMeasure, measure)
        found.plan.partnership.status = "cancelled"
        session.flush()
        closed = close_ended(session, open_plans_of_ended(session), at(2))
    assert len(closed) == 1


def test_an_escalation_with_no_focal_point_is_reported(imported: Engine) -> None:
    change(imported, action="open", partnership=SUSPENDED, reason="x")
    with transaction(imported) as session:
        partnership = session.scalars(
            select(Partnership).where(Partnership.reference_number == SUSPENDED)
        ).one()
        partnership.focal_points = []
    change(
        imported,
        action="add-measure",
        partnership=SUSPENDED,
        description="Plan",
        owner=OWNER,
        due_on=DUE,
    )
    plan(imported, REMINDER, at(22))
    with transaction(imported) as session:
        rows = overview(session, at(22).date())["escalations_without_address"]
    assert [row["no address for"] for row in rows] == ["no focal point in eTools"]
