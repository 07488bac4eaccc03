"""The touchpoint registry: every kind registered once with its templates, planned only
when it has a schedule of its own, reminded only when it says so; an answer does what its
touchpoint says (through `record_answer`, as the portal and staff entries record one); the
portal serves and takes every kind's form through the registry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from continuity.portal.app import create_app
from db.engine import transaction
from db.models import (
    Acknowledgement,
    CorrectiveMeasure,
    InfluenceEntry,
    Message,
    Response,
    ResponseChannel,
    TouchpointKind,
)
from tasks.acknowledgements.changes import AcknowledgementChange, apply_change
from tasks.acknowledgements.register import draft_missing
from tasks.campaigns.runs import campaign_of, plan_campaign
from tasks.clock import Clock
from tasks.corrective.changes import CorrectiveChange
from tasks.corrective.changes import apply_change as apply_corrective
from tasks.outbox.render import TEMPLATES
from tasks.responses.answers import Answering, record_answer
from tasks.responses.forms import FormError
from tasks.responses.links import new_token, token_hash
from tasks.settings import get_settings
from tasks.staff.records import (
    EvaluationInput,
    EventInput,
    UpdateInput,
    read_input,
    record_evaluation,
    record_event,
    record_update,
)
from tasks.touchpoints.acknowledgement import AcknowledgementAnswers
from tasks.touchpoints.adhoc import AdhocCampaign
from tasks.touchpoints.capacity_alert import CapacityAlert, concerns
from tasks.touchpoints.corrective_action import MeasureAnswers
from tasks.touchpoints.registry import (
    REGISTERED,
    by_kind,
    due_messages,
    forms,
    parse_answers,
    scheduled_kinds,
    sent_kinds,
    touchpoint,
)
from tasks.touchpoints.sustainability_checkin import CheckinAnswers
from tests.pipeline import deliver_all, messages, plan

K = TouchpointKind
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
ASEF = "SEN/PCA2021001/PD2021004"
AWA = "a.ndiaye@asef-senegal.example.org"
SUSPENDED = "CMR/PCA2019012/PD2023003"
OWNER = "jp.mbarga@enfance-avenir.example.cm"


def test_every_kind_is_registered_exactly_once() -> None:
    assert sorted(found.kind for found in REGISTERED) == sorted(TouchpointKind)
    assert all(touchpoint(kind).kind == kind for kind in TouchpointKind)
    with pytest.raises(ValueError, match="capacity_alert is registered twice"):
        by_kind((*REGISTERED, CapacityAlert()))


@pytest.mark.parametrize("kind", list(TouchpointKind))
def test_every_kind_has_one_email_template_per_part_for_every_language(
    kind: TouchpointKind,
) -> None:
    # One template per part, its words in every language from the catalogs.
    folder = TEMPLATES / "email" / kind
    assert {"subject.txt", "body.txt", "body.html"} <= {p.name for p in folder.iterdir()}


@pytest.mark.parametrize("kind", list(TouchpointKind))
def test_a_kind_has_a_portal_page_exactly_when_it_asks_for_answers(kind: TouchpointKind) -> None:
    found = touchpoint(kind)
    if found.form is None:
        assert found.page == ""
        with pytest.raises(FormError, match="asks for no answer"):
            parse_answers(kind, {"comment": "merci"})
    else:
        assert (TEMPLATES / "portal" / f"{found.page}.html").is_file()


def test_only_kinds_with_a_schedule_of_their_own_are_planned(engine: Engine) -> None:
    assert scheduled_kinds() == [
        K.SUSTAINABILITY_CHECKIN,
        K.CONSULTATION_INVITATION,
        K.POLICY_DIGEST,
        K.EVALUATION_FOLLOWUP,
        K.REMINDER,
        K.CORRECTIVE_ACTION,
        K.CAPACITY_ALERT,
        K.ACKNOWLEDGEMENT,
        K.FOCAL_POINT_DIGEST,
    ]
    with transaction(engine) as session:
        for kind in scheduled_kinds():
            assert list(due_messages(session, kind, NOW, (7, 14))) == []
        for kind in set(TouchpointKind) - set(scheduled_kinds()):
            with pytest.raises(ValueError, match=f"{kind} has no schedule of its own"):
                due_messages(session, kind, NOW, (7, 14))


def test_a_corrective_action_run_sends_the_escalations_too() -> None:
    assert sent_kinds(K.CORRECTIVE_ACTION) == [K.CORRECTIVE_ACTION, K.CORRECTIVE_ESCALATION]
    assert sent_kinds(K.SUSTAINABILITY_CHECKIN) == [K.SUSTAINABILITY_CHECKIN]


def test_only_the_kinds_that_say_so_are_reminded(imported: Engine, app_env) -> None:
    with_evaluation(imported)
    kinds = [K.SUSTAINABILITY_CHECKIN, K.EVALUATION_FOLLOWUP]
    for kind in kinds:
        plan(imported, kind, NOW)
    deliver_all(imported, kinds, NOW)
    assert messages(imported, kind=K.EVALUATION_FOLLOWUP, status="sent")
    plan(imported, K.REMINDER, NOW + timedelta(days=8))
    kind_of = {m.id: m.kind for m in messages(imported)}
    reminded = {kind_of[m.reminder_of_id] for m in messages(imported, kind=K.REMINDER)}
    assert reminded == {K.SUSTAINABILITY_CHECKIN}


def answer(engine: Engine, message_id: int, answers) -> None:
    """Record `answers` to the message as the portal does."""
    with transaction(engine) as session:
        message = session.get_one(Message, message_id)
        who = Answering(message.contact, message.partnership, message.kind, message)
        record_answer(session, who, answers, ResponseChannel.PORTAL, NOW + timedelta(days=1))


def test_a_check_in_answer_feeds_the_influence_register_and_the_at_risk_list(
    imported: Engine,
) -> None:
    plan(imported, K.SUSTAINABILITY_CHECKIN, NOW)
    (first, *_) = messages(imported, kind=K.SUSTAINABILITY_CHECKIN)
    supporters = [{"name": "Mairie de Kolda", "kind": "body"}]
    answer(imported, first.id, CheckinAnswers(sustained="no", capacity=2, supporters=supporters))
    with transaction(imported) as session:
        entries = session.scalars(select(InfluenceEntry)).all()
        assert [(e.name, e.partnership_id) for e in entries] == [
            ("Mairie de Kolda", first.partnership_id)
        ]
        at_risk = concerns(session, NOW + timedelta(days=2))
        assert [found.partnership.id for found in at_risk] == [first.partnership_id]


def test_a_measure_status_answer_updates_the_plan(imported: Engine, app_env) -> None:
    measure_id = with_measure(imported)
    plan(imported, K.CORRECTIVE_ACTION, NOW)
    (reminder,) = messages(imported, kind=K.CORRECTIVE_ACTION)
    answer(imported, reminder.id, MeasureAnswers(status="done", comment="recruté"))
    with transaction(imported) as session:
        measure = session.get_one(CorrectiveMeasure, measure_id)
        assert (measure.status, measure.status_comment) == ("done", "recruté")


def test_an_acknowledgement_answer_decides_consent(imported: Engine) -> None:
    with_approved_acknowledgement(imported)
    plan(imported, K.ACKNOWLEDGEMENT, NOW)
    (request, *_) = messages(imported, kind=K.ACKNOWLEDGEMENT)
    answer(imported, request.id, AcknowledgementAnswers(decision="withdraw"))
    with transaction(imported) as session:
        asked = session.get_one(Acknowledgement, request.context["acknowledgement_id"])
        assert asked.withdrawn_at is not None


def with_evaluation(engine: Engine) -> None:
    fields = {
        "partnership": ASEF,
        "completed_on": "2025-05-20",
        "conclusions": {"fr": "Des résultats solides."},
        "lessons": {"fr": "Associer les familles."},
        "recommendations": {"fr": "Étendre."},
        "contributors": [AWA],
    }
    with transaction(engine) as session:
        record_evaluation(session, read_input(EvaluationInput, None, fields))


def with_event(engine: Engine) -> None:
    fields = {
        "title": {"fr": "Consultation"},
        "starts_at": "2027-02-10T09:30:00Z",
        "place": "Dakar",
    }
    with transaction(engine) as session:
        record_event(session, read_input(EventInput, None, fields | {"countries": ["SEN"]}))


def with_update(engine: Engine) -> None:
    fields = {"category": "policy_change", "title": {"fr": "Politique"}, "body": {"fr": "Texte"}}
    with transaction(engine) as session:
        data = read_input(UpdateInput, None, fields | {"countries": ["SEN"]})
        record_update(session, data, datetime(2026, 11, 15, 10, tzinfo=UTC))


def corrective(engine: Engine, **fields) -> dict:
    with transaction(engine) as session:
        made = CorrectiveChange(recorded_by="Hélène Fouda", partnership=SUSPENDED, **fields)
        return apply_corrective(session, made, NOW - timedelta(days=1))


def with_measure(engine: Engine) -> int:
    """Open a corrective plan whose measure is due in 7 days; return the measure's id."""
    corrective(engine, action="open", reason="Aucun progrès depuis juin")
    due_on = date(2026, 12, 8)
    added = corrective(
        engine, action="add-measure", description="Recruter", owner=OWNER, due_on=due_on
    )
    return added["measure_id"]


