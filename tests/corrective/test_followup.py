"""The corrective-action follow-up end to end: reminders and escalations rendered and
delivered to a real Maildir, the owner's status taken through the real portal app."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from continuity.portal.app import create_app
from db.corrective import trail
from db.engine import transaction
from db.models import CorrectiveMeasure, MessageStatus, TouchpointKind
from tasks.clock import Clock
from tasks.corrective.changes import CorrectiveChange, apply_change
from tasks.settings import get_settings
from tasks.staff.focal_points import add_focal_point
from tests.pipeline import deliver_all, links_by_recipient, messages, plan

SUSPENDED = "CMR/PCA2019012/PD2023003"
OWNER = "jp.mbarga@enfance-avenir.example.cm"
FOCAL = "s.atangana@unicef.example.org"
KINDS = [TouchpointKind.CORRECTIVE_ACTION, TouchpointKind.CORRECTIVE_ESCALATION]
REMINDED = datetime(2026, 12, 13, 10, tzinfo=UTC)


def change(engine: Engine, **fields) -> dict:
    with transaction(engine) as session:
        made = CorrectiveChange(recorded_by="Hélène Fouda", **fields)
        return apply_change(session, made, datetime(2026, 12, 1, 9, tzinfo=UTC))


@pytest.fixture
def measure(imported: Engine, app_env) -> int:
    with transaction(imported) as session:
        add_focal_point(session, "Serge Atangana", FOCAL, "fr")
    change(imported, action="open", partnership=SUSPENDED, reason="Aucun progrès depuis juin")
    return change(
        imported,
        action="add-measure",
        partnership=SUSPENDED,
        description="Recruter un coordinateur de terrain",
        owner=OWNER,
        due_on=date(2026, 12, 20),
        budget_change="-12000.50",
        currency="XAF",
    )["measure_id"]


def send(engine: Engine, moment: datetime) -> None:
    plan(engine, KINDS[0], moment)
    deliver_all(engine, KINDS, moment)


def mail_to(outbox, address: str):
    return [mail for mail in outbox() if address in mail["To"]]


def test_the_owner_gets_the_reminder_in_their_language_with_a_link(
    imported: Engine, measure: int, outbox
) -> None:
    send(imported, REMINDED)
    (mail,) = mail_to(outbox, OWNER)
    assert mail["Subject"].startswith("Échéance le 20 décembre 2026 : une mesure corrective")
    text = mail.get_body(("plain",)).get_content()
    assert "Recruter un coordinateur de terrain" in text
    assert "Modification budgétaire : -12\u202f000\xa0FCFA" in text
    assert "https://portal.example.org/r/" in text
    assert "a été partenaire de l'UNICEF" in text


def test_the_escalation_carries_the_history_to_the_focal_point(
    imported: Engine, measure: int, outbox
) -> None:
    send(imported, REMINDED)
    send(imported, datetime(2026, 12, 19, 10, tzinfo=UTC))
    send(imported, datetime(2026, 12, 22, 10, tzinfo=UTC))
    (mail,) = mail_to(outbox, FOCAL)
    assert mail["Subject"].startswith("Mesure corrective en retard : « ")
    assert mail["Subject"].endswith(" » (CMR/PCA2019012/PD2023003)")
    text = mail.get_body(("plain",)).get_content()
    assert "Responsable : Jean-Pierre Mbarga" in text
    assert "rappel envoyé (7 jours avant l'échéance)" in text
    assert "rappel envoyé (1 jour avant l'échéance)" in text
    assert "signalé (à Serge Atangana ; pas d'adresse pour Hélène Fouda)" in text
    assert "point focal de l'UNICEF" in text
    assert [m.status for m in messages(imported, kind=KINDS[1])] == [MessageStatus.SENT]


def test_the_escalation_words_the_trail_in_its_language_and_keeps_its_words_data(
    imported: Engine, measure: int, outbox
) -> None:
    hostile = '<a href="https://evil.example">%(name)s</a> & {{ 7*7 }}'
    change(imported, action="update", measure_id=measure, status="late", comment=hostile)
    send(imported, datetime(2026, 12, 22, 10, tzinfo=UTC))
    (mail,) = mail_to(outbox, FOCAL)
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    trail_line = (
        "Hélène Fouda (personnel de l'UNICEF) : point d'avancement"
        f" (état : pas commencée → en retard ; commentaire : - → {hostile})"
    )
    assert trail_line in text
    assert "Hélène Fouda (personnel de l'UNICEF) : mesure ajoutée" in text
    escaped = '&lt;a href="https://evil.example"&gt;%(name)s&lt;/a&gt; &amp; {{ 7*7 }}'
    assert hostile not in html
    assert f"commentaire : - → {escaped})</li>" in html


def test_the_owner_reports_the_status_through_the_portal(
    imported: Engine, measure: int, outbox
) -> None:
    send(imported, REMINDED)
    link = links_by_recipient(mail_to(outbox, OWNER))[OWNER]["respond"]
    app = create_app(get_settings(), imported)
    app.state.portal.clock = Clock.at(REMINDED + timedelta(days=1))
    client = TestClient(app, base_url="https://portal.example.org")
    route = link.removeprefix("https://portal.example.org")
    page = client.get(route)
    assert page.status_code == 200 and "Recruter un coordinateur de terrain" in page.text
    assert "Où en est-elle ?" in page.text
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    refused = client.post(route, data={"csrf": csrf, "status": "finished"})
    assert refused.status_code == 400
    done = client.post(route, data={"csrf": csrf, "status": "late", "comment": "fonds en retard"})
    assert done.status_code == 200 and "En retard" in done.text
    with transaction(imported) as session:
        found = session.get_one(CorrectiveMeasure, measure)
        assert (found.status, found.status_comment) == ("late", "fonds en retard")
        last = trail(session, found.plan_id, measure)[-1]
        assert (last.action, last.actor) == ("status update", "partner: Jean-Pierre Mbarga")


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "late", "comment": "x" * 4001},
        {"status": "late", "comment": "bad\x00byte"},
        {"status": "done; DROP TABLE corrective_measures"},
        {"comment": "no status"},
    ],
)
def test_hostile_status_posts_are_refused_and_change_nothing(
    imported: Engine, measure: int, outbox, fields: dict
) -> None:
    send(imported, REMINDED)
    link = links_by_recipient(mail_to(outbox, OWNER))[OWNER]["respond"]
    client = TestClient(create_app(get_settings(), imported), base_url="https://portal.example.org")
    client.app.state.portal.clock = Clock.at(REMINDED + timedelta(days=1))
    route = link.removeprefix("https://portal.example.org")
    csrf = client.get(route).text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert client.post(route, data={"csrf": csrf, **fields}).status_code == 400
    with transaction(imported) as session:
        found = session.get_one(CorrectiveMeasure, measure)
        assert (found.status, found.status_comment) == ("planned", "")
        assert [e.action for e in trail(session, found.plan_id, measure)] == [
            "measure added",
            "reminder",
        ]
