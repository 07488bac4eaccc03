"""What partners may answer on the portal, per touchpoint, validated field by field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from db.models import TouchpointKind

LONG_TEXT = 4000
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_SUPPORTERS = 8
Text = Annotated[str, Field(max_length=LONG_TEXT)]


class FormError(Exception):
    """Answers that cannot be recorded; `fields` maps each bad field to its problem."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in fields.items()))


class Clean(BaseModel):
    """Refuses control characters (NUL and the like) in any text field."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if isinstance(value, str) and CONTROL.search(value):
            raise ValueError("contains control characters")
        return value


class Answers(Clean):
    """The answers to one touchpoint's form."""


class Supporter(Clean):
    name: Annotated[str, Field(min_length=1, max_length=256)]
    kind: Literal["person", "body"] = "person"
    role: Annotated[str, Field(max_length=512)] = ""


class CheckinAnswers(Answers):
    sustained: Literal["yes", "partly", "no"]
    capacity: Annotated[int, Field(ge=1, le=5)]
    supporters: Annotated[list[Supporter], Field(max_length=MAX_SUPPORTERS)] = []
    support_needed: Text = ""
    news: Text = ""
    policy_changes: Text = ""
    comment: Text = ""


class RsvpAnswers(Answers):
    attending: Literal["yes", "no", "maybe"]
    comment: Text = ""


class EvaluationAnswers(Answers):
    comment: Text = ""
    join_discussion: Literal["yes", "no"] = "no"


class NewsAnswers(Answers):
    news: Text = ""
    policy_changes: Text = ""
    comment: Text = ""

    @field_validator("comment")
    @classmethod
    def _something(cls, value: str, info: Any) -> str:
        if not (value or info.data.get("news") or info.data.get("policy_changes")):
            raise ValueError("write at least one of the fields")
        return value


class MeasureAnswers(Answers):
    """Where a corrective measure stands, as its owner reports it."""

    status: Literal["done", "on_track", "late"]
    comment: Text = ""


class AcknowledgementAnswers(Answers):
    """The partner's decision on the public acknowledgement text."""

    decision: Literal["approve", "changes", "withdraw"]
    changes: Text = Field("", validate_default=True)

    @field_validator("changes")
    @classmethod
    def _changes_proposed(cls, value: str, info: Any) -> str:
        if info.data.get("decision") == "changes" and not value:
            raise ValueError("write the changes you propose")
        return value


FORMS: dict[TouchpointKind, type[Answers]] = {
    TouchpointKind.SUSTAINABILITY_CHECKIN: CheckinAnswers,
    TouchpointKind.CONSULTATION_INVITATION: RsvpAnswers,
    TouchpointKind.EVALUATION_FOLLOWUP: EvaluationAnswers,
    TouchpointKind.POLICY_DIGEST: NewsAnswers,
    TouchpointKind.ADHOC: NewsAnswers,
    TouchpointKind.CORRECTIVE_ACTION: MeasureAnswers,
    TouchpointKind.ACKNOWLEDGEMENT: AcknowledgementAnswers,
}


def supporters_from(form: Mapping[str, str]) -> list[dict[str, str]]:
    """Return the filled rows of the supporters table (`supporter-N-name|kind|role`)."""
    rows = []
    for index in range(MAX_SUPPORTERS):
        name = form.get(f"supporter-{index}-name", "").strip()
        if name:
            rows.append(
                {
                    "name": name,
                    "kind": form.get(f"supporter-{index}-kind", "person"),
                    "role": form.get(f"supporter-{index}-role", ""),
                }
            )
    return rows


def parse_answers(kind: TouchpointKind, form: Mapping[str, str]) -> Answers:
    """Return the validated answers for `kind` from posted form fields; raise `FormError`
    naming each bad field."""
    model = FORMS[kind]
    data: dict[str, Any] = dict(form)
    if model is CheckinAnswers:
        data["supporters"] = supporters_from(form)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise FormError(
            {
                ".".join(str(part) for part in problem["loc"]) or "form": problem["msg"]
                for problem in error.errors()
            }
        ) from None
