"""Staff-written content: Jinja placeholders rendered in a sandbox, Markdown turned into
safe HTML (no raw HTML, links only to http, https and mailto) and readable plain text."""

from __future__ import annotations

import re
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
_SANDBOX = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


class PlaceholderError(RenderError):
    """A placeholder in staff text is unknown or malformed."""


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
    """Return `text` with its placeholders (`{{ contact.name }}`…) filled; raise
    `PlaceholderError` naming the problem for an unknown or malformed one."""
    try:
        return _compiled(text).render(variables)
    except TemplateError as error:
        raise PlaceholderError(f"placeholder in {text[:40]!r}: {error}") from None


@lru_cache(maxsize=256)
def _compiled(text: str) -> Template:
    """Compile staff text once: a campaign renders the same text for every contact."""
    return _SANDBOX.from_string(text)


def markdown_html(text: str) -> str:
    return markdown.Markdown(extensions=[_NoRawHTML()], output_format="html").convert(text)


def markdown_text(text: str) -> str:
    """Return Markdown as plain text a mail client shows well: links written out."""
    text = re.sub(r"!\[([^\]]*)\]\(([^)\s]+)[^)]*\)", r"\1 (\2)", text)
    return re.sub(r"\[([^\]]+)\]\(([^)\s]+)[^)]*\)", r"\1 (\2)", text)
