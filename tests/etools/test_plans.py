"""Follow-up plans across imports: a moved end date moves the plans not yet sent; a plan
already sent goes on from where it was, never back to an occurrence it passed; a plan
that ran its course stays finished; one paused while its partnership was reopened
resumes where it stopped."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import FollowUpPlan, TouchpointKind
from tasks.cadence import due_from, trigger_for
from tests.etools.test_importer import POLICY, run_import
from tests.exports import INTERVENTION_HEADER, PARTNER_HEADER, intervention, partner, write_export

DAKAR = ZoneInfo("Africa/Dakar")
CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN


def import_ending(engine: Engine, tmp_path: Path, end: str, status: str = "ended") -> dict:
    partners = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner()])
    row = intervention(Status=status, **{"End Date": end})
    return run_import(
        engine,
        partners,
        write_export(tmp_path / f"i-{end}-{status}.csv", INTERVENTION_HEADER, [row]),
    )


def checkin(engine: Engine) -> FollowUpPlan:
    with transaction(engine) as session:
        return session.scalars(select(FollowUpPlan).where(FollowUpPlan.kind == CHECKIN)).one()


def set_plan(engine: Engine, **values) -> None:
    with transaction(engine) as session:
        plan = session.scalars(select(FollowUpPlan).where(FollowUpPlan.kind == CHECKIN)).one()
        for name, value in values.items():
            setattr(plan, name, value)


def test_a_moved_end_date_moves_a_plan_not_yet_sent(engine: Engine, tmp_path: Path) -> None:
    import_ending(engine, tmp_path, "2024-12-31")
    assert checkin(engine).next_due_at == datetime(2025, 6, 30, 10, tzinfo=DAKAR)
    import_ending(engine, tmp_path, "2025-03-31")
    assert checkin(engine).next_due_at == datetime(2025, 9, 30, 10, tzinfo=DAKAR)


def test_a_plan_already_sent_goes_on_and_never_goes_back(engine: Engine, tmp_path: Path) -> None:
    import_ending(engine, tmp_path, "2024-12-31")
    # The first check-in went out on 30 June 2025; the next is due on 30 December.
    set_plan(engine, next_due_at=datetime(2025, 12, 30, 10, tzinfo=DAKAR))
    counts = import_ending(engine, tmp_path, "2024-10-31")
    assert counts["plans"] == {"updated": len(POLICY.touchpoints)}
    plan = checkin(engine)
    trigger = trigger_for(plan.cadence, "Africa/Dakar", plan.starts_at, plan.ends_at)
    assert plan.next_due_at == due_from(trigger, datetime(2025, 12, 30, 10, tzinfo=DAKAR))
    assert plan.next_due_at == datetime(2026, 4, 30, 10, tzinfo=DAKAR)
    assert plan.active


def test_a_plan_that_ran_its_course_stays_finished(engine: Engine, tmp_path: Path) -> None:
    import_ending(engine, tmp_path, "2024-12-31")
    set_plan(engine, next_due_at=None, active=False)
    counts = import_ending(engine, tmp_path, "2024-12-31")
    assert counts["plans"] == {"unchanged": len(POLICY.touchpoints)}
    plan = checkin(engine)
    assert plan.active is False and plan.next_due_at is None


def test_a_finished_plan_goes_on_when_the_end_date_moves_later(
    engine: Engine, tmp_path: Path
) -> None:
    import_ending(engine, tmp_path, "2024-12-31")
    set_plan(engine, next_due_at=None, active=False)
    import_ending(engine, tmp_path, "2025-12-31")
    plan = checkin(engine)
    # The old window ended on 31 December 2027; the new one runs a year longer.
    assert plan.active and plan.next_due_at == datetime(2028, 6, 30, 10, tzinfo=DAKAR)


def test_a_plan_paused_by_a_reopened_partnership_resumes_where_it_stopped(
    engine: Engine, tmp_path: Path
) -> None:
    import_ending(engine, tmp_path, "2024-12-31")
    set_plan(engine, next_due_at=datetime(2025, 12, 30, 10, tzinfo=DAKAR))
    import_ending(engine, tmp_path, "2024-12-31", status="active")
    assert checkin(engine).active is False
    counts = import_ending(engine, tmp_path, "2024-12-31")
    assert counts["plans"] == {"updated": len(POLICY.touchpoints)}
    plan = checkin(engine)
    assert plan.active and plan.next_due_at == datetime(2025, 12, 30, 10, tzinfo=DAKAR)
