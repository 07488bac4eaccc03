from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from db.contacts import contacts_with_address
from db.engine import transaction
from db.models import ConsultationEvent, Contact, Evaluation
from tasks.outbox.render import localized
from tasks.staff.records import (
    EvaluationInput,
    EventInput,
    StaffDataError,
    UpdateInput,
    read_input,
    record_evaluation,
    record_event,
)

EVENT = """
title = { fr = "Consultation régionale sur l'éducation", en = "Regional consultation on education" }
topic = { fr = "Bilan et perspectives." }
starts_at = 2027-02-10T09:30:00Z
place = "Dakar"
sections = ["Education"]
countries = ["SEN", "cmr"]
rsvp_deadline = 2027-02-01T00:00:00Z
"""


def test_an_event_file_is_read_and_validated(tmp_path: Path) -> None:
    path = tmp_path / "event.toml"
    path.write_text(EVENT, encoding="utf-8")
    event = read_input(EventInput, path, {})
    assert event.title["en"] == "Regional consultation on education"
    assert event.countries == ["SEN", "CMR"]


def test_options_override_the_file(tmp_path: Path) -> None:
    path = tmp_path / "event.toml"
    path.write_text(EVENT, encoding="utf-8")
    event = read_input(EventInput, path, {"place": "Thiès", "countries": None})
    assert event.place == "Thiès"
    assert event.countries == ["SEN", "CMR"]


def test_json_works_as_well_as_toml(tmp_path: Path) -> None:
    path = tmp_path / "update.json"
    path.write_text(
        json.dumps(
            {"category": "new_priority", "title": {"es": "Prioridad"}, "body": {"es": "Texto"}}
        )
    )
    assert read_input(UpdateInput, path, {}).title == {"es": "Prioridad"}


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"title": {}}, "title: Value error, give the text in at least one of fr, en, es"),
        ({"title": {"de": "Hallo"}}, "title.de"),
        ({"starts_at": "2027-02-10T09:30:00"}, "starts_at: Input should have timezone info"),
        ({"place": "", "link": None}, "give a place or a link"),
        ({"place": "Dakar\r\nBcc: x@example.org"}, "place.text: Value error, must be a single"),
        ({"place": {"fr": "Dakar\nBcc: x@example.org"}}, "place.languages.fr: Value error, must"),
        ({"place": {"de": "Berlin"}}, "place.languages.de.[key]: Input should be 'fr'"),
        ({"place": {"und": "Dakar"}}, "place.languages.und.[key]"),
        ({"place": {"fr": " ", "en": ""}, "link": None}, "give a place or a link"),
        ({"place": {"fr": "x" * 513}}, "place.languages.fr: String should have at most 512"),
        ({"place": ["Dakar"]}, "place.languages: Input should be a valid dictionary"),
        ({"countries": ["Atlantis"]}, "countries.0"),
        ({"rsvp_deadline": "2027-03-01T00:00:00Z"}, "rsvp_deadline must not be after starts_at"),
        ({"link": "javascript:alert(1)"}, "link: URL scheme should be 'http' or 'https'"),
        ({"title": {"fr": "x" * 20_001}}, "title.fr: String should have at most 20000 characters"),
        ({"surprise": True}, "surprise: Extra inputs are not permitted"),
    ],
)
def test_bad_event_fields_are_named(fields: dict, fragment: str) -> None:
    base = {"title": {"fr": "Consultation"}, "starts_at": "2027-02-10T09:30:00Z", "place": "Dakar"}
    with pytest.raises(StaffDataError) as raised:
        read_input(EventInput, None, {**base, **fields})
    assert fragment in str(raised.value)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [("title = ", "not valid toml"), ("[1, 2]", "not valid toml"), ("", "title: Field required")],
)
def test_a_broken_file_is_reported_with_its_name(
    tmp_path: Path, content: str, fragment: str
) -> None:
    path = tmp_path / "event.toml"
    path.write_text(content)
    with pytest.raises(StaffDataError) as raised:
        read_input(EventInput, path, {})
    assert str(raised.value).startswith(str(path))
    assert fragment in str(raised.value)


def test_an_oversized_or_undecodable_file_is_refused(tmp_path: Path) -> None:
    huge = tmp_path / "huge.toml"
    huge.write_text("x = '" + "a" * 1_000_001 + "'")
    with pytest.raises(StaffDataError, match="larger than"):
        read_input(EventInput, huge, {})
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"title = '\xff\xfe'")
    with pytest.raises(StaffDataError, match="cannot read"):
        read_input(EventInput, binary, {})