def with_approved_acknowledgement(engine: Engine) -> None:
    with transaction(engine) as session:
        draft_missing(session)
    with transaction(engine) as session:
        made = AcknowledgementChange(action="approve", partnership=ASEF, recorded_by="A. Sow")
        apply_change(session, made, NOW)


def with_campaign(engine: Engine) -> None:
    """Plan an update campaign to the Senegalese partners (not a preview)."""
    content = {"fr": {"subject": "Nouvelles", "body": "Bonjour {{ contact.name }}"}}
    params = AdhocCampaign.model_validate(
        {"name": "Stratégie", "content": content, "audience": {"countries": ["SEN"]}}
        | {"dry_run": False}
    )
    with transaction(engine) as session:
        campaign = campaign_of(session, params, NOW)
        plan_campaign(session, campaign, params, NOW, get_settings())


def planned(kind: TouchpointKind, before: Callable[[Engine], object] | None = None):
    """Return a setup making the facts `kind` is about, then planning it at NOW."""

    def setup(engine: Engine) -> None:
        if before is not None:
            before(engine)
        plan(engine, kind, NOW)

    return setup


# For every kind partners answer: how its messages come about, and answers its form takes.
SETUPS = {
    K.SUSTAINABILITY_CHECKIN: planned(K.SUSTAINABILITY_CHECKIN),
    K.CONSULTATION_INVITATION: planned(K.CONSULTATION_INVITATION, with_event),
    K.POLICY_DIGEST: planned(K.POLICY_DIGEST, with_update),
    K.EVALUATION_FOLLOWUP: planned(K.EVALUATION_FOLLOWUP, with_evaluation),
    K.CORRECTIVE_ACTION: planned(K.CORRECTIVE_ACTION, with_measure),
    K.ACKNOWLEDGEMENT: planned(K.ACKNOWLEDGEMENT, with_approved_acknowledgement),
    K.ADHOC: with_campaign,
}
FIELDS = {
    K.SUSTAINABILITY_CHECKIN: {"sustained": "yes", "capacity": "4"},
    K.CONSULTATION_INVITATION: {"attending": "maybe"},
    K.POLICY_DIGEST: {"news": "Une nouvelle école"},
    K.EVALUATION_FOLLOWUP: {"join_discussion": "yes"},
    K.CORRECTIVE_ACTION: {"status": "on_track"},
    K.ACKNOWLEDGEMENT: {"decision": "approve"},
    K.ADHOC: {"comment": "Merci pour ces nouvelles"},
}


