"""HTML replies as a reader sees them: the markup cut where a mail client starts the
quoted history (gmail_quote, divRplyFwdMsg, blockquote…), rendered as text with blocks on
their own lines."""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

MAX_HTML = 1_000_000  # markup is ~10x its text; the text is capped at MAX_TEXT after.
MAX_TEXT = 100_000
RULE = "_" * 32  # Outlook's separator line, which quotequail knows
SOFT_BREAK = "\x00"  # a block edge: a line break unless one is already there

# HTML elements where clients start the quoted history: (attribute, pattern).
QUOTE_MARKERS = (
    ("id", r"^(?:x_)?(?:divRplyFwdMsg|appendonsend|OLK_SRC_BODY_SECTION|stopSpelling)$"),
    ("id", r"^mail-editor-reference-message-container$"),
    ("class", r"\bgmail_(?:quote|attr)\b|yahoo_quoted|\bmoz-cite-prefix\b|\bzmail_extra"),
    ("class", r"\bprotonmail_quote\b|\bOutlookMessageHeader\b"),
    ("type", r"^cite$"),
    ("style", r"border-top:\s*solid\s+#(?:B5C4DF|E1E1E1)\s+1\.0pt"),
)
_MARKERS = tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in QUOTE_MARKERS)
_HTML_PARSER = lxml_html.HTMLParser(encoding="utf-8")
_BLOCKS = frozenset({"p", "div", "br", "li", "tr", "table", "ul", "ol", "h1", "h2", "h3"}) | {
    *("h4", "h5", "h6", "blockquote", "pre", "address", "dd", "dt", "hr")
}


def unquoted_html(markup: str) -> tuple[str, bool]:
    """Return (the text a reader sees of an HTML body, cut where the quoted history
    starts; whether a structural quote marker was found). ("", False) for markup with no
    element at all."""
    if not markup.strip():
        return "", False
    try:
        # why bytes: lxml refuses str input that declares an encoding (<?xml …?>, <meta>)
        data = markup[:MAX_HTML].encode("utf-8", "replace")
        root = lxml_html.document_fromstring(data, parser=_HTML_PARSER)
    except etree.ParserError:  # why: lxml refuses documents with no element at all
        return "", False
    for unseen in root.xpath("//head|//style|//script|//title|//template"):
        unseen.drop_tree()
    marker = next((el for el in root.iter() if _is_marker(el)), None)
    if marker is not None:
        _cut_from(marker)
    return _rendered(root), marker is not None


def _is_marker(element: etree._Element) -> bool:
    if not isinstance(element.tag, str):
        return False
    if element.tag == "blockquote":
        return True
    return any(pattern.search(element.get(name) or "") for name, pattern in _MARKERS)


def _cut_from(element: etree._Element) -> None:
    """Remove `element` and everything after it in document order."""
    node = element
    while (parent := node.getparent()) is not None:
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node = parent
    if (parent := element.getparent()) is not None:
        parent.remove(element)


def _rendered(root: etree._Element) -> str:
    """Return the text a reader sees: blocks on their own lines, HTML spacing collapsed."""
    out: list[str] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            _emit(out, "\n" if tag == "br" else SOFT_BREAK if tag in _BLOCKS else "")
            _emit(out, f"{RULE}\n" if tag == "hr" else "")
            _emit(out, _spaced(element.text) if tag else "")
        else:
            _emit(out, SOFT_BREAK if tag in _BLOCKS and tag != "br" else "")
            _emit(out, _spaced(element.tail) if element is not root else "")
    lines = [line.strip() for line in "".join(out)[:MAX_TEXT].split("\n")]
    return "\n".join(lines)


def _emit(out: list[str], piece: str) -> None:
    """Append `piece`; a soft break (block edge) or blank text adds nothing at a line start,
    as in a browser, where "<div>a<br></div><div>b</div>" shows no empty line."""
    at_line_start = not out or out[-1].endswith("\n")
    if piece == SOFT_BREAK:
        piece = "" if at_line_start else "\n"
    elif at_line_start and not piece.strip():
        piece = ""
    if piece:
        out.append(piece)


def _spaced(text: str | None) -> str:
    return re.sub(r"[ \t\r\n\f]+", " ", text) if text else ""
