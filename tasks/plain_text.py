"""Markdown as plain text, for the text part of a mail: what the HTML part says, with none
of Markdown's syntax left.

Read from the parser's token stream, so escapes and entities arrive decoded. Emphasis and
code markers go; a link reads "label (address)", or the address alone when that is its
label; a heading is its own line; list items start with "• " or their number and nest by
indentation; a quote and code are indented (not "> ", which mail clients fold away as a
quoted reply); lines break where they were written; blocks are separated by a blank line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from markdown_it.common.normalize_url import normalizeLinkText
from markdown_it.token import Token

BULLET = "• "
INDENT = "    "
RULE = "─" * 20
# A plain address reads without its scheme; one with a subject or body keeps it.
MAILTO = re.compile(r"^mailto:(?=[^?]*$)", re.IGNORECASE)


def plain_text(tokens: list[Token]) -> str:
    """Return a Markdown token stream (`MarkdownIt.parse`) as plain text, without trailing
    spaces on its lines nor blank lines around it."""
    lines = _joined(_blocks(tokens), tight=False)
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _blocks(tokens: list[Token]) -> list[list[str]]:
    """Return each block of `tokens` (the content of a document or container) as lines."""
    return [_BLOCKS[opening.type](opening, inner) for opening, inner in _children(tokens)]


def _children(tokens: list[Token]) -> Iterator[tuple[Token, list[Token]]]:
    """Yield each outermost block of `tokens`: its opening (or only) token and the tokens
    between that and its closing one."""
    start = 0
    while start < len(tokens):
        depth: int = tokens[start].nesting
        end = start + 1
        while depth > 0:
            depth += tokens[end].nesting
            end += 1
        yield tokens[start], tokens[start + 1 : end - 1]
        start = end


def _joined(blocks: list[list[str]], tight: bool) -> list[str]:
    """Return the lines of `blocks`, a blank line between two unless `tight`."""
    lines: list[str] = []
    for block in blocks:
        if lines and not tight:
            lines.append("")
        lines += block
    return lines


def _paragraph(opening: Token, inner: list[Token]) -> list[str]:
    return _inline(inner[0].children or []).split("\n")


def _list(opening: Token, inner: list[Token]) -> list[str]:
    """Return a list's items, each under its bullet or number (counted from the first, as
    the HTML shows them), blank lines between them when the list has them."""
    tight = any(
        token.type == "paragraph_open" and token.hidden and token.level == opening.level + 2
        for token in inner
    )
    number = int(opening.attrs.get("start", 1))
    lines: list[str] = []
    for item, content in _children(inner):
        marker = f"{number}{item.markup} " if opening.type == "ordered_list_open" else BULLET
        number += 1
        if lines and not tight:
            lines.append("")
        body = _joined(_blocks(content), tight) or [""]
        lines += [marker + body[0], *_indented(body[1:], " " * len(marker))]
    return lines


def _quote(opening: Token, inner: list[Token]) -> list[str]:
    return _indented(_joined(_blocks(inner), tight=False), INDENT)


def _code(opening: Token, inner: list[Token]) -> list[str]:
    return _indented(opening.content.rstrip("\n").split("\n"), INDENT)


def _rule(opening: Token, inner: list[Token]) -> list[str]:
    return [RULE]


def _indented(lines: list[str], prefix: str) -> list[str]:
    return [prefix + line if line.strip() else "" for line in lines]


_BLOCKS: dict[str, Callable[[Token, list[Token]], list[str]]] = {
    "paragraph_open": _paragraph,
    "heading_open": _paragraph,
    "bullet_list_open": _list,
    "ordered_list_open": _list,
    "blockquote_open": _quote,
    "code_block": _code,
    "fence": _code,
    "hr": _rule,
}


def _inline(children: list[Token]) -> str:
    """Return inline tokens as text: emphasis dropped, breaks as newlines, code as its
    content, links and images by `_link`."""
    parts: list[str] = []
    label_start, href = 0, ""
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(_link(_inline(child.children or []), str(child.attrs["src"])))
        elif child.type == "link_open":
            label_start, href = len(parts), str(child.attrs["href"])
        elif child.type == "link_close":
            parts[label_start:] = [_link("".join(parts[label_start:]), href)]
    return "".join(parts)


def _link(label: str, url: str) -> str:
    """Return "label (address)", or the address alone when the label is empty or the
    address itself."""
    address = MAILTO.sub("", _readable(url))
    if label.strip() in ("", address, url, _readable(url)):
        return label.strip() or address
    return f"{label} ({address})"


def _readable(url: str) -> str:
    """Return `url` as the parser wrote it (percent-encoded), or decoded when that leaves no
    space nor invisible character (a right-to-left override would disguise it)."""
    decoded = normalizeLinkText(url)
    return decoded if decoded.isprintable() and " " not in decoded else url
