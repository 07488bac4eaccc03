"""Form fields shaped for the Prefect UI's run form (3.9): it shows an object with
`properties` as one box per property and `anyOf` as a toggle between titled options, but
a dict without properties only as a raw JSON editor, and knows no `oneOf`."""

from __future__ import annotations

from typing import Any

from babel import Locale
from pydantic import WithJsonSchema

from tasks.countries import SUPPORTED_LANGUAGES


def language_title(language: str) -> str:
    """Return a language's label on forms, in English as the UI is: "French (fr)"."""
    return f"{Locale.parse(language).get_display_name('en')} ({language})"


def per_language_schema(max_length: int, what: str) -> dict[str, Any]:
    """Return the JSON schema of texts keyed by language as an object with one optional
    string per supported language: the same values a `dict[Language, str]` takes."""
    return {
        "type": "object",
        "properties": {
            language: {
                "type": "string",
                "maxLength": max_length,
                "title": language_title(language),
                "description": f"{what} in {Locale.parse(language).get_display_name('en')}",
            }
            for language in SUPPORTED_LANGUAGES
        },
        "additionalProperties": False,
    }


def per_language(max_length: int, what: str) -> WithJsonSchema:
    """Return the annotation showing a dict of texts keyed by language as one box per
    supported language (empty boxes are left out of the value)."""
    return WithJsonSchema(per_language_schema(max_length, what))


def text_or_per_language(max_length: int, what: str) -> WithJsonSchema:
    """Return the annotation showing "one text for every language, or one per language" as
    a toggle between a single box and one box per supported language."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": max_length, "title": "Every language"},
                {**per_language_schema(max_length, what), "title": "Per language"},
            ]
        }
    )


def without_null_branches(schema: dict[str, Any]) -> None:
    """Show each optional field of a form model (`X | None = None`) as an `X` left empty,
    not as a toggle whose default side reads `Property is type "None"`: the UI sends
    nothing for an empty field, and the model's default (None) applies. For a model's
    `json_schema_extra`."""
    for field in schema.get("properties", {}).values():
        options = field.get("anyOf", [])
        if {"type": "null"} not in options:
            continue
        others = [option for option in options if option != {"type": "null"}]
        if len(others) == 1:
            del field["anyOf"]
            field.update(others[0])
        else:
            field["anyOf"] = others
        if "default" in field and field["default"] is None:
            del field["default"]
