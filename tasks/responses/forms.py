"""How the portal's forms are validated, field by field: the base every touchpoint's form
builds on (each kind's own form lives with the kind, in tasks/touchpoints/).

Every problem carries a code (pydantic's error type, or one of ours below) besides its
English message: the portal words it in the page's language from the code, staff read
the message."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails, PydanticCustomError

LONG_TEXT = 4000
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
Text = Annotated[str, Field(max_length=LONG_TEXT)]
# Our own problems' codes.
CONTROL_CHARACTERS = "control_characters"
NOTHING_WRITTEN = "nothing_written"
NO_FORM = "no_form"
# The bound each of pydantic's length and range errors names, by error type.
LIMITS = {
    "string_too_long": "max_length",
    "string_too_short": "min_length",
    "too_long": "max_length",
    "greater_than_equal": "ge",
    "less_than_equal": "le",
}


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field: `code` (pydantic's error type or ours), the English
    `message`, and the bound a length or range error names (None for the others)."""

    code: str
    message: str
    limit: int | None = None

    @classmethod
    def of(cls, error: ErrorDetails) -> Problem:
        """Return the problem pydantic's `error` describes."""
        bound = error.get("ctx", {}).get(LIMITS.get(error["type"], ""))
        return cls(error["type"], error["msg"], bound if isinstance(bound, int) else None)


class FormError(Exception):
    """Answers that cannot be recorded; `problems` maps each bad field (its location,
    "supporters.0.name" for a row's) to what is wrong with it."""

    def __init__(self, problems: dict[str, Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{name}: {p.message}" for name, p in problems.items()))


def refused(code: str, message: str) -> PydanticCustomError:
    """Return the error a validator of ours raises: `code` for the portal, `message` in
    English for staff."""
    return PydanticCustomError(code, message)


class Clean(BaseModel):
    """Refuses control characters (NUL and the like) in any text field."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if isinstance(value, str) and CONTROL.search(value):
            raise refused(CONTROL_CHARACTERS, "contains control characters")
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
                    ".".join(str(part) for part in problem["loc"]) or "form": Problem.of(problem)
                    for problem in error.errors()
                }
            ) from None


class NewsAnswers(Answers):
    """What a partner tells us back: news, policy changes, a comment (digests and update
    campaigns ask it alike)."""

    news: Text = ""
    policy_changes: Text = ""
    # Checked when not posted too: a post with none of the three fields says nothing.
    comment: Text = Field("", validate_default=True)

    @field_validator("comment")
    @classmethod
    def _something(cls, value: str, info: Any) -> str:
        if not (value or info.data.get("news") or info.data.get("policy_changes")):
            raise refused(NOTHING_WRITTEN, "write at least one of the fields")
        return value
