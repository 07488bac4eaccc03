from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from db.engine import transaction
from db.plans import DueCursor, due_plans_of_kind, due_plans_query
from tests.db.follow_up import CHECKIN, DIGEST, NOW, add_plans, add_population, indexes_read

LATER = NOW + timedelta(days=1)


def test_due_plans_are_the_active_ones_of_the_kind_whose_time_has_come_soonest_first(
    engine: Engine,
) -> None:
    add_plans(engine, [NOW, NOW - timedelta(days=2), NOW + timedelta(minutes=1), None])
    add_plans(engine, [NOW - timedelta(days=5)], active=False)
    add_plans(engine, [NOW - timedelta(days=3)], kind=DIGEST)
    with transaction(engine) as session:
        due = [plan for plans in due_plans_of_kind(session, CHECKIN, NOW) for plan in plans]
        assert [plan.next_due_at for plan in due] == [NOW - timedelta(days=2), NOW]
        assert len(next(due_plans_of_kind(session, CHECKIN, NOW, chunk=1))) == 1


def test_it_reads_each_due_plan_once_while_the_caller_moves_them_on(engine: Engine) -> None:
    # Ties on the due time straddle the batches of three: the id breaks them.
    times = [NOW, NOW - timedelta(hours=1), NOW, NOW, NOW - timedelta(hours=1), NOW, NOW]
    ids = add_plans(engine, times)
    expected = [ids[1], ids[4], ids[0], ids[2], ids[3], ids[5], ids[6]]
    read, batches = [], 0
    with transaction(engine) as session:
        for plans in due_plans_of_kind(session, CHECKIN, NOW, chunk=3):
            batches += 1
            for plan in plans:
                read.append(plan.id)
                plan.next_due_at = LATER if plan.id % 2 else None
                plan.active = bool(plan.id % 2)
    assert read == expected
    assert batches == 3


@pytest.mark.parametrize("after", [None, (NOW - timedelta(hours=12), 1500)], ids=["first", "next"])
def test_each_batch_of_due_plans_is_read_from_the_due_index(
    engine: Engine, after: DueCursor | None
) -> None:
    add_population(engine, partnerships=3000, due=30)
    statement = due_plans_query(CHECKIN, NOW, after)
    reads = indexes_read(engine, lambda session: session.scalars(statement).unique().all())
    assert reads["follow_up_plans"] == "ix_follow_up_plans_due"
