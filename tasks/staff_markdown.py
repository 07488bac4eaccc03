"""Staff-written content: Markdown turned into safe HTML (no raw HTML, links only to http,
https and mailto) and readable plain text, with Jinja placeholders filled in a sandbox.

The Markdown is converted once per text, with its placeholders set aside, and the result
compiled as a template: a campaign renders the same text for thousands of contacts, and a
value (a partner's name) is escaped data, never Markdown or HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.etree.ElementTree import Element

import markdown
from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from tasks.render import RenderError

SAFE_LINK = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_SANDBOX = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_HTML_SANDBOX = SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


class PlaceholderError(RenderError):
    """A placeholder in staff text is unknown or malformed."""


@dataclass(frozen=True)
class StaffBody:
    html: Template
    text: Template


class _SafeLinks(Treeprocessor):
    def run(self, root: Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not SAFE_LINK.match(value.strip()):
                    del element.attrib[attribute]


class _NoRawHTML(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_SafeLinks(md), "safe_links", 0)


def filled(text: str, variables: dict[str, Any]) -> str:
    """Return one-line `text` (a subject) with its placeholders filled; raise
    `PlaceholderError` naming the problem for an unknown or malformed one."""
    try:
        return _compiled(text).render(variables)
    except TemplateError as error:
        raise PlaceholderError(f"placeholder in {text[:40]!r}: {error}") from None


def filled_body(text: str, variables: dict[str, Any]) -> tuple[str, str]:
    """Return (safe HTML, plain text) of Markdown `text` with its placeholders filled;
    raise `PlaceholderError` naming the problem for an unknown or malformed one."""
    try:
        body = compiled_body(text)
        return body.html.render(variables), body.text.render(variables)
    except TemplateError as error:
        raise PlaceholderError(f"placeholder in {text[:40]!r}: {error}") from None


@lru_cache(maxsize=256)
def _compiled(text: str) -> Template:
    return _SANDBOX.from_string(text)


@lru_cache(maxsize=256)
def compiled_body(text: str) -> StaffBody:
    """Return `text` as two templates, HTML (autoescaped) and plain text; raises Jinja's
    `TemplateSyntaxError` for a malformed placeholder."""
    tags: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        tags.append(match.group(0))
        return f"zqplaceholder{len(tags) - 1}zq"

    def restored(converted: str) -> str:
        return re.sub(r"zqplaceholder(\d+)zq", lambda match: tags[int(match.group(1))], converted)

    protected = JINJA_TAG.sub(set_aside, text)
    return StaffBody(
        html=_HTML_SANDBOX.from_string(restored(markdown_html(protected))),
        text=_compiled(restored(markdown_text(protected))),
    )


def markdown_html(text: str) -> str:
    return markdown.Markdown(extensions=[_NoRawHTML()], output_format="html").convert(text)


def markdown_text(text: str) -> str:
    """Return Markdown as plain text a mail client shows well: links written out."""
    text = re.sub(r"!\[([^\]]*)\]\(([^)\s]+)[^)]*\)", r"\1 (\2)", text)
    return re.sub(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)", r"\1 (\2)", text)
