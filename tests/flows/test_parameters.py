"""Every field of every deployable flow's form has a label a person reads and a
description: never a raw parameter name such as `as_of` or `dry_run`."""

from __future__ import annotations

from typing import Any

import pytest

from flows.registry import DEPLOYMENTS
from tests.test_form_fields import nodes


def fields(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Return (where, name, property) for every property at any depth of the schema."""
    return [
        (path, name, field)
        for path, node in nodes(schema)
        if isinstance(node.get("properties"), dict) and not path.endswith("/properties")
        for name, field in node["properties"].items()
    ]


def label(schema: dict[str, Any], field: dict[str, Any]) -> str:
    """Return the label the UI shows: the field's title, else the title of the model it
    refers to (pydantic leaves out a title equal to that model's)."""
    if "title" in field:
        return str(field["title"])
    name = field.get("$ref", "").rsplit("/", 1)[-1]
    return str(schema["definitions"].get(name, {}).get("title", ""))


@pytest.mark.parametrize("deployment", DEPLOYMENTS)
def test_every_field_has_a_human_label_and_a_description(deployment: str) -> None:
    schema = DEPLOYMENTS[deployment].parameters.model_dump()
    found = fields(schema)
    assert found
    for where, name, field in found:
        title = label(schema, field)
        assert title and title != name and "_" not in title, (
            f"{deployment}{where}/{name}: {title!r}"
        )
        assert field.get("description"), f"{deployment}{where}/{name} has no description"


def test_the_scheduled_flows_say_what_as_of_and_dry_run_mean() -> None:
    properties = DEPLOYMENTS["sustainability-checkins"].parameters.properties
    assert properties["as_of"]["title"] == "As of (empty: now)"
    assert properties["dry_run"]["title"] == "Preview only (dry run)"
    assert "send nothing" in properties["dry_run"]["description"]
