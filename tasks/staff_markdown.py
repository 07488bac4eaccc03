"""Staff-written content: Markdown turned into safe HTML (no raw HTML, links only to http,
https and mailto, a newline kept as a line break) and into plain text (`tasks.plain_text`),
with the placeholders filled in a sandbox.

The Markdown is converted once per text, with its placeholders set aside, and kept as the
literal pieces between them: a campaign renders the same text for thousands of contacts,
and a value (a partner's name) is escaped data, never Markdown or HTML. Nothing of the
converted text is read as Jinja again, so an escaped `\\{\\{` or `&#123;` stays text.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tasks.outbox.render import RenderError
from tasks.plain_text import plain_text

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
# C0 and C1 controls but tab and line ends: nothing a mail should carry (NUL included,
# which the parser would turn into U+FFFD).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Levels (a list and its item count two, a quote one) the parser opens before it gives up
# and drops the rest of the text; a text that deep is refused instead (`MarkdownError`).
MAX_NESTING = 40
_CONTAINERS = frozenset({"list_item_open", "blockquote_open"})
_SANDBOX = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


class PlaceholderError(RenderError):
    """A placeholder in staff text is unknown or malformed."""


class MarkdownError(RenderError):
    """Staff Markdown cannot be rendered whole."""


class _Parser(MarkdownIt):
    """CommonMark, raw HTML shown as text, a single newline a line break (`<br>`). Every
    link destination is parsed, so that `_without_unsafe_links` keeps an unsafe link's
    label (the default validation would leave `[label](javascript:…)` as literal text)."""

    def __init__(self) -> None:
        options = {"html": False, "breaks": True, "xhtmlOut": False, "maxNesting": MAX_NESTING}
        super().__init__("commonmark", options)

    def validateLink(self, url: str) -> bool:
        return True


_PARSER = _Parser()


@dataclass(frozen=True)
class StaffBody:
    """A body converted once: its HTML and its plain text, each as the literal pieces
    between placeholders (even indexes literal, odd ones a placeholder's name)."""

    html: tuple[str, ...]
    text: tuple[str, ...]


def filled(text: str, variables: dict[str, Any]) -> str:
    """Return one-line `text` (a subject) with its placeholders filled; raise
    `PlaceholderError` naming the problem for an unknown or malformed one."""
    try:
        return _compiled(text).render(variables)
    except TemplateError as error:
        raise PlaceholderError(f"placeholder in {text[:40]!r}: {_described(error)}") from None


def filled_body(text: str, variables: dict[str, Any]) -> tuple[str, str]:
    """Return (safe HTML, plain text) of Markdown `text` with its placeholders filled; raise
    `PlaceholderError` naming the problem for an unknown or malformed one, `MarkdownError`
    for lists or quotes nested deeper than the parser follows."""
    try:
        body = compiled_body(text)
        shown_in_html = _joined(body.html, variables, lambda value: html.escape(str(value)))
        return shown_in_html, _joined(body.text, variables, str)
    except TemplateError as error:
        raise PlaceholderError(f"placeholder in {text[:40]!r}: {_described(error)}") from None


def _joined(pieces: tuple[str, ...], variables: dict[str, Any], shown: Callable[[Any], str]) -> str:
    """Return `pieces` joined, each placeholder's value `shown`; raise Jinja's
    `UndefinedError` for a value `variables` lacks."""
    return "".join(
        piece if index % 2 == 0 else shown(_value(piece, variables))
        for index, piece in enumerate(pieces)
    )


def _value(name: str, variables: dict[str, Any]) -> Any:
    """Return the value of dotted `name` as a Jinja sandbox looks it up: StrictUndefined
    (which raises when shown) when it is missing."""
    value: Any = variables
    for part in name.split("."):
        value = _SANDBOX.getitem(value, part)
    return value


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
    """Return `text` converted to HTML and plain text around its placeholders; raise Jinja's
    `TemplateSyntaxError` for a malformed placeholder, `MarkdownError` for a text nested
    too deep. Control characters are dropped."""
    _check_placeholders(text)
    names: list[str] = []
    nonce = secrets.token_hex(4)

    def set_aside(match: re.Match[str]) -> str:
        names.append(match.group(1))
        return f"zq{nonce}p{len(names) - 1}zq"

    tokens = markdown_tokens(PLACEHOLDER.sub(set_aside, CONTROL.sub("", text)))
    aside = re.compile(rf"zq{nonce}p(\d+)zq")

    def pieces(converted: str) -> tuple[str, ...]:
        parts = aside.split(converted)
        return tuple(part if i % 2 == 0 else names[int(part)] for i, part in enumerate(parts))

    converted = _PARSER.renderer.render(tokens, _PARSER.options, {})
    return StaffBody(html=pieces(converted), text=pieces(plain_text(tokens)))


def markdown_tokens(text: str) -> list[Token]:
    """Return the token stream of Markdown `text`, links and images other than http, https
    and mailto turned into their label; raise `MarkdownError` when lists or quotes nest
    so deep that the parser would drop the rest of the text."""
    tokens = _PARSER.parse(text)
    # Inside a container opened at the last level allowed, the parser drops the rest.
    if any(token.type in _CONTAINERS and token.level >= MAX_NESTING - 1 for token in tokens):
        raise MarkdownError("lists and quotes nest too deep to render whole: flatten them")
    for token in tokens:
        if token.children is not None:
            token.children = _without_unsafe_links(token.children)
    return tokens


def _without_unsafe_links(children: list[Token]) -> list[Token]:
    """Return inline `children` with each unsafe link replaced by its label and each
    unsafe image by its alternative text (CommonMark links do not nest)."""
    kept: list[Token] = []
    dropping = False
    for child in children:
        if child.type == "link_open" and not _safe(child.attrGet("href")):
            dropping = True
        elif child.type == "link_close" and dropping:
            dropping = False
        elif child.type == "image":
            child.children = _without_unsafe_links(child.children or [])
            kept += [child] if _safe(child.attrGet("src")) else child.children
        else:
            kept.append(child)
    return kept


def _safe(url: str | int | float | None) -> bool:
    return isinstance(url, str) and SAFE_LINK.match(url.strip()) is not None
