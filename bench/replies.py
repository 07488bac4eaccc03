"""Measures `tasks.mail.replies` on every corpus of real replies with an expected text.

Run `.venv/bin/python -m bench.replies [-v]`: per corpus, how many fixtures, how many
give the published expected text (whitespace-normalised), how many published
expectations differ from our specification (`SPEC_DIFFERENCES`: judged by our text
instead, counted apart), and the share with those set aside; -v lists the misses.
Corpora, as `scripts/corpora.sh` downloads them into .corpora/ from the package
registries: talon 1.4.4 (PyPI, Apache-2.0), email-reply-parser 1.4.2 (npm, Crisp,
MIT), parse-reply 0.0.4 (npm, MIT), planer 1.2.0 (npm, MIT; only for `WRITTEN`), and this
project's fixtures in tests/mail/replies/.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from tasks.mail.replies import _html_reply, reply_text, stripped

REPO = Path(__file__).resolve().parent.parent
CORPORA = Path(os.environ.get("CONTINUITY_CORPORA", REPO / ".corpora"))  # scripts/corpora.sh
CORPUS = CORPORA / "talon-1.4.4" / "tests"
CRISP = CORPORA / "npm-email-reply-parser" / "package" / "test"
PARSE_REPLY = CORPORA / "npm-parse-reply" / "package" / "test" / "files"
PLANER = CORPORA / "npm-planer" / "package" / "test" / "examples" / "html"
OWN = REPO / "tests" / "mail" / "replies"
HTML_EXPECTED = "Hi. I am fine.\n\nThanks,\nAlex"
Case = tuple[str, Callable[[], str], str]  # name, how to get our text, expected text

# Published expectations our specification does not share: the text we expect instead
# (what the partner typed, sign-off included, without client signatures and history).
_RIAK = "What is the best way to clear a Riak bucket of all key, values after running a test?"
SPEC_DIFFERENCES: dict[str, tuple[str, str]] = {
    "talon/iphone.eml": ("Hello", "talon keeps 'Sent from my iPhone'"),
    "talon/sparrow.eml": ("Hello", "talon keeps the client's 'Sent with Sparrow'"),
    "talon/reply-separated-by-hr.html": (
        "Hi there\nBob",
        "talon drops 'Bob', typed above the rule, with the rule's block",
    ),
    "talon/test_dont_parse_quotations_for_forwarded_messages": (
        "FYI",
        "talon keeps a forwarded message, history the sender did not type",
    ),
    "crisp/email_with_regards": (
        "Hi,\n\nI still have the same problem....\n\nCan you help?\n\nRegards,\n\n"
        "John Doe\nCEO @ Acme !",
        "Crisp drops the sign-off the person typed",
    ),
    "parse-reply/negative": (
        "This is a sample body for the input.\n\nBlimey: this line should remain in output.",
        "parse-reply keeps a final '>' quote, which is quoted history",
    ),
}


# Real fixtures whose package states no full expected text: the text their recipient
# sees, written here from reading them (None: the whole text, which quotes nothing).
_BULLETS = (
    "test 2 this should list second\n\nand have spaces\n\nand retain this formatting\n\n"
    "- how about bullets\n- and another"
)
WRITTEN: dict[str, str | None] = {
    "crisp/email_2_1": "Outlook with a reply",
    "crisp/email_4": "Awesome! I haven't had another problem with it.",
    "crisp/email_5": None,
    "crisp/email_6": "I get proper rendering as well.\n\nSent a magnificent torch of pixels",
    "crisp/email_19": "On Thursday, I get proper rendering.",
    "crisp/email_20": "On Thursday.",
    "crisp/email_21": None,
    "crisp/email_blackberry": "Here is another email",
    "crisp/email_bullets": _BULLETS,
    "crisp/email_custom_quote_header": "Thank you!",
    "crisp/email_customer_quote_header_2": "Thank you very much.",
    "crisp/email_customer_quote_header_3": (
        "bonjour,\nje n'ai pas eu de retour sur ma précision..\nmerci d'avance"
    ),
    "crisp/email_iphone": "Here is another email",
    "crisp/email_multi_word_sent_from_my_mobile_device": "Here is another email",
    "crisp/email_one_is_not_on": (
        "Thank, this is really helpful.\n\nOne outstanding question I had:\n\n"
        "Locally (on development), when I run..."
    ),
    "crisp/email_sent_from_my_not_signature": (
        "Here is another email\n\nSent from my desk, is much easier then my mobile phone."
    ),
    "crisp/email_thread": "This is new email reply in thread from bellow.",
    "crisp/email_unquoted_reply": "This is my reply.",
    "crisp/correct_sig": "this is an email with a correct -- signature.",
    "crisp/sig_no_empty_line": "this is an email with a signature with no empty line above.",
    "planer/office-365.html": (
        "Hey Ms. Dolphin --\n\nIt has been so great to chat with you these past few days.\n\n"
        "I really hope that you're doing well!\n\nGreat. Bye!\n\nCheers,\nMr. Cat"
    ),
    "planer/microsoft-namespaces.html": (
        "Hi John - Lorem ipsum dolor sit amet, dignissim voluptas, eget integer amet felis"
        " ultricies.\n\nSapien laoreet nulla ipsum diam vel venenatis, nonummy ut elit.\n\n"
        "James Public, Lever Manager\n46 1037898th Street, City, ST 12345\n"
        "P: 800-555-1234 x456 | C: 818-555-4321 | F: 800-123-4567\n"
        "www.Example.com | Help Center | Live Chat"
    ),
}


def normalised(text: str) -> str:
    """Return `text` with every run of whitespace (NBSP included) as one space."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def mail(path: Path) -> EmailMessage:
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def from_mail(path: Path) -> Callable[[], str]:
    return lambda: reply_text(mail(path))


