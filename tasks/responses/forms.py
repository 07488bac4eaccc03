"""How the portal's forms are validated, field by field: the base every touchpoint's form
builds on (each kind's own form lives with the kind, in tasks/touchpoints/)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

LONG_TEXT = 4000
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
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

    @classmethod
    def posted_data(cls, fields: Mapping[str, str]) -> dict[str, Any]:
        """Return what posted `fields` give the form to validate: the fields as they are."""
        return dict(fields)

    @classmethod
    def parsed(cls, fields: Mapping[str, str]) -> Self:
        """Return the validated answers from posted form fields; raise `FormError` naming
        each bad field."""
        try:
            return cls.model_validate(cls.posted_data(fields))
        except ValidationError as error:
            raise FormError(
                {
                    ".".join(str(part) for part in problem["loc"]) or "form": problem["msg"]
                    for problem in error.errors()
                }
            ) from None


class NewsAnswers(Answers):
    """What a partner tells us back: news, policy changes, a comment (digests and update
    campaigns ask it alike)."""

    news: Text = ""
    policy_changes: Text = ""
    comment: Text = ""

    @field_validator("comment")
    @classmethod
    def _something(cls, value: str, info: Any) -> str:
        if not (value or info.data.get("news") or info.data.get("policy_changes")):
            raise ValueError("write at least one of the fields")
        return value
