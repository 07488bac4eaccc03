"""Staff-written content: Markdown turned into safe HTML (no raw HTML, links only to http,
https and mailto) and readable plain text, with Jinja placeholders filled in a sandbox.

The Markdown is converted once per text, with its placeholders set aside, and the result
compiled as a template: a campaign renders the same text for thousands of contacts, and a
value (a partner's name) is escaped data, never Markdown or HTML.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.etree.ElementTree import Element

import markdown
from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from tasks.outbox.render import RenderError

SAFE_LINK = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
# Staff text may hold placeholders ({{ contact.name }}) and nothing else of Jinja: no
# filters (`|safe` would let raw HTML through), no statements, no comments.
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)*)\s*\}\}")
# The documented placeholders (README, `Variant`), and nothing else: any other name would
# reach Jinja's globals (`self`, `range`, `lipsum`) or a dict's methods (`contact.items`).
PLACEHOLDERS = (
    "contact.name",
    "partner.name",
    "partner.short_name",
    "partnership.title",
    "partnership.reference",
)
JINJA_SYNTAX = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
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
        raise PlaceholderError(f"placeholder in {text[:40]!r}: {_described(error)}") from None


def filled_body(text: str, variables: dict[str, Any]) -> tuple[str, str]:
    """Return (safe HTML, plain text) of Markdown `text` with its placeholders filled;
    raise `PlaceholderError` naming the problem for an unknown or malformed one."""
    try:
        body = compiled_body(text)
        return body.html.render(variables), body.text.render(variables)
    except TemplateError as error:
        raise PlaceholderError(f"placeholder in {text[:40]!r}: {_described(error)}") from None


def _described(error: TemplateError) -> str:
    """Return `error` on one line, with its line number when it has one."""
    if isinstance(error, TemplateSyntaxError):
        return f"line {error.lineno}: {error.message}"
    return str(error)


@lru_cache(maxsize=256)
def _compiled(text: str) -> Template:
    _check_placeholders(text)
    return _SANDBOX.from_string(text)


def _check_placeholders(text: str) -> None:
    """Raise `TemplateSyntaxError` for Jinja syntax other than plain placeholders, and for
    a placeholder that is not one of `PLACEHOLDERS` (naming them all)."""
    leftover = JINJA_SYNTAX.search(PLACEHOLDER.sub("", text))
    if leftover:
        raise TemplateSyntaxError(
            f"only placeholders like {{{{ contact.name }}}} are allowed, not"
            f" {text[max(0, leftover.start() - 10) : leftover.end() + 10]!r}",
            lineno=text.count("\n", 0, leftover.start()) + 1,
        )
    for match in PLACEHOLDER.finditer(text):
        if match.group(1) not in PLACEHOLDERS:
            allowed = ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)
            raise TemplateSyntaxError(
                f"unknown placeholder {match.group(0)}; the placeholders are {allowed}",
                lineno=text.count("\n", 0, match.start()) + 1,
            )


@lru_cache(maxsize=256)
def compiled_body(text: str) -> StaffBody:
    """Return `text` as two templates, HTML (autoescaped) and plain text; raises Jinja's
    `TemplateSyntaxError` for a malformed placeholder."""
    _check_placeholders(text)
    tags: list[str] = []
    nonce = secrets.token_hex(4)
    aside = re.compile(rf"zq{nonce}p(\d+)zq")

    def set_aside(match: re.Match[str]) -> str:
        tags.append(match.group(0))
        return f"zq{nonce}p{len(tags) - 1}zq"

    def restored(converted: str) -> str:
        return aside.sub(lambda match: tags[int(match.group(1))], converted)

    protected = PLACEHOLDER.sub(set_aside, text)
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
