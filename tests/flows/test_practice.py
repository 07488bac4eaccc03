"""The corrective-actions, capacity-alerts and public-acknowledgements flows and their
staff forms, run on a real Prefect API (the test harness)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from db.models import MessageStatus, TouchpointKind
from flows.registry import FLOWS, FORMS
from tasks.settings import get_settings
from tests.artifacts import latest_artifact
from tests.etools.test_importer import snapshot
from tests.pipeline import messages

pytestmark = pytest.mark.usefixtures("prefect_api")
SUSPENDED = "CMR/PCA2019012/PD2023003"
ASEF = "SEN/PCA2021001/PD2021004"
OWNER = "jp.mbarga@enfance-avenir.example.cm"


@pytest.fixture
def corrective_plan(imported: Engine, app_env) -> None:
    FORMS["record-focal-point"](
        focal_point={
            "name": "Serge Atangana",
            "address": "s.a@unicef.example.org",
            "language": "fr",
        }
    )
    opened = datetime(2026, 12, 1, 9, tzinfo=UTC)
    FORMS["record-corrective-action"](
        change={
            "action": "open",
            "partnership": SUSPENDED,
            "reason": "Aucun progrès",
            "recorded_by": "H. Fouda",
        },
        as_of=opened,
    )
    FORMS["record-corrective-action"](
        change={
            "action": "add-measure",
            "partnership": SUSPENDED,
            "description": "Recruter un coordinateur",
            "owner": OWNER,
            "due_on": "2026-12-20",
            "recorded_by": "H. Fouda",
        },
        as_of=opened,
    )


@pytest.mark.usefixtures("future_runs_allowed")
def test_the_corrective_actions_flow_reminds_escalates_and_reports(
    imported: Engine, corrective_plan, outbox
) -> None:
    reminded = FLOWS["corrective-actions"](as_of=datetime(2026, 12, 13, 10, tzinfo=UTC))
    assert reminded["delivery"]["sent"] == 1 and reminded["open_measures"] == 1
    escalated = FLOWS["corrective-actions"](as_of=datetime(2026, 12, 21, 10, tzinfo=UTC))
    assert escalated["delivery"]["sent"] == 1
    assert [m.kind for m in messages(imported, status=MessageStatus.SENT)] == [
        TouchpointKind.CORRECTIVE_ACTION,
        TouchpointKind.CORRECTIVE_ESCALATION,
    ]
    table = latest_artifact("corrective-measures")
    assert "Recruter un coordinateur" in table and '"overdue": "yes"' in table
    unreachable = json.loads(latest_artifact("escalations-without-address"))
    assert unreachable == [
        {"partnership": SUSPENDED, "measure": 1, "no address for": "Hélène Fouda"}
    ]
    assert "@" not in table
    trail = json.loads(latest_artifact("corrective-plan-1-trail"))
    assert [row["what"] for row in trail] == [
        "plan opened",
        "measure added",
        "reminder",
        "escalated",
    ]
    assert trail[0]["who"] == "staff: H. Fouda"


def test_a_corrective_dry_run_sends_and_closes_nothing(
    imported: Engine, corrective_plan, outbox
) -> None:
    before = snapshot(imported)
    FLOWS["corrective-actions"](as_of=datetime(2026, 12, 13, 10, tzinfo=UTC), dry_run=True)
    assert snapshot(imported) == before and outbox() == []


def test_the_acknowledgements_flow_drafts_asks_and_publishes(
    imported: Engine, app_env, outbox, tmp_path
) -> None:
    app_env.setenv("CONTINUITY_PUBLIC_DIR", str(tmp_path / "public"))
    get_settings.cache_clear()
    first = FLOWS["public-acknowledgements"](as_of=datetime(2026, 12, 1, 10, tzinfo=UTC))
    assert first["drafted"] >= 10 and first["delivery"] == {}
    FORMS["record-acknowledgement"](
        change={"action": "approve", "partnership": ASEF, "recorded_by": "A. Sow"}
    )
    asked = FLOWS["public-acknowledgements"](as_of=datetime(2026, 12, 2, 10, tzinfo=UTC))
    assert asked["drafted"] == 0 and asked["delivery"]["sent"] == 3
    assert asked["published"]["pages"] == {}
    assert "Votre accord" in outbox()[0]["Subject"]


def test_the_capacity_flow_notifies_the_focal_point_of_a_low_answer(
    imported: Engine, app_env, outbox
) -> None:
    FORMS["record-focal-point"](
        focal_point={"name": "Aïssatou Sow", "address": "a.sow@unicef.example.org"}
    )
    FORMS["record-response"](
        response={
            "partnership": ASEF,
            "kind": "sustainability_checkin",
            "sustained": "partly",
            "capacity": 1,
            "received_at": "2026-11-30T10:00:00Z",
        }
    )
    result = FLOWS["capacity-alerts"](as_of=datetime(2026, 12, 1, 10, tzinfo=UTC))
    assert result["at_risk"] == 1 and result["delivery"]["sent"] == 1
    assert outbox()[0]["Subject"].startswith("Local capacity at risk")
    again = FLOWS["capacity-alerts"](as_of=datetime(2026, 12, 2, 10, tzinfo=UTC))
    assert again["delivery"] == {} and len(outbox()) == 1
    rows = json.loads(latest_artifact("capacity-at-risk"))
    assert [(row["partnership"], row["no address for"]) for row in rows] == [
        (ASEF, "Pierre Lemaire")
    ]


def test_bad_form_input_fails_the_run_with_the_reason(imported: Engine, app_env) -> None:
    with pytest.raises(Exception, match="open needs reason"):
        FORMS["record-corrective-action"](
            change={"action": "open", "partnership": SUSPENDED, "recorded_by": "X"}
        )
    with pytest.raises(Exception, match="address"):
        FORMS["record-focal-point"](focal_point={"name": "A B", "address": "nope"})
