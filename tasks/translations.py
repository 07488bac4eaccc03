"""The product's words in every language it writes: gettext catalogs in
`locale/<language>/LC_MESSAGES/messages.po`, read at run time (no compiled files to keep
in step), and the Jinja2 i18n extension wired to them.

English is the source language: its words are the catalogs' message ids, so it needs no
catalog. A fuzzy entry counts as missing (the English text is used) and a test fails on
it, as on any message without a translation.
"""

from __future__ import annotations

from functools import cache, lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
SOURCE_LANGUAGE = "en"


def catalog_path(language: str) -> Path:
    """Return where the catalog of `language` lives (whether or not it exists)."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> NullTranslations:
    """Return the translations of `language`: its catalog compiled in memory, or none
    (the English source text) for English and for a language without a catalog."""
    path = catalog_path(language)
    if language == SOURCE_LANGUAGE or not path.is_file():
        return NullTranslations()
    with path.open("rb") as file:
        catalog = read_po(file, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(language: str, message: str) -> str:
    """Return `message` in `language` (the English text where there is no translation)."""
    return translations(language).gettext(message)


def ngettext(language: str, singular: str, plural: str, count: int) -> str:
    """Return the form of `singular`/`plural` that `count` takes in `language`."""
    return translations(language).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Return `message` as it is: marks an English message written in code (a label, a
    notice) for `make catalogs` (one of pybabel's default keywords); whoever shows it
    translates it then, with `gettext`."""
    return message


@lru_cache(maxsize=256)  # asked once a message; parsing the locale each time cost 30 µs
def direction(language: str) -> str:
    """Return "rtl" for a language written right to left (Arabic), else "ltr"."""
    return "rtl" if Locale.parse(language).text_direction == "rtl" else "ltr"


@pass_context
def _gettext(context: Context, message: str) -> str:
    return gettext(context["language"], message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return ngettext(context["language"], singular, plural, count)


@pass_context
def _pgettext(context: Context, message_context: str, message: str) -> str:
    return str(translations(context["language"]).pgettext(message_context, message))


def install_translations(env: Environment) -> Environment:
    """Add Jinja2's i18n extension to `env`, translating into each render's `language`
    variable; `{% trans %}` blocks are trimmed (their line breaks are layout, not text)
    and placeholders are written `%(name)s`, escaped in HTML (new-style gettext)."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext
    )
    return env
