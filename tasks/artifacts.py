"""Prefect artifacts that show data, never markup.

Prefect's UI renders markdown artifacts, and every text cell of a table artifact, as
Markdown: a partner's answer holding `![i](https://…)` would load an image when staff
open the artifact, `[x](javascript:…)` would be a link, `<img …>` HTML. Every value that
comes from a partner, an import or staff goes through `markdown_text`, which also keeps
addresses and tokens out (tasks/privacy.py); tables are published through
`publish_table`, which applies it to every cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from tasks.privacy import for_prefect, redacted

# Characters Markdown or HTML read as syntax anywhere in a line (emphasis, code, links,
# images, raw HTML, entities, tables, strikethrough, headings): each is backslash-escaped,
# which CommonMark and Prefect's renderer (marked) show as the character itself.
_SYNTAX = re.compile(r"([\\`*_\[\]<>!|~#&$])")
# Bare URLs and addresses a GFM renderer would turn into links by itself.
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)")
# Markers that open a list or a thematic break at the start of a text.
_BLOCK_START = re.compile(r"^(?=[-+](?:\s|$|-))|^(\d{1,9})(?=[.)](?:\s|$))")


def markdown_text(value: object) -> str:
    """Return `value` as Markdown that shows exactly its text, on one line: addresses and
    personal-link tokens redacted, then every character Markdown or HTML could read as
    syntax escaped (no link, image, HTML, emphasis, list or autolinked URL can remain).
    An empty value gives an empty string."""
    text = redacted(" ".join(str(value).split()))
    text = _SYNTAX.sub(r"\\\1", text)
    text = _AUTOLINK.sub("\\\\", text)
    return _BLOCK_START.sub(lambda match: f"{match.group(1) or ''}\\", text)


def code_block(text: str) -> list[str]:
    """Return `text` (addresses and tokens redacted) as the lines of a fenced code block,
    shown verbatim: the fence is longer than any run of backticks inside."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, redacted(text), fence]


def table_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return `rows` with every cell but numbers, booleans and None as `markdown_text`."""
    return [{key: _cell(value) for key, value in row.items()} for row in rows]


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return markdown_text(value)


def publish_table(
    key: str, rows: list[dict[str, Any]], description: str, empty: dict[str, Any] | None = None
) -> None:
    """Publish `rows` as the table artifact `key`, every text cell escaped and the
    columns that name partners' people or quote them left out (`for_prefect`); `empty` (a
    note by default) stands in when there are none. `description` is ours, not data."""
    shown = for_prefect(rows) or [empty or {"note": "nothing to report"}]
    create_table_artifact(key=key, table=table_rows(shown), description=description)


def publish_markdown(key: str, markdown: str, description: str | None = None) -> None:
    """Publish `markdown`, built with `markdown_text` around every value, as `key`."""
    create_markdown_artifact(key=key, markdown=markdown, description=description)
