"""What staff record for the flows to send: consultation events, policy updates and final
evaluations. Input is validated (pydantic) before anything is written."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    EmailStr,
    Field,
    HttpUrl,
    Tag,
    ValidationError,
    model_validator,
)
from sqlalchemy.orm import Session

from db.contacts import partner_contacts
from db.engine import engine_for, transaction
from db.models import (
    ConsultationEvent,
    Contact,
    Evaluation,
    EvaluationContributor,
    PolicyUpdate,
    UpdateCategory,
)
from db.models.addresses import address_key
from db.partnerships import partnership_by_reference
from tasks.clock import Clock
from tasks.countries import SUPPORTED_LANGUAGES, Language, country
from tasks.form_fields import per_language, text_or_per_language, without_null_branches
from tasks.settings import get_settings

MAX_TEXT = 20_000
MAX_FILE_BYTES = 1_000_000
# Where a place written once for every language ("Dakar") is kept: BCP 47's "und",
# undetermined; `localized` gives it to any language that has no place of its own.
EVERY_LANGUAGE = "und"
Model = TypeVar("Model", bound=BaseModel)


class StaffDataError(Exception):
    """Input that cannot be recorded; one line per problem, naming the field."""


def _one_line(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("must be a single line")
    return value


def _filled(value: dict[str, str]) -> dict[str, str]:
    """Return the texts without the languages left empty (a form's blank boxes)."""
    return {language: text.strip() for language, text in value.items() if text.strip()}


def _texts(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError(f"give the text in at least one of {', '.join(SUPPORTED_LANGUAGES)}")
    return value


def _places(value: str | dict[Language, str]) -> str | dict[Language, str]:
    if isinstance(value, str):
        return value
    return {language: text for language, text in value.items() if text.strip()}


def place_texts(place: str | dict[Language, str]) -> dict[str, str]:
    """Return the place as kept: per language, one text for every language under
    `EVERY_LANGUAGE`, nothing for no place."""
    if isinstance(place, str):
        return {EVERY_LANGUAGE: place} if place else {}
    return {str(language): text for language, text in place.items()}


def alpha3_code(value: str) -> str:
    if country(value) is None:
        raise ValueError(f"{value!r} is not an ISO 3166 alpha-3 country code")
    return value.upper()


# Texts per language, kept as such; the form shows a box per language (tasks.form_fields).
OptionalTexts = Annotated[
    dict[Language, Annotated[str, Field(max_length=MAX_TEXT)]],
    per_language(MAX_TEXT, "the text"),
    AfterValidator(_filled),
]
Texts = Annotated[OptionalTexts, AfterValidator(_texts)]
MAX_LINE = 512
Line = Annotated[str, Field(max_length=MAX_LINE), AfterValidator(_one_line)]
# A place: one text for every language ("Dakar"), or one per language ("Dakar et en ligne",
# "Dakar and online"); a bad one is named `place.text` or `place.languages.fr`.
Place = Annotated[
    Annotated[Line, Tag("text")] | Annotated[dict[Language, Line], Tag("languages")],
    Discriminator(lambda value: "text" if isinstance(value, str) else "languages"),
    AfterValidator(_places),
    text_or_per_language(MAX_LINE, "the place"),
]
Country = Annotated[str, AfterValidator(alpha3_code)]
Section = Annotated[str, Field(min_length=1, max_length=256)]


class StaffInput(BaseModel):
    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=without_null_branches
    )


class EventInput(StaffInput):
    """A consultation event. Texts per language; empty sections or countries mean all."""

    title: Texts = Field(description="the event's title, in one language or more")
    topic: OptionalTexts = Field(
        default_factory=dict, description="what it is about, in one language or more"
    )
    starts_at: AwareDatetime = Field(description="start, with its UTC offset")
    place: Place = Field(
        "", description="where it happens: one text for every language, or one per language"
    )
    link: HttpUrl | None = Field(None, description="link to join online")
    sections: list[Section] = Field(
        default_factory=list, max_length=50, description="e.g. Education (empty: every section)"
    )
    countries: list[Country] = Field(
        default_factory=list, max_length=250, description="ISO alpha-3 codes (empty: every country)"
    )
    rsvp_deadline: AwareDatetime | None = Field(None, description="answer by")

    @model_validator(mode="after")
    def _where_and_when(self) -> EventInput:
        if not self.place and not self.link:
            raise ValueError("give a place or a link")
        if self.rsvp_deadline and self.rsvp_deadline > self.starts_at:
            raise ValueError("rsvp_deadline must not be after starts_at")
        return self


class UpdateInput(StaffInput):
    """A change of policy, a new priority or a development to tell ended partners about."""

    category: UpdateCategory = Field(title="Category", description="what kind of update")
    title: Texts = Field(description="its title, in one language or more")
    body: Texts = Field(description="its text (Markdown), in the same languages")
    sections: list[Section] = Field(
        default_factory=list, max_length=50, description="e.g. Education (empty: every section)"
    )
    countries: list[Country] = Field(
        default_factory=list, max_length=250, description="ISO alpha-3 codes (empty: every country)"
    )
    published_at: AwareDatetime | None = Field(None, description="when (default: now)")


ContactNumber = Annotated[int, Field(ge=1)]


class EvaluationFields(StaffInput):
    """A final evaluation: what it found, and its discussion."""

    partnership: Annotated[str, Field(min_length=1, max_length=128)] = Field(
        description="reference number"
    )
    completed_on: date = Field(description="the day the evaluation was completed")
    conclusions: Texts = Field(description="what it concluded, in one language or more")
    lessons: Texts = Field(description="the lessons learned, in one language or more")
    recommendations: Texts = Field(description="its recommendations, in one language or more")
    report_url: HttpUrl | None = Field(None, description="a link to the report")
    discussion_at: AwareDatetime | None = Field(
        None, description="when it is discussed with the contributors, with its UTC offset"
    )
    discussion_place: Place = Field(
        "", description="where it is discussed: one text for every language, or per language"
    )


class EvaluationInput(EvaluationFields):
    """A final evaluation and who contributed to it: the partner's contacts, by number or
    address (`continuity evaluation add FILE`)."""

    contributors: list[ContactNumber | EmailStr] = Field(min_length=1, max_length=500)


class EvaluationForm(EvaluationFields):
    """A final evaluation as the Prefect form takes it: contributors by contact number
    only, since Prefect keeps every run's parameters and holds no partner's person."""

    contributors: list[ContactNumber] = Field(
        min_length=1,
        max_length=500,
        description="the contributors' contact numbers (`continuity contact` shows them)",
    )


def read_input(model: type[Model], path: Path | None, overrides: dict[str, Any]) -> Model:
    """Return `model` validated from a TOML or JSON file and/or option values (options that
    are not None win).

    Raises `StaffDataError` naming the file and every bad field.
    """
    data: dict[str, Any] = {}
    if path is not None:
        data = _load(path)
    data.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return model.model_validate(data)
    except ValidationError as error:
        where = f"{path}: " if path else ""
        raise StaffDataError(
            "\n".join(
                f"{where}{'.'.join(str(p) for p in problem['loc']) or 'input'}: {problem['msg']}"
                for problem in error.errors()
            )
        ) from None


def _load(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise StaffDataError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as error:
        raise StaffDataError(f"{path}: cannot read: {error}") from None
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as error:
        raise StaffDataError(
            f"{path}: not valid {path.suffix.lstrip('.') or 'TOML'}: {error}"
        ) from None
    if not isinstance(data, dict):
        raise StaffDataError(f"{path}: expected a table of fields")
    return data


def record_event(session: Session, data: EventInput) -> ConsultationEvent:
    event = ConsultationEvent(
        title=data.title,
        topic=data.topic,
        starts_at=data.starts_at,
        place=place_texts(data.place),
        link=str(data.link) if data.link else "",
        sections=data.sections,
        countries=data.countries,
        rsvp_deadline=data.rsvp_deadline,
    )
    session.add(event)
    session.flush()
    return event


def record_update(session: Session, data: UpdateInput, now: datetime) -> PolicyUpdate:
    update = PolicyUpdate(
        category=data.category,
        title=data.title,
        body=data.body,
        sections=data.sections,
        countries=data.countries,
        published_at=data.published_at or now,
    )
    session.add(update)
    session.flush()
    return update


def contributors_of(
    session: Session, partner_id: int, wanted: Sequence[int | str]
) -> list[Contact]:
    """Return the partner's contacts `wanted` names by number or address (either form, any
    case), each once; raise `StaffDataError` naming, as given, those that are not."""
    contacts = partner_contacts(session, partner_id)
    by_number = {contact.id: contact for contact in contacts}
    by_key = {contact.email_key: contact for contact in contacts if contact.email_key}
    found: dict[int, Contact] = {}
    missing: list[str] = []
    for who in wanted:
        contact = by_number.get(who) if isinstance(who, int) else by_key.get(address_key(who))
        if contact is None:
            missing.append(str(who))
        else:
            found.setdefault(contact.id, contact)
    if missing:
        raise StaffDataError(f"contributors: not contacts of this partner: {', '.join(missing)}")
    return list(found.values())


def record_evaluation(session: Session, data: EvaluationInput | EvaluationForm) -> Evaluation:
    """Record the evaluation; raise `StaffDataError` for an unknown partnership or a
    contributor who is not a contact of its partner."""
    partnership = partnership_by_reference(session, data.partnership)
    if partnership is None:
        raise StaffDataError(f"partnership: no partnership with reference {data.partnership!r}")
    contacts = contributors_of(session, partnership.partner_id, data.contributors)
    evaluation = Evaluation(
        partnership=partnership,
        completed_on=data.completed_on,
        conclusions=data.conclusions,
        lessons=data.lessons,
        recommendations=data.recommendations,
        report_url=str(data.report_url) if data.report_url else "",
        discussion_at=data.discussion_at,
        discussion_place=place_texts(data.discussion_place),
    )
    session.add(evaluation)
    session.add_all(EvaluationContributor(evaluation=evaluation, contact=c) for c in contacts)
    session.flush()
    return evaluation


@task(name="record-staff-input", cache_policy=NO_CACHE)
def record_staff_input(
    data: EventInput | UpdateInput | EvaluationInput | EvaluationForm,
) -> dict[str, int | str]:
    """Record one staff input on the configured database; return its id and what it is."""
    with transaction(engine_for(get_settings().database_url)) as session:
        if isinstance(data, EventInput):
            row: ConsultationEvent | PolicyUpdate | Evaluation = record_event(session, data)
        elif isinstance(data, UpdateInput):
            row = record_update(session, data, Clock().now())
        else:
            row = record_evaluation(session, data)
        return {"recorded": type(row).__name__, "id": row.id}