def evaluation(**fields) -> EvaluationInput:
    base = {
        "partnership": "SEN/PCA2021001/PD2021004",
        "completed_on": "2025-05-20",
        "conclusions": {"fr": "Des résultats solides."},
        "lessons": {"fr": "Associer les familles."},
        "recommendations": {"fr": "Étendre."},
        "contributors": ["A.Ndiaye@asef-senegal.example.org"],
    }
    return read_input(EvaluationInput, None, {**base, **fields})


def test_an_evaluation_is_recorded_with_its_contributors(imported: Engine) -> None:
    with transaction(imported) as session:
        recorded = record_evaluation(session, evaluation())
        assert [c.contact.email for c in recorded.contributors] == [
            "a.ndiaye@asef-senegal.example.org"
        ]


def test_a_contributor_is_found_by_either_form_of_an_internationalised_address(
    imported: Engine,
) -> None:
    with transaction(imported) as session:
        (awa,) = contacts_with_address(session, "a.ndiaye@asef-senegal.example.org")
        awa.email = "a.ndiaye@xn--asef-sngal-g7ab.sn"  # as an earlier release may have kept it
    with transaction(imported) as session:
        recorded = record_evaluation(session, evaluation(contributors=["A.Ndiaye@asef-sénégal.sn"]))
        assert [c.contact_id for c in recorded.contributors] == [awa.id]


def test_an_evaluation_names_unknown_partnerships_and_strangers(imported: Engine) -> None:
    with (
        pytest.raises(StaffDataError, match="no partnership with reference 'SEN/NOPE'"),
        transaction(imported) as session,
    ):
        record_evaluation(session, evaluation(partnership="SEN/NOPE"))
    with (
        pytest.raises(StaffDataError, match=r"not contacts of this partner: g\.otieno"),
        transaction(imported) as session,
    ):
        record_evaluation(session, evaluation(contributors=["g.otieno@kccpn.example.or.ke"]))


@pytest.mark.parametrize(
    ("place", "kept", "english", "french"),
    [
        ("Dakar", {"und": "Dakar"}, "Dakar", "Dakar"),
        (
            {"fr": "Dakar et en ligne", "en": "Dakar and online", "es": " "},
            {"fr": "Dakar et en ligne", "en": "Dakar and online"},
            "Dakar and online",
            "Dakar et en ligne",
        ),
        ({"fr": "Dakar et en ligne"}, {"fr": "Dakar et en ligne"}, "Dakar et en ligne", None),
        ("", {}, "", ""),
    ],
)
def test_an_events_place_is_kept_per_language(
    engine: Engine, place: str | dict, kept: dict, english: str, french: str | None
) -> None:
    fields = {"title": {"en": "Forum"}, "starts_at": "2027-01-01T10:00:00Z", "place": place}
    data = read_input(EventInput, None, {**fields, "link": "https://meet.example.org/x"})
    with transaction(engine) as session:
        event_id = record_event(session, data).id
    with transaction(engine) as session:
        event = session.get_one(ConsultationEvent, event_id)
        assert event.place == kept
        assert localized(event.place, "en") == english
        assert localized(event.place, "fr") == (english if french is None else french)


def test_an_event_is_recorded(engine: Engine) -> None:
    data = read_input(
        EventInput,
        None,
        {
            "title": {"en": "Forum"},
            "starts_at": "2027-01-01T10:00:00+01:00",
            "link": "https://meet.example.org/x",
        },
    )
    with transaction(engine) as session:
        event_id = record_event(session, data).id
    with transaction(engine) as session:
        event = session.get_one(ConsultationEvent, event_id)
        assert event.link == "https://meet.example.org/x"
        assert event.starts_at == datetime(2027, 1, 1, 9, 0, tzinfo=UTC)


