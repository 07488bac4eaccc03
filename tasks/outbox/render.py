"""Rendering e-mails from the Jinja2 templates in `templates/email/<kind>/`, one per part
for every language: their words come from the gettext catalogs (`tasks.translations`).

HTML is autoescaped and its CSS inlined; the plain-text part is a template of its own;
any undefined variable is an error that names the template and the line.
"""

from __future__ import annotations

import re
import tomllib
import traceback
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import css_inline
from babel.dates import format_date, format_time, get_datetime_format, get_timezone_name
from babel.numbers import format_currency, format_decimal
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from markupsafe import Markup, escape

from tasks.countries import FALLBACK_LANGUAGE, SUPPORTED_LANGUAGES, supported_language
from tasks.translations import direction, gettext, install_translations, ngettext

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PARTS = ("subject.txt", "body.html", "body.txt")
MAX_SUBJECT = 250
# A value in a subject is never shortened below this, so the fixed text of a template too
# long for any subject still fails the check instead of emptying every value.
MIN_SUBJECT_VALUE = 40
# Line breaks, tabs and other separators, with the spaces around them; no-break spaces,
# which Babel writes inside numbers and dates, are kept.
_LINE_BREAKS = re.compile(r" *[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+ *")
# Where the subject's values report their folded lengths, and the cap they are cut to.
_LENGTHS, _CAP = "_subject_value_lengths", "_subject_value_cap"
RLM = "\u200f"
# The line that opens a signature (RFC 3676), which clients find only as it is written.
SIGNATURE = "-- "
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


class RenderError(Exception):
    """A template could not be rendered; the message names the template and the line."""


@dataclass(frozen=True)
class RenderedEmail:
    language: str
    subject: str
    html: str
    text: str


def localized(texts: dict[str, str] | str | None, language: str) -> str:
    """Return the text in `language`, else in English, French or Spanish, else any."""
    if not texts:
        return ""
    if isinstance(texts, str):
        return texts
    for candidate in (language, FALLBACK_LANGUAGE, *SUPPORTED_LANGUAGES):
        if texts.get(candidate):
            return texts[candidate]
    return next(iter(texts.values()), "")


def one_line(text: str) -> str:
    """Return `text` with every line break, tab or Unicode line separator (and the spaces
    around it) folded into one space; other spaces are left as they are."""
    return _LINE_BREAKS.sub(" ", text)


def shortened(text: str, limit: int) -> str:
    """Return `text` if it has at most `limit` characters, else cut on the last word that
    fits and ended with an ellipsis (a single word longer than `limit` is cut inside)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut.strip():
        cut = cut[: cut.rstrip().rfind(" ")]
    return cut.rstrip(" ,;:-\u2013\u2014") + "…"


def paragraphs(text: str) -> list[str]:
    """Return the blank-line separated paragraphs of `text`, stripped."""
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]


def lines(text: str) -> Markup:
    """Return `text` escaped, each of its line breaks an HTML `<br>`: a line its writer
    broke (an address, a signature, a list typed by hand) stays broken in HTML."""
    return Markup("<br>\n").join(escape(line) for line in text.splitlines())


@pass_context
def _date(context: Context, value: date | datetime, format: str = "long") -> str:
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(context["time_zone"])).date()
    return format_date(value, format=format, locale=context["language"])


def local_datetime(value: datetime, time_zone: str, language: str) -> str:
    """Return e.g. "10 février 2027, 04:30 (heure de la Colombie)": the moment `value` on
    the clock of `time_zone`, as `language` writes it."""
    local = value.astimezone(ZoneInfo(time_zone))
    day = format_date(local, format="long", locale=language)
    clock = format_time(local, format="short", locale=language)
    # The locale's own joint ("{1}، {0}" in Arabic, no comma in Portuguese), as Babel's
    # format_datetime writes it.
    joint = str(get_datetime_format("long", locale=language)).replace("'", "")
    moment = joint.replace("{0}", clock).replace("{1}", day)
    return f"{moment} ({get_timezone_name(local, width='long', locale=language)})"


@pass_context
def _datetime(context: Context, value: datetime) -> str:
    """Return the moment `value` in the reader's language and time zone."""
    return local_datetime(value, context["time_zone"], context["language"])


@pass_context
def _number(context: Context, value: float) -> str:
    return format_decimal(value, locale=context["language"])


@pass_context
def _money(context: Context, value: float, currency: str) -> str:
    """Return e.g. "-12 000 FCFA" or "-$12,000.50" as the reader's locale writes it."""
    return format_currency(value, currency, locale=context["language"])


@pass_context
def _localized(context: Context, value: dict[str, str] | str | None) -> str:
    return localized(value, context["language"])


@cache
def environment(root: Path = TEMPLATES) -> Environment:
    env = Environment(
        loader=FileSystemLoader(root),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Templates do not change under a running process; checking each file's mtime
        # at every render cost a stat call per template per message.
        auto_reload=False,
    )
    env.filters.update(
        date=_date,
        datetime=_datetime,
        number=_number,
        money=_money,
        localized=_localized,
        paragraphs=paragraphs,
        lines=lines,
    )
    return install_translations(env)