def test_every_kind_partners_answer_has_a_portal_case() -> None:
    assert set(SETUPS) == set(FIELDS) == set(forms())


def route_to_one(engine: Engine, kind: TouchpointKind) -> str:
    """Give one sent message of `kind` a personal link the test knows (an update
    campaign's mail carries none: staff write all its text); return the link's route."""
    token = new_token()
    with transaction(engine) as session:
        sent = select(Message).where(Message.kind == kind, Message.status == "sent")
        message = session.scalars(sent.order_by(Message.id)).first()
        assert message is not None
        message.token_hash = token_hash(token)
    return f"/r/{token}"


@pytest.mark.parametrize("kind", list(SETUPS))
def test_the_portal_serves_and_takes_each_kinds_form(
    imported: Engine, app_env, kind: TouchpointKind
) -> None:
    SETUPS[kind](imported)
    deliver_all(imported, [kind], NOW)
    route = route_to_one(imported, kind)
    app = create_app(get_settings(), imported)
    app.state.portal.clock = Clock.at(NOW + timedelta(days=1))
    client = TestClient(app, base_url="https://portal.example.org")
    page = client.get(route)
    assert page.status_code == 200 and f'action="{route}"' in page.text
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    done = client.post(route, data={"csrf": csrf, **FIELDS[kind]})
    assert done.status_code == 200
    with transaction(imported) as session:
        recorded = session.scalars(select(Response).order_by(Response.id.desc())).first()
        assert recorded is not None and (recorded.kind, recorded.channel) == (kind, "portal")
        answered = {name: str(recorded.answers[name]) for name in FIELDS[kind]}
        assert answered == FIELDS[kind]
