from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from db.engine import transaction
from db.models import TouchpointKind
from tasks.staff_data import EvaluationInput, read_input, record_evaluation
from tests.pipeline import messages, plan

FOLLOWUP = TouchpointKind.EVALUATION_FOLLOWUP


def add_evaluation(engine: Engine, completed_on: str = "2025-05-20") -> int:
    data = read_input(
        EvaluationInput,
        None,
        {
            "partnership": "SEN/PCA2021001/PD2021004",
            "completed_on": completed_on,
            "conclusions": {"fr": "Des résultats solides."},
            "lessons": {"fr": "Associer les familles."},
            "recommendations": {"fr": "Étendre."},
            "contributors": [
                "a.ndiaye@asef-senegal.example.org",
                "ml.diallo@asef-senegal.example.org",
            ],
        },
    )
    with transaction(engine) as session:
        return record_evaluation(session, data).id


def test_contributors_hear_the_findings_once(imported: Engine) -> None:
    evaluation = add_evaluation(imported)
    plan(imported, FOLLOWUP, datetime(2025, 5, 21, tzinfo=UTC))
    plan(imported, FOLLOWUP, datetime(2025, 6, 21, tzinfo=UTC))
    sent = messages(imported, kind=FOLLOWUP)
    assert sorted(m.contact.email for m in sent) == [
        "a.ndiaye@asef-senegal.example.org",
        "ml.diallo@asef-senegal.example.org",
    ]
    assert {m.occurrence_key for m in sent} == {f"evaluation_followup:evaluation{evaluation}"}


def test_nothing_goes_out_before_the_evaluation_is_complete(imported: Engine) -> None:
    add_evaluation(imported, completed_on="2027-01-01")
    plan(imported, FOLLOWUP, datetime(2026, 12, 1, tzinfo=UTC))
    assert messages(imported, kind=FOLLOWUP) == []