@pass_context
def _subject_value(context: Context, value: Any) -> Any:
    """Return a value written into a subject as one line, cut to the render's cap: partner
    and import data (a title with a line break, three hundred characters long) must never
    make a subject invalid. A sentence the catalogs wrote is left as it is."""
    if not isinstance(value, str) or isinstance(value, _Sentence):
        return value
    folded, cap = one_line(value), context.get(_CAP)
    context[_LENGTHS].append(len(folded))
    return shortened(folded, cap) if cap else folded


class _Sentence(str):
    """A subject's translated sentence, its values already folded and cut."""


@pass_context
def _subject_gettext(context: Context, message: str, **values: Any) -> str:
    sentence = gettext(context["language"], message)
    return _Sentence(sentence % {name: _subject_value(context, v) for name, v in values.items()})


@pass_context
def _subject_ngettext(context: Context, singular: str, plural: str, num: int, **values: Any) -> str:
    """Return the form `num` takes, its values folded and cut as `_subject_gettext` does
    (`num` is a placeholder too, as in Jinja2's new-style gettext)."""
    sentence = ngettext(context["language"], singular, plural, num)
    values = {"num": num, **values}
    return _Sentence(sentence % {name: _subject_value(context, v) for name, v in values.items()})


@cache
def subject_environment(env: Environment) -> Environment:
    """Return `env` for subjects: every value written, by `{{ … }}` or as a `{% trans %}`
    variable (pluralized or not), goes through `_subject_value`; the template's own text
    is left as written."""
    overlay = env.overlay(finalize=_subject_value)
    overlay.globals = {
        **env.globals,
        "gettext": _subject_gettext,
        "_": _subject_gettext,
        "ngettext": _subject_ngettext,
    }
    return overlay


@cache
def page_environment() -> Environment:
    """Return the environment of web pages (the portal, the public pages): everything
    escaped, every variable required."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
    )
    env.filters["lines"] = lines
    return install_translations(env)


@cache
def page_strings(folder: str, language: str) -> dict[str, str]:
    """Return the texts of the pages in templates/`folder`, in `language`."""
    with (TEMPLATES / folder / "strings" / f"{language}.toml").open("rb") as file:
        return tomllib.load(file)


def template_language(wanted: str | None) -> str:
    """Return the language to write in: `wanted` if the product writes it, else English.
    Every kind has one template per part for all languages, so any supported one will do."""
    return supported_language(wanted)


def render_email(
    env: Environment, kind: str, language: str, context: dict[str, Any]
) -> RenderedEmail:
    """Return the message `kind` rendered in `language` with `context`.

    The values written into the subject are folded to one line and, when the subject
    would be too long, the longest are shortened on a word with an ellipsis. Raises
    `RenderError` naming template and line for any template problem, and for a subject
    the template itself makes empty, too long or multi-line (header injection).
    """
    values = {**context, "language": language, "direction": direction(language)}
    folder = f"email/{kind}"
    subject = _subject(env, f"{folder}/subject.txt", values)
    if not subject or len(subject) > MAX_SUBJECT or "\n" in subject or "\r" in subject:
        raise RenderError(
            f"{folder}/subject.txt: the subject must be one line of 1 to {MAX_SUBJECT}"
            f" characters, got {subject[:80]!r}"
        )
    values["subject_line"] = subject
    html = _INLINER.inline(_render(env, f"{folder}/body.html", values))
    text = _render(env, f"{folder}/body.txt", values)
    if values["direction"] == "rtl":
        text = right_to_left(text)
    return RenderedEmail(language, subject, html, text)


def right_to_left(text: str) -> str:
    """Return `text` with a right-to-left mark opening each line that has words (not the
    signature's opening line): a plain
    text part has no `dir`, and a client would otherwise lay out a line that starts with a
    name or a link in Latin letters left to right, its Arabic words and commas reordered."""
    return "\n".join(
        f"{RLM}{line}" if line.strip() and line != SIGNATURE else line for line in text.split("\n")
    )


def _subject(env: Environment, name: str, values: dict[str, Any]) -> str:
    """Return the subject template `name` rendered on one line, its values cut, longest
    first, until it fits `MAX_SUBJECT` or they reach `MIN_SUBJECT_VALUE`."""
    subject_env, cap = subject_environment(env), 0
    while True:
        lengths: list[int] = []
        subject = _render(subject_env, name, {**values, _LENGTHS: lengths, _CAP: cap}).strip()
        over = len(subject) - MAX_SUBJECT
        longest = min(max(lengths, default=0), cap) if cap else max(lengths, default=0)
        if over <= 0 or longest <= MIN_SUBJECT_VALUE:
            return subject
        cap = max(MIN_SUBJECT_VALUE, longest - over)


def _render(env: Environment, name: str, values: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(values)
    except TemplateSyntaxError as error:
        raise RenderError(f"{error.name or name}:{error.lineno}: {error.message}") from None
    except (TemplateError, TypeError, ValueError, KeyError, AttributeError) as error:
        raise RenderError(f"{_template_line(env, error, name)}: {error}") from None


def _template_line(env: Environment, error: Exception, name: str) -> str:
    """Return `template:line` of the innermost template frame of `error`'s traceback."""
    roots = [Path(root) for root in getattr(env.loader, "searchpath", [])]
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        for root in roots:
            if Path(frame.filename).is_relative_to(root):
                return f"{Path(frame.filename).relative_to(root)}:{frame.lineno}"
    return name
