"""Ad-hoc update campaigns: staff-written content (or a touchpoint's template) to an audience
chosen with filters, previewed first, sent once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    create_model,
    field_validator,
    model_validator,
)
from sqlalchemy.orm import Session

from db.models import Campaign, Message, TouchpointKind
from tasks.campaigns.audience import Audience, audience
from tasks.countries import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES
from tasks.form_fields import language_title, without_null_branches

__all__ = ["Adhoc", "AdhocCampaign", "Content", "Variant", "audience", "due"]
from tasks.outbox.context import partnership_context
from tasks.outbox.planning import Planned
from tasks.responses.forms import NewsAnswers
from tasks.staff_markdown import filled, filled_body
from tasks.touchpoints.touchpoint import Touchpoint

KIND = TouchpointKind.ADHOC


class Variant(BaseModel):
    """The campaign in one language: a subject and a body together, or neither (the
    language left out). Placeholders: {{ contact.name }}, {{ partner.name }},
    {{ partner.short_name }}, {{ partnership.title }}, {{ partnership.reference }}."""

    model_config = ConfigDict(extra="forbid")

    subject: Annotated[str, Field(max_length=200)] = Field(
        "", description="one line (empty: this language is left out)"
    )
    body: Annotated[str, Field(max_length=20_000)] = Field(
        "",
        title="Body (Markdown)",
        description="the message; drag the box's corner down to see more of it",
    )

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value or "\r" in value:
            raise ValueError("a subject is one line")
        return value.strip()

    @model_validator(mode="after")
    def _both_or_neither(self) -> Variant:
        if bool(self.subject) != bool(self.body.strip()):
            raise ValueError("give the subject and the body together, or neither")
        return self

    @property
    def given(self) -> bool:
        return bool(self.subject)


def _none_is_empty(value: object) -> object:
    """Campaigns stored before every language had its boxes kept `null` for a language
    left out."""
    return {} if value is None else value


class Languages(BaseModel):
    """What the campaign says: a variant per language (at least one)."""

    model_config = ConfigDict(extra="forbid")

    def variant_for(self, language: str) -> tuple[str, Variant]:
        """Return (language used, variant): the contact's, else the fallback language, else
        the first supported language the campaign has."""
        for candidate in (language, FALLBACK_LANGUAGE, *SUPPORTED_LANGUAGES):
            variant = getattr(self, candidate, None)
            if variant is not None and variant.given:
                return candidate, variant
        raise ValueError("the campaign has no content")

    @property
    def languages(self) -> list[str]:
        return [language for language in SUPPORTED_LANGUAGES if getattr(self, language).given]


# The Prefect form's fields, one per written language, made from the list of languages so
# that adding one to tasks.countries gives the form its boxes. Not `Variant | None`: the
# UI shows that as a toggle whose default side reads `Property is type "None"`.
if TYPE_CHECKING:
    Content = Languages
else:
    Content = create_model(
        "Content",
        __base__=Languages,
        __doc__=Languages.__doc__,
        **{
            language: (
                Annotated[Variant, BeforeValidator(_none_is_empty)],
                Field(
                    default_factory=Variant,
                    title=language_title(language),
                    description="subject and body, or leave both empty",
                ),
            )
            for language in SUPPORTED_LANGUAGES
        },
    )


class AdhocCampaign(BaseModel):
    """An update campaign, as the Prefect UI form and `continuity campaign` take it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=without_null_branches)

    name: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="what staff will call it in reports"
    )
    audience: Audience = Field(
        default_factory=Audience, title="Audience", description="who receives it"
    )
    template: Literal["custom", "sustainability_checkin"] = Field(
        "custom", description="custom content below, or a touchpoint's own template"
    )
    content: Content = Field(
        default_factory=lambda: Content(),
        title="Content",
        description="custom: the subject and body in one language or more",
    )
    dry_run: bool = Field(True, description="preview only: nothing is sent")
    test_recipients: list[EmailStr] = Field(
        default_factory=list, max_length=20, description="send only to these staff addresses"
    )
    send_at: AwareDatetime | None = Field(None, description="start later (default: now)")
    idempotency_key: Annotated[str, Field(max_length=100)] = Field(
        "", description="same key, same campaign (default: derived from the parameters and day)"
    )

    @model_validator(mode="after")
    def _some_content(self) -> AdhocCampaign:
        if self.template == "custom" and not self.content.languages:
            languages = ", ".join(SUPPORTED_LANGUAGES)
            raise ValueError(f"give the content in at least one of {languages}")
        return self

    @property
    def kind(self) -> TouchpointKind:
        return KIND if self.template == "custom" else TouchpointKind(self.template)


def due(session: Session, campaign: Campaign, chosen: AdhocCampaign) -> Iterator[Planned]:
    """Yield one message per contact the audience reaches, of the campaign's kind."""
    key = f"{KIND}:campaign{campaign.id}"
    context = {"campaign_id": campaign.id, "occurrence": campaign.created_at.isoformat()}
    for contact, partnership in audience(session, chosen.audience):
        yield Planned(contact, chosen.kind, key, partnership, context)


def variables(message: Message) -> dict[str, Any]:
    partner = message.contact.partner
    return {
        "contact": {"name": message.contact.name},
        "partner": {"name": partner.name, "short_name": partner.short_name},
        "partnership": partnership_context(message.partnership) or {},
    }


class Adhoc(Touchpoint[NewsAnswers]):
    """An update campaign's message; partners may send news back. Campaigns plan it (no
    schedule of its own)."""

    kind = KIND
    form = NewsAnswers
    page = "news"

    def context(self, session: Session, message: Message, cache: dict[Any, Any]) -> dict[str, Any]:
        """Render the campaign's variant for the message's contact (placeholders filled in
        a sandbox, Markdown to safe HTML and to text)."""
        campaign_id = message.context["campaign_id"]
        key = ("campaign", campaign_id)
        if key not in cache:
            cache[key] = Content.model_validate(
                session.get_one(Campaign, campaign_id).parameters["content"]
            )
        language, variant = cache[key].variant_for(message.language)
        values = variables(message)
        body_html, body_text = filled_body(variant.body, values)
        return {
            "adhoc": {
                "subject": filled(variant.subject, values),
                "body_html": body_html,
                "body_text": body_text,
                "test": bool(message.context.get("test")),
            },
            "content_language": language,
        }
