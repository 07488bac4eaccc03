"""Migration 0014 makes an event's place and an evaluation's discussion place texts per
language, on SQLite and PostgreSQL, with rows referring to the evaluations: going down
keeps one text per row (the English one, else the first), coming up again keeps it for
every language."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select, text

from db.engine import transaction
from db.migrate import MIGRATIONS, alembic_config, upgrade
from db.models import ConsultationEvent, Evaluation
from tasks.outbox.render import localized
from tasks.staff.records import (
    EvaluationInput,
    EventInput,
    read_input,
    record_evaluation,
    record_event,
)

BEFORE = ScriptDirectory(str(MIGRATIONS)).get_revision("0014").down_revision
EVENTS = [
    {"fr": "Dakar et en ligne", "en": "Dakar and online"},
    "Thiès",
    {"es": "Bogotá y en línea", "pt": "Bogotá e online"},
    "",
]


def record(engine: Engine) -> None:
    with transaction(engine) as session:
        for place in EVENTS:
            fields = {"title": {"fr": "Forum"}, "starts_at": "2027-01-01T10:00:00Z"}
            event = {**fields, "place": place, "link": "https://meet.example.org/forum"}
            record_event(session, read_input(EventInput, None, event))
        evaluation = {
            "partnership": "KEN/PCA2020015/PD2021019",
            "completed_on": "2025-04-30",
            "conclusions": {"en": "Committees kept working."},
            "lessons": {"en": "Budget lines."},
            "recommendations": {"en": "Negotiate."},
            "discussion_place": {"en": "Kisumu and online", "fr": "Kisumu et en ligne"},
            "contributors": ["p.kamau@kccpn.example.or.ke"],
        }
        record_evaluation(session, read_input(EvaluationInput, None, evaluation))


def test_places_go_down_to_one_text_and_come_back_for_every_language(imported: Engine) -> None:
    record(imported)
    url = imported.url.render_as_string(hide_password=False)
    command.downgrade(alembic_config(url), BEFORE)
    with imported.connect() as connection:
        places = connection.execute(text("SELECT place FROM consultation_events ORDER BY id"))
        discussed = connection.execute(text("SELECT discussion_place FROM evaluations"))
        assert [row[0] for row in places] == ["Dakar and online", "Thiès", "Bogotá y en línea", ""]
        assert [row[0] for row in discussed] == ["Kisumu and online"]
        contributors = connection.execute(text("SELECT count(*) FROM evaluation_contributors"))
        assert contributors.scalar() == 1
    upgrade(url)
    with transaction(imported) as session:
        events = session.scalars(select(ConsultationEvent).order_by(ConsultationEvent.id))
        assert [event.place for event in events] == [
            {"und": "Dakar and online"},
            {"und": "Thiès"},
            {"und": "Bogotá y en línea"},
            {},
        ]
        (evaluation,) = session.scalars(select(Evaluation))
        assert evaluation.discussion_place == {"und": "Kisumu and online"}
        assert localized(evaluation.discussion_place, "ar") == "Kisumu and online"
        assert len(evaluation.contributors) == 1