@pytest.mark.usefixtures("prefect_api")
def test_the_staff_forms_record_what_they_are_given(imported: Engine, app_env) -> None:
    from flows.registry import FORMS

    event = FORMS["record-consultation-event"](
        event={"title": {"fr": "Forum"}, "starts_at": "2027-01-01T10:00:00Z", "place": "Dakar"}
    )
    update = FORMS["record-policy-update"](
        update={"category": "development", "title": {"en": "Data"}, "body": {"en": "Text"}}
    )
    awa = contact_number(imported, "a.ndiaye@asef-senegal.example.org")
    evaluation = FORMS["record-evaluation"](
        evaluation={**evaluation_fields(), "contributors": [awa]}
    )
    assert (event["recorded"], update["recorded"], evaluation["recorded"]) == (
        "ConsultationEvent",
        "PolicyUpdate",
        "Evaluation",
    )


@pytest.mark.usefixtures("prefect_api")
def test_the_evaluation_form_takes_contributors_by_number_never_by_address(
    imported: Engine, app_env
) -> None:
    """Prefect keeps a form's values: the form's schema asks for numbers, and an address
    typed anyway is refused."""
    from prefect.exceptions import ParameterTypeError

    from flows.registry import FORMS

    schema = FORMS["record-evaluation"].parameters.model_dump()["definitions"]
    assert schema["EvaluationForm"]["properties"]["contributors"]["items"]["type"] == "integer"
    with pytest.raises(ParameterTypeError, match="contributors"):
        FORMS["record-evaluation"](evaluation=evaluation_fields())
    with transaction(imported) as session:
        assert session.scalars(select(Evaluation)).all() == []


def test_an_evaluation_file_names_contributors_by_number_or_either_form_of_address(
    imported: Engine,
) -> None:
    awa = contact_number(imported, "a.ndiaye@asef-senegal.example.org")
    given = [awa, "A.NDIAYE@asef-senegal.example.org", "ml.diallo@asef-senegal.example.org"]
    with transaction(imported) as session:
        recorded = record_evaluation(session, evaluation(contributors=given))
        assert sorted(c.contact.email for c in recorded.contributors) == [
            "a.ndiaye@asef-senegal.example.org",
            "ml.diallo@asef-senegal.example.org",
        ]
    with (
        pytest.raises(StaffDataError, match=r"not contacts of this partner: 99999$"),
        transaction(imported) as session,
    ):
        record_evaluation(session, evaluation(contributors=[99999]))


def contact_number(engine: Engine, address: str) -> int:
    with transaction(engine) as session:
        return session.scalars(select(Contact.id).where(Contact.email == address)).one()


def evaluation_fields() -> dict:
    return {
        "partnership": "SEN/PCA2021001/PD2021004",
        "completed_on": "2025-05-20",
        "conclusions": {"fr": "Solides."},
        "lessons": {"fr": "Tôt."},
        "recommendations": {"fr": "Étendre."},
        "contributors": ["a.ndiaye@asef-senegal.example.org"],
    }


@pytest.mark.usefixtures("prefect_api")
def test_the_event_form_keeps_the_languages_filled_in_as_before(imported: Engine, app_env) -> None:
    """The form shows a box per language and sends the filled ones: stored per language,
    as `continuity event add` stores a file's table."""
    from flows.registry import FORMS

    event = {
        "title": {"fr": "Forum régional", "ar": "منتدى إقليمي"},
        "topic": {"pt": "  ", "en": "What comes next"},
        "starts_at": "2027-02-10T09:30:00Z",
        "place": {"fr": "Dakar", "en": "Dakar"},
    }
    recorded = FORMS["record-consultation-event"](event=event)
    with transaction(imported) as session:
        row = session.get_one(ConsultationEvent, recorded["id"])
        assert row.title == {"fr": "Forum régional", "ar": "منتدى إقليمي"}
        assert row.topic == {"en": "What comes next"}
        assert row.place == {"fr": "Dakar", "en": "Dakar"}


@pytest.mark.parametrize(
    ("title", "problem"),
    [
        ({}, "at least one of fr, en, es, ar, pt, ru"),
        ({"fr": "   ", "en": ""}, "at least one of"),
        ({"de": "Forum"}, "title.de"),
        ({"FR": "Forum"}, "title.FR"),
        ({"fr": "x" * 20_001}, "at most 20000"),
        ({"fr": ["Forum"]}, "title.fr"),
        ("Forum", "title"),
        (None, "title"),
    ],
)
def test_a_title_per_language_that_cannot_be_recorded_is_named(title: object, problem: str) -> None:
    fields = {"title": title, "starts_at": "2027-02-10T09:30:00Z", "place": "Dakar"}
    with pytest.raises(StaffDataError, match=problem):
        read_input(EventInput, None, fields)
