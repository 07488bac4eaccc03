from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from db.engine import transaction
from db.partnerships import count_due_plans
from tests.db.follow_up import NOW, add_plans, add_population, indexes_read


def test_it_counts_the_active_plans_whose_time_has_come(engine: Engine) -> None:
    add_plans(engine, [NOW - timedelta(days=2), NOW, NOW + timedelta(minutes=1), None])
    add_plans(engine, [NOW - timedelta(days=5)], active=False)
    with transaction(engine) as session:
        assert count_due_plans(session, NOW) == 2


def test_counting_due_plans_reads_the_partial_index(engine: Engine) -> None:
    add_population(engine, partnerships=3000, due=30)
    reads = indexes_read(engine, lambda session: count_due_plans(session, NOW))
    assert reads["follow_up_plans"] == "ix_follow_up_plans_due"