def from_html(path: Path) -> Callable[[], str]:
    return lambda: _html_reply(path.read_text("utf-8"))[0]


def from_text(text: str) -> Callable[[], str]:
    return lambda: stripped(text)


def talon_files() -> Iterator[Case]:
    fixtures = CORPUS / "fixtures"
    for path in sorted((fixtures / "standard_replies").glob("*.eml")):
        expected = path.with_name(path.stem + "_reply_text")
        text = expected.read_text().strip() if expected.exists() else "Hello"
        yield f"talon/{path.name}", from_mail(path), text
    for path in sorted((fixtures / "html_replies").glob("*.html")):
        yield f"talon/{path.name}", from_html(path), HTML_EXPECTED
    for name, text in (
        ("OLK_SRC_BODY_SECTION.html", "Reply"),
        ("reply-separated-by-hr.html", "Hi there"),
    ):
        yield f"talon/{name}", from_html(fixtures / name), text


class _Probe:
    """What the stand-in for talon's extract_from_plain returns: the text it was given."""

    def __init__(self, text: str) -> None:
        self.text = text


def talon_inline() -> Iterator[Case]:
    """Yield every eq_(expected, extract_from_plain(body)) of talon's plain-text tests,
    found by running them against stand-ins; tests of talon's own limits (decorated with
    a patch) and of its internals are left out."""
    found: list[tuple[str, str]] = []

    def eq_(first: Any, second: Any, *_: Any) -> None:
        if isinstance(second, _Probe) and isinstance(first, str):
            found.append((second.text, first))

    quotations = type("quotations", (), {"extract_from_plain": staticmethod(_Probe)})
    six = type("six", (), {"text_type": str})
    tree = ast.parse((CORPUS / "text_quotations_test.py").read_text("utf-8"))
    tree.body = [
        node
        for node in tree.body
        if not isinstance(node, ast.Import | ast.ImportFrom)
        and not (isinstance(node, ast.FunctionDef) and node.decorator_list)
    ]
    names: dict[str, Any] = {"eq_": eq_, "quotations": quotations, "six": six}
    exec(
        compile(tree, "text_quotations_test.py", "exec"), names
    )  # why: to read talon's cases as it runs them
    for function in tree.body:
        if not isinstance(function, ast.FunctionDef) or not function.name.startswith("test"):
            continue
        found.clear()
        try:
            names[function.name]()
        except Exception:  # why: tests of talon's internals need what the stand-in lacks
            continue
        for index, (body, expected) in enumerate(found):
            name = function.name + (f"#{index + 1}" if index else "")
            yield f"talon/{name}", from_text(body), expected


def _js_string(literal: str) -> str:
    return str(json.loads(f'"{literal}"'))


