from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from db.engine import transaction
from db.models import FollowUpPlan, Partner, Partnership, TouchpointKind
from db.partnerships import count_due_plans, due_plans

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def add_plans(engine: Engine, due: list[datetime | None], active: bool = True) -> None:
    with transaction(engine) as session:
        partner = Partner(
            vendor_number=f"v{len(due)}{active}", name="P", language="fr", time_zone="UTC"
        )
        for index, next_due_at in enumerate(due):
            partnership = Partnership(
                reference_number=f"SEN/{active}/{index}",
                partner=partner,
                document_type="PD",
                status="ended",
            )
            session.add(
                FollowUpPlan(
                    partnership=partnership,
                    kind=TouchpointKind.SUSTAINABILITY_CHECKIN,
                    cadence="every 6 months at 10:00",
                    starts_at=NOW - timedelta(days=400),
                    next_due_at=next_due_at,
                    active=active,
                )
            )


def test_due_plans_are_the_active_ones_whose_time_has_come(engine: Engine) -> None:
    add_plans(engine, [NOW - timedelta(days=2), NOW, NOW + timedelta(minutes=1), None])
    add_plans(engine, [NOW - timedelta(days=5)], active=False)
    with transaction(engine) as session:
        due = due_plans(session, NOW)
        assert [plan.next_due_at for plan in due] == [NOW - timedelta(days=2), NOW]
        assert count_due_plans(session, NOW) == 2
        assert len(due_plans(session, NOW, limit=1)) == 1


def test_the_due_query_reads_the_partial_index(engine: Engine, query_plan) -> None:
    add_plans(engine, [NOW])
    plan = query_plan(lambda session: due_plans(session, NOW))
    assert "ix_follow_up_plans_due" in plan
