"""Measures `tasks.mail.replies` on every corpus of real replies with an expected text.

Run `.venv/bin/python -m bench.replies [-v]`: per corpus, the share of fixtures whose
stripped text equals the expected one, whitespace-normalised; -v lists the misses.
Corpora: talon's fixtures (as published: talon keeps client signatures, we strip them),
talon's inline plain-text cases, and this project's fixtures in tests/mail/replies/.
"""

from __future__ import annotations

import ast
import re
import sys
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from tasks.mail.replies import _html_reply, reply_text, stripped

CORPUS = Path("/work/corpus/talon-1.4.4/tests")
OWN = Path(__file__).resolve().parent.parent / "tests" / "mail" / "replies"
HTML_EXPECTED = "Hi. I am fine.\n\nThanks,\nAlex"
Case = tuple[str, Callable[[], str], str]  # name, how to get our text, expected text


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
        yield path.name, from_mail(path), text
    htmls = sorted((fixtures / "html_replies").glob("*.html"))
    for path in htmls:
        yield path.name, from_html(path), HTML_EXPECTED
    for name, text in (
        ("OLK_SRC_BODY_SECTION.html", "Reply"),
        ("reply-separated-by-hr.html", "Hi there"),
    ):
        path = fixtures / name
        yield name, from_html(path), text


def talon_inline() -> Iterator[Case]:
    """Yield talon's tests of the form eq_("expected", extract_from_plain(msg_body))."""
    tree = ast.parse((CORPUS / "text_quotations_test.py").read_text("utf-8"))
    for function in (node for node in tree.body if isinstance(node, ast.FunctionDef)):
        bodies: dict[str, str] = {}
        for node in ast.walk(function):
            value = node.value if isinstance(node, ast.Assign) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                target = node.targets[0] if isinstance(node, ast.Assign) else None
                if isinstance(target, ast.Name):
                    bodies[target.id] = value.value
            case = _eq_case(node, bodies)
            if case:
                yield function.name, from_text(case[0]), case[1]


def _eq_case(node: ast.AST, bodies: dict[str, str]) -> tuple[str, str] | None:
    if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "eq_"):
        return None
    if len(node.args) < 2 or not isinstance(node.args[0], ast.Constant):
        return None
    call = node.args[1]
    if not (isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "extract_from_plain"):
        return None
    argument = call.args[0] if call.args else None
    if isinstance(argument, ast.Name) and argument.id in bodies:
        return bodies[argument.id], str(node.args[0].value)
    return None


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


def measure(name: str, cases: list[Case], verbose: bool) -> None:
    started = time.perf_counter()
    misses = [
        (case, got)
        for case, got in ((c, c[1]()) for c in cases)
        if normalised(got) != normalised(case[2])
    ]
    elapsed = time.perf_counter() - started
    share = 1 - len(misses) / len(cases) if cases else 0.0
    print(f"{name}: {len(cases) - len(misses)}/{len(cases)} exact ({share:.0%}), {elapsed:.2f} s")
    for (case_name, _, expected), got in misses if verbose else []:
        print(
            f"  MISS {case_name}\n    expected {normalised(expected)[:160]!r}"
            f"\n    got      {normalised(got)[:160]!r}"
        )


def main() -> None:
    verbose = "-v" in sys.argv
    if CORPUS.exists():
        measure("talon fixtures (published expectations)", list(talon_files()), verbose)
        measure("talon inline plain cases (published expectations)", list(talon_inline()), verbose)
    measure("own fixtures (tests/mail/replies)", list(own()), verbose)


if __name__ == "__main__":
    main()
