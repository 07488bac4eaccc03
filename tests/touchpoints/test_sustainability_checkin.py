from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import FollowUpPlan, Partnership, TouchpointKind
from tests.pipeline import messages, plan

CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
DAKAR = ZoneInfo("Africa/Dakar")
REFERENCE = (
    "SEN/PCA2021001/PD2021004"  # ended 2024-12-31: check-ins from 2025-06-30, every 6 months
)


def checkin_plan(engine: Engine) -> FollowUpPlan:
    with transaction(engine) as session:
        partnership = session.scalars(
            select(Partnership).where(Partnership.reference_number == REFERENCE)
        ).one()
        return next(plan for plan in partnership.plans if plan.kind == CHECKIN)


def senegal_checkins(engine: Engine):
    return [
        m
        for m in messages(engine, kind=CHECKIN)
        if m.partnership and m.partnership.reference_number == REFERENCE
    ]


def test_nothing_is_due_before_the_first_occurrence(imported: Engine) -> None:
    plan(imported, CHECKIN, datetime(2025, 6, 30, 9, 59, tzinfo=DAKAR))
    assert senegal_checkins(imported) == []


def test_a_due_check_in_goes_to_every_contact_of_the_partner(imported: Engine) -> None:
    plan(imported, CHECKIN, datetime(2025, 6, 30, 10, 0, tzinfo=DAKAR))
    sent = senegal_checkins(imported)
    assert len(sent) == 3
    assert {m.occurrence_key for m in sent} == {
        f"sustainability_checkin:plan{checkin_plan(imported).id}:2025-06-30"
    }
    assert checkin_plan(imported).next_due_at == datetime(2025, 12, 30, 10, 0, tzinfo=DAKAR)


def test_missed_occurrences_coalesce_into_the_latest(imported: Engine) -> None:
    plan(imported, CHECKIN, datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    keys = {m.occurrence_key for m in senegal_checkins(imported)}
    assert keys == {f"sustainability_checkin:plan{checkin_plan(imported).id}:2026-06-30"}
    assert checkin_plan(imported).next_due_at == datetime(2026, 12, 30, 10, 0, tzinfo=DAKAR)


def test_each_occurrence_is_sent_once_over_successive_runs(imported: Engine) -> None:
    for moment in ["2025-06-30T12:00", "2025-07-15T12:00", "2025-12-30T12:00", "2026-01-02T12:00"]:
        plan(imported, CHECKIN, datetime.fromisoformat(moment).replace(tzinfo=UTC))
    dates = sorted({m.occurrence_key.rsplit(":", 1)[1] for m in senegal_checkins(imported)})
    assert dates == ["2025-06-30", "2025-12-30"]
    assert len(senegal_checkins(imported)) == 6


def test_a_plan_past_its_window_ends(imported: Engine) -> None:
    plan(imported, CHECKIN, datetime(2028, 1, 1, tzinfo=UTC))
    finished = checkin_plan(imported)
    assert finished.active is False
    assert finished.next_due_at is None
    assert {m.occurrence_key.rsplit(":", 1)[1] for m in senegal_checkins(imported)} == {
        "2027-12-30"
    }
