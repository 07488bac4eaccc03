from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from continuity.cli.main import app
from db.engine import transaction
from db.models import Contact, InfluenceEntry, Response, TouchpointKind
from flows.registry import FORMS
from tasks.responses.manual_entry import (
    ManualEntryError,
    ManualResponse,
    ManualResponseForm,
    contact_named,
    record_manual_response,
)
from tests.pipeline import deliver_all, messages, plan

SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)
REFERENCE = "SEN/PCA2021001/PD2021004"


def entry(**fields) -> ManualResponse:
    return ManualResponse.model_validate(
        {
            "partnership": REFERENCE,
            "kind": "sustainability_checkin",
            "sustained": "no",
            "capacity": 1,
            **fields,
        }
    )


def form(**fields) -> dict:
    """The record-response form's values: the entry without the partner's words."""
    return entry(**fields).model_dump(include=set(ManualResponseForm.model_fields))


def responses(engine: Engine) -> list[Response]:
    with transaction(engine) as session:
        return list(session.scalars(select(Response).order_by(Response.id)))


def test_a_phone_answer_is_recorded_and_stops_the_reminders(imported: Engine, app_env) -> None:
    plan(imported, TouchpointKind.SUSTAINABILITY_CHECKIN, SENT)
    deliver_all(imported, [TouchpointKind.SUSTAINABILITY_CHECKIN], SENT)
    with transaction(imported) as session:
        record_manual_response(
            session,
            entry(
                contact=contact_named(session, REFERENCE, "awa ndiaye"),
                comment="Appel du 3 décembre",
                recorded_by="K. Mbaye",
            ),
            SENT + timedelta(days=2),
        )
    (answer,) = responses(imported)
    assert (answer.channel, answer.recorded_by, answer.text) == (
        "phone",
        "K. Mbaye",
        "Appel du 3 décembre",
    )
    assert answer.message_id is not None
    plan(imported, TouchpointKind.REMINDER, SENT + timedelta(days=7))
    reminded = {m.contact.email for m in messages(imported, kind=TouchpointKind.REMINDER)}
    assert "a.ndiaye@asef-senegal.example.org" not in reminded and reminded


def test_an_answer_can_be_entered_before_any_message_was_sent(imported: Engine) -> None:
    with transaction(imported) as session:
        record_manual_response(session, entry(channel="meeting"), SENT)
    (answer,) = responses(imported)
    assert answer.message_id is None and answer.channel == "meeting"


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"partnership": "SEN/NOPE"}, "no partnership with reference"),
        ({"contact": 10**9}, "not a contact of this partner"),
        ({"sustained": None}, "sustained"),
    ],
)
def test_bad_entries_are_refused_with_the_reason(
    imported: Engine, fields: dict, fragment: str
) -> None:
    with pytest.raises(ManualEntryError, match=fragment), transaction(imported) as session:
        record_manual_response(session, entry(**fields), SENT)
    assert responses(imported) == []


@pytest.mark.usefixtures("prefect_api")
def test_the_record_response_form_flow_records_the_answer(imported: Engine, app_env) -> None:
    with transaction(imported) as session:
        number = contact_named(session, REFERENCE, "Mamadou Lamine Diallo")
    result = FORMS["record-response"](response=form(contact=number, channel="meeting"))
    assert result["kind"] == "sustainability_checkin" and result["channel"] == "meeting"
    assert len(responses(imported)) == 1


def test_the_cli_records_a_phone_answer(imported: Engine, app_env) -> None:
    result = CliRunner().invoke(
        app,
        [
            "response",
            "add",
            "--partnership",
            REFERENCE,
            "--kind",
            "sustainability_checkin",
            "--sustained",
            "partly",
            "--capacity",
            "3",
            "--contact",
            "Awa Ndiaye",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "recorded response 1 (revision 1)" in result.stdout
    bad = CliRunner().invoke(
        app, ["response", "add", "--partnership", REFERENCE, "--kind", "newsletter"]
    )
    assert bad.exit_code == 1 and "kind" in bad.stderr
    with transaction(imported) as session:
        assert session.scalars(select(InfluenceEntry)).all() == []


def test_a_name_is_found_among_the_partner_contacts_or_refused(imported: Engine) -> None:
    with transaction(imported) as session:
        assert contact_named(session, REFERENCE, "") is None
        number = contact_named(session, REFERENCE, "AWA NDIAYE")
        assert contact_named(session, REFERENCE, str(number)) == number
        with pytest.raises(ManualEntryError, match="no contact named 'Nobody Here'"):
            contact_named(session, REFERENCE, "Nobody Here")


def test_a_contact_is_found_by_either_form_of_their_address(imported: Engine) -> None:
    with transaction(imported) as session:
        number = contact_named(session, REFERENCE, "Awa Ndiaye")
        session.get_one(Contact, number).email = "a.ndiaye@asef-sénégal.sn"
        for address in ("A.Ndiaye@ASEF-SÉNÉGAL.sn", "a.ndiaye@xn--asef-sngal-g7ab.sn"):
            assert contact_named(session, REFERENCE, address) == number
        with pytest.raises(ManualEntryError, match="no contact named"):
            contact_named(session, REFERENCE, "a.ndiaye@asef-senegal.sn")


def test_the_form_asks_a_contact_number_never_a_name() -> None:
    assert "contact_name" not in ManualResponseForm.model_fields
    assert ManualResponseForm.model_fields["contact"].annotation is not str


@pytest.mark.usefixtures("prefect_api")
def test_the_form_takes_no_words_and_the_cli_records_them(imported: Engine, app_env) -> None:
    """Prefect keeps a form's values: what a partner said goes to the database alone."""
    from prefect.exceptions import ParameterTypeError

    assert not {"comment", "support_needed", "news"} & set(ManualResponseForm.model_fields)
    with pytest.raises(ParameterTypeError, match="support_needed"):
        FORMS["record-response"](response={**form(), "support_needed": "x"})
    result = CliRunner().invoke(
        app,
        [
            *("response", "add", "--partnership", REFERENCE, "--kind", "sustainability_checkin"),
            *("--sustained", "no", "--capacity", "2", "--support-needed", "Des formatrices"),
            *("--comment", "Appel du lundi"),
        ],
    )
    assert result.exit_code == 0, result.output
    (recorded,) = responses(imported)
    assert recorded.answers["support_needed"] == "Des formatrices"
    assert recorded.text == "Appel du lundi"
