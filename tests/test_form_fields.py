"""The forms staff fill in the Prefect UI, as its run form (3.9) shows them: a box per
language rather than a JSON editor, no toggle to a null branch, no shape it cannot draw."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from flows.registry import DEPLOYMENTS, FORMS
from tasks.countries import SUPPORTED_LANGUAGES
from tasks.form_fields import language_title


def nodes(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield every schema object inside `node`, with where it is."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from nodes(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from nodes(value, f"{path}[{index}]")


def schema(name: str) -> dict[str, Any]:
    return DEPLOYMENTS[name].parameters.model_dump()


@pytest.mark.parametrize("name", DEPLOYMENTS)
def test_no_field_is_a_raw_json_editor_or_a_shape_the_ui_cannot_draw(name: str) -> None:
    for path, node in nodes(schema(name)):
        if node.get("type") == "object" and not path.endswith("/definitions"):
            assert "properties" in node, f"{name}{path}: a JSON editor"
        assert "oneOf" not in node, f"{name}{path}: the UI draws anyOf, not oneOf"
        # The code editor json-string gives does not wrap lines: no place for prose.
        assert node.get("format") != "json-string", f"{name}{path}"


@pytest.mark.parametrize("name", FORMS)
def test_no_form_field_is_a_toggle_to_none(name: str) -> None:
    """`X | None` shows a toggle whose default side reads `Property is type "None"`."""
    for path, node in nodes(schema(name)["definitions"]):
        assert {"type": "null"} not in node.get("anyOf", []), f"{name}{path}"


PER_LANGUAGE = [
    ("record-consultation-event", "EventInput", "title"),
    ("record-consultation-event", "EventInput", "topic"),
    ("record-policy-update", "UpdateInput", "title"),
    ("record-policy-update", "UpdateInput", "body"),
    ("record-evaluation", "EvaluationForm", "conclusions"),
    ("record-evaluation", "EvaluationForm", "lessons"),
    ("record-evaluation", "EvaluationForm", "recommendations"),
    ("record-acknowledgement", "AcknowledgementChange", "texts"),
]


@pytest.mark.parametrize(("name", "model", "field"), PER_LANGUAGE)
def test_a_text_per_language_is_one_box_per_supported_language(
    name: str, model: str, field: str
) -> None:
    node = schema(name)["definitions"][model]["properties"][field]
    assert node["type"] == "object" and node["additionalProperties"] is False
    assert list(node["properties"]) == list(SUPPORTED_LANGUAGES)
    for language, box in node["properties"].items():
        assert box["type"] == "string" and box["title"] == language_title(language)
        assert box["description"]


def test_a_place_is_a_toggle_between_one_text_and_one_per_language() -> None:
    place = schema("record-consultation-event")["definitions"]["EventInput"]["properties"]["place"]
    every, per_language = place["anyOf"]
    assert (every["type"], every["title"]) == ("string", "Every language")
    assert per_language["title"] == "Per language"
    assert list(per_language["properties"]) == list(SUPPORTED_LANGUAGES)


def test_campaign_content_is_a_subject_and_body_box_per_language() -> None:
    definitions = schema("adhoc-campaign")["definitions"]
    content = definitions["Content"]["properties"]
    assert list(content) == list(SUPPORTED_LANGUAGES)
    assert content["fr"]["title"] == "French (fr)"
    assert content["fr"]["$ref"] == "#/definitions/Variant"
    variant = definitions["Variant"]["properties"]
    assert set(variant) == {"subject", "body"}
    assert all(box["type"] == "string" and box["default"] == "" for box in variant.values())


def test_english_language_titles_name_the_code() -> None:
    assert [language_title(code) for code in ("fr", "ar", "pt")] == [
        "French (fr)",
        "Arabic (ar)",
        "Portuguese (pt)",
    ]
