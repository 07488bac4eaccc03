"""Any malformed value on any route is a 4xx, never a 500: every field, the CSRF value,
the token and the body itself fuzzed with hypothesis through FastAPI's TestClient, on
valid links (so the deep paths run: parsing, re-rendering a form with what was posted,
recording) and on broken ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from continuity.portal.app import create_app
from db.engine import transaction
from db.models import TouchpointKind
from tasks.clock import Clock
from tasks.countries import SUPPORTED_LANGUAGES
from tasks.responses.forms import FormError
from tasks.settings import get_settings
from tasks.staff.records import EventInput, read_input, record_event
from tasks.touchpoints.registry import forms, parse_answers
from tests.pipeline import deliver_all, links_by_recipient, plan

pytestmark = pytest.mark.faults
SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)
KINDS = [TouchpointKind.SUSTAINABILITY_CHECKIN, TouchpointKind.CONSULTATION_INVITATION]
FIELD_NAMES = sorted(
    {name for form in forms().values() for name in form.model_fields}
    | {f"supporter-{row}-{part}" for row in (0, 1, 7, 8) for part in ("name", "kind", "role")}
    | {"csrf", "List-Unsubscribe", "supporters", "language", "back"}
)
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "multipart/form-data; boundary=xyz",
    "text/plain",
    "application/json",
    "x/\u2603",
]
# Digits of every script (str.isdigit() takes "²" and "٣"), then anything.
DIGITS = st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=12)
SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@dataclass
class Target:
    client: TestClient
    tokens: list[str]
    csrf: dict[str, str]

    def __repr__(self) -> str:
        return f"Target({len(self.tokens)} tokens)"


@pytest.fixture
def target(imported: Engine, app_env, outbox) -> Target:
    event = {"title": {"es": "Foro"}, "starts_at": "2027-02-10T14:00:00Z", "place": "Bogotá"}
    with transaction(imported) as session:
        record_event(session, read_input(EventInput, None, event))
    for kind in KINDS:
        plan(imported, kind, SENT)
    deliver_all(imported, KINDS, SENT)
    app = create_app(get_settings(), imported)
    app.state.portal.clock = Clock.at(SENT + timedelta(days=1))
    links = [link for found in links_by_recipient(outbox()).values() for link in found.values()]
    tokens = [link.rsplit("/", 1)[1] for link in links if "/r/" in link or "/opt-out/" in link]
    csrf = {token: app.state.portal.csrf(token) for token in tokens}
    return Target(TestClient(app, base_url="https://portal.example.org"), tokens, csrf)


def tokens_of(target: Target) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(target.tokens), st.text(max_size=200))


def csrf_values(valid: str) -> st.SearchStrategy[str]:
    issued, _, mac = valid.partition(".")
    return st.one_of(
        st.just(valid),
        st.text(max_size=100),
        st.builds(lambda digits: f"{digits}.{mac}", DIGITS),
        st.builds(lambda tail: f"{issued}.{tail}", st.text(max_size=80)),
    )


@st.composite
def form_posts(draw: Any, target: Target) -> tuple[str, dict[str, str]]:
    token = draw(tokens_of(target))
    fields = draw(
        st.dictionaries(
            st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=30)),
            st.one_of(
                st.sampled_from(["", "yes", "partly", "3", "body", "One-Click", "ar", "form"]),
                st.text(),
            ),
            max_size=14,
        )
    )
    if token in target.csrf:
        fields["csrf"] = draw(csrf_values(target.csrf[token]))
    return token, fields


def assert_no_server_error(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500])


@SETTINGS
@given(data=st.data())
def test_posted_forms_never_cause_a_server_error(target: Target, data: Any) -> None:
    token, fields = data.draw(form_posts(target))
    route = data.draw(st.sampled_from(["/r/", "/opt-out/", "/language/"]))
    language = data.draw(st.text(st.characters(codec="ascii", min_codepoint=32), max_size=40))
    response = target.client.post(
        route + quote(token, safe=""), data=fields, headers={"accept-language": language}
    )
    assert_no_server_error(response)


@SETTINGS
@given(data=st.data())
def test_raw_bodies_and_tokens_never_cause_a_server_error(target: Target, data: Any) -> None:
    token = data.draw(tokens_of(target))
    route = data.draw(st.sampled_from(["/r/", "/opt-out/", "/language/"]))
    body = data.draw(st.binary(max_size=3000))
    content_type = data.draw(st.sampled_from(CONTENT_TYPES))
    url = route + quote(token, safe="")
    posted = target.client.post(
        url, content=body, headers={"content-type": content_type.encode("utf-8")}
    )
    assert_no_server_error(posted)
    assert_no_server_error(target.client.get(url))


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(list(forms())),
    fields=st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), st.text()), st.text()),
)
def test_every_form_takes_any_fields_or_names_what_is_wrong(
    kind: TouchpointKind, fields: dict[str, str]
) -> None:
    try:
        parse_answers(kind, fields)
    except FormError as error:
        assert error.problems and all(problem.code for problem in error.problems.values())


@SETTINGS
@given(data=st.data())
def test_any_asked_language_shows_a_page_in_a_language_the_portal_speaks(
    target: Target, data: Any
) -> None:
    token = data.draw(tokens_of(target))
    route = data.draw(st.sampled_from(["/r/", "/opt-out/", "/forgotten?x="]))
    asked = data.draw(st.one_of(st.sampled_from(["ar", "pt", "AR", "ar-EG"]), st.text()))
    page = target.client.get(route + quote(token, safe=""), params={"lang": asked})
    assert_no_server_error(page)
    assert page.headers["content-language"] in SUPPORTED_LANGUAGES