def crisp() -> Iterator[Case]:
    """Yield the fixtures of Crisp's email-reply-parser whose test states the new text:
    the first fragment (equal to a literal or to COMMON_FIRST_FRAGMENT) or the visible
    text; tests that only count fragments or match a prefix are left out."""
    source = (CRISP / "test.js").read_text("utf-8")
    common = re.search(r"COMMON_FIRST_FRAGMENT = '(.*?)';", source, re.DOTALL)
    first = _js_string(common.group(1).replace("\\\n", "")) if common else ""
    for block in source.split("exports.")[1:]:
        name = re.search(r'get_email\("([^"]+)"\)', block)
        if name is None or ("reply.fragments" in block and "reply = get_email" not in block):
            continue  # why: one test reads `reply`, the previous test's mail
        literal = re.search(
            r'test\.equal\("((?:[^"\\]|\\.)*)", (?:reply\.)?fragments\[0\]\.toString\(\)\)'
            r'|test\.equal\(email\.getVisibleText\(\), "((?:[^"\\]|\\.)*)"\)',
            block,
        )
        if "equal(COMMON_FIRST_FRAGMENT, fragments[0]" in block:
            expected = first
        elif literal is not None:
            expected = _js_string(literal.group(1) or literal.group(2) or "")
        else:
            continue
        path = CRISP / "fixtures" / f"{name.group(1)}.txt"
        yield f"crisp/{name.group(1)}", from_text(path.read_text("utf-8")), expected


def written() -> Iterator[Case]:
    """Yield the real fixtures of `WRITTEN`, with the text written here."""
    for name, expected in WRITTEN.items():
        source, stem = name.split("/")
        if source == "planer":
            path = PLANER / stem
            yield name, from_html(path), expected or path.read_text("utf-8")
        else:
            path = CRISP / "fixtures" / f"{stem}.txt"
            text = path.read_text("utf-8")
            yield name, from_text(text), text if expected is None else expected


def parse_reply() -> Iterator[Case]:
    for path in sorted(PARSE_REPLY.glob("*.input.txt")):
        stem = path.name.removesuffix(".input.txt")
        expected = path.with_name(f"{stem}.output.txt").read_text("utf-8")
        yield f"parse-reply/{stem}", from_text(path.read_text("utf-8")), expected


def own() -> Iterator[Case]:
    for expected in sorted(OWN.glob("*.expected")):
        text = expected.read_text("utf-8")
        for source in sorted(OWN.glob(expected.stem + ".*")):
            if source.suffix == ".eml":
                yield source.name, from_mail(source), text
            elif source.suffix == ".txt":
                yield source.name, from_text(source.read_text("utf-8")), text
            elif source.suffix == ".html":
                yield source.name, from_html(source), text


def measure(name: str, cases: list[Case], verbose: bool) -> tuple[int, int]:
    """Print the corpus's figures; return (cases judged by their published text, matches)."""
    started = time.perf_counter()
    misses, spec, spec_kept = [], 0, 0
    for case_name, run, published in cases:
        got = run()
        ours, _ = SPEC_DIFFERENCES.get(case_name, (published, ""))
        spec += case_name in SPEC_DIFFERENCES
        if normalised(got) != normalised(ours):
            misses.append((case_name, ours, got))
        elif case_name in SPEC_DIFFERENCES:
            spec_kept += 1
    elapsed = time.perf_counter() - started
    judged = len(cases) - spec
    matches = judged - (len(misses) - (spec - spec_kept))
    share = matches / judged if judged else 0.0
    print(
        f"{name}: {len(cases)} fixtures, {matches}/{judged} exact ({share:.0%}) with "
        f"{spec} spec differences set aside ({spec_kept} of them match our spec), {elapsed:.2f} s"
    )
    for case_name, expected, got in misses if verbose else []:
        note = SPEC_DIFFERENCES.get(case_name, ("", ""))[1]
        print(
            f"  MISS {case_name}{f' [spec: {note}]' if note else ''}\n"
            f"    expected {normalised(expected)[:200]!r}\n    got      {normalised(got)[:200]!r}"
        )
    return judged, matches


def main() -> None:
    verbose = "-v" in sys.argv
    corpora = [
        ("talon fixtures", CORPUS, talon_files),
        ("talon inline plain cases", CORPUS, talon_inline),
        ("crisp email-reply-parser", CRISP, crisp),
        ("parse-reply", PARSE_REPLY, parse_reply),
        ("crisp and planer, expected texts written here", CRISP, written),
    ]
    totals = [0, 0]
    for name, root, cases in corpora:
        if root.exists():
            judged, matches = measure(name, list(cases()), verbose)
            totals = [totals[0] + judged, totals[1] + matches]
    if totals[0]:
        print(f"all real corpora: {totals[1]}/{totals[0]} ({totals[1] / totals[0]:.0%})")
    measure("own fixtures (tests/mail/replies)", list(own()), verbose)


if __name__ == "__main__":
    main()
