"""The partnerships whose partner messages no focal point can be told of: listed, with
why, never dropped silently; they name no partner's person and none of their words."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, update

from db.engine import transaction
from db.models import Partner
from db.models import TouchpointKind as K
from tasks.reports.partner_messages import unreached, waiting_too_long
from tasks.staff.focal_points import add_focal_point
from tests.focal_points import (
    ASEF,
    DIGEST,
    FIRST_WORDS,
    SECOND_WORDS,
    SOW,
    TUESDAY,
    replied,
)
from tests.pipeline import plan


def test_no_reachable_focal_point_plans_nothing_and_is_reported(imported: Engine, app_env) -> None:
    plan(imported, K.SUSTAINABILITY_CHECKIN, TUESDAY)
    with transaction(imported) as session:
        add_focal_point(session, "Aïssatou Sow", SOW, "fr").opt_out(TUESDAY)
    replied(imported, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    replied(imported, SECOND_WORDS, TUESDAY + timedelta(hours=2))
    assert plan(imported, DIGEST, TUESDAY + timedelta(days=1)).inserted == 0
    with transaction(imported) as session:
        rows = unreached(session, TUESDAY + timedelta(days=1))
    assert rows == [
        {
            "partnership": ASEF,
            "partner": "Association Sénégalaise pour l'Éducation des Filles",
            "waiting": 2,
            "since": "2026-12-01",
            "why": "Pierre Lemaire: no address in the staff directory; Aïssatou Sow: opted out",
        }
    ]
    assert "Awa" not in str(rows) and "cantines" not in str(rows)


def test_a_partnership_one_focal_point_can_be_told_of_is_not_reported(
    imported: Engine, app_env
) -> None:
    plan(imported, K.SUSTAINABILITY_CHECKIN, TUESDAY)
    with transaction(imported) as session:
        add_focal_point(session, "Aïssatou Sow", SOW, "fr")
    replied(imported, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    with transaction(imported) as session:
        assert unreached(session, TUESDAY + timedelta(days=1)) == []


def test_a_message_received_after_the_moment_is_not_counted(imported: Engine, app_env) -> None:
    plan(imported, K.SUSTAINABILITY_CHECKIN, TUESDAY)
    replied(imported, FIRST_WORDS, TUESDAY + timedelta(hours=1))
    replied(imported, SECOND_WORDS, TUESDAY + timedelta(days=2))
    with transaction(imported) as session:
        (row,) = unreached(session, TUESDAY + timedelta(days=1))
    assert row["waiting"] == 1 and row["why"] == (
        "Aïssatou Sow: no address in the staff directory;"
        " Pierre Lemaire: no address in the staff directory"
    )


def test_a_message_waits_too_long_by_the_working_days_of_the_partner_country(
    imported: Engine, app_env
) -> None:
    plan(imported, K.SUSTAINABILITY_CHECKIN, TUESDAY)
    thursday = TUESDAY + timedelta(days=2)
    replied(imported, FIRST_WORDS, thursday)
    saturday, sunday = thursday + timedelta(days=2), thursday + timedelta(days=3)
    with transaction(imported) as session:
        assert [row["waiting"] for row in waiting_too_long(session, saturday, 0)] == [1]
        session.execute(update(Partner).values(country="YEM"))
    with transaction(imported) as session:
        assert waiting_too_long(session, saturday, 0) == []  # Friday and Saturday off
        assert [row["waiting"] for row in waiting_too_long(session, sunday, 0)] == [1]
