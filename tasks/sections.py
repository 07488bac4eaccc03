"""eTools section names in the reader's language. eTools writes a partnership's sections
in English ("Child Protection", "WASH"); the names UNICEF offices use are message ids of
the catalogs, so a French or Spanish text names them in its own language. A name not
listed here is shown as eTools wrote it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import reduce

from babel.lists import format_list

from tasks.translations import N_, gettext

SECTIONS: tuple[str, ...] = (
    N_("Education"),
    N_("Child Protection"),
    N_("Health"),
    N_("Nutrition"),
    N_("Health and Nutrition"),
    N_("WASH"),
    N_("Social Policy"),
    N_("Social Protection"),
    N_("Social Inclusion"),
    N_("HIV/AIDS"),
    N_("Early Childhood Development"),
    N_("Child Survival and Development"),
    N_("Communication for Development"),
    N_("Social and Behaviour Change"),
    N_("Gender"),
    N_("Gender Equality"),
    N_("Adolescent Development and Participation"),
    N_("Adolescent Development"),
    N_("Disability"),
    N_("Emergency"),
    N_("Planning, Monitoring and Evaluation"),
)
# Abbreviations and other spellings offices give the same sections.
ALIASES = {
    "C4D": "Communication for Development",
    "SBC": "Social and Behaviour Change",
    "ECD": "Early Childhood Development",
    "ADAP": "Adolescent Development and Participation",
    "CSD": "Child Survival and Development",
    "PME": "Planning, Monitoring and Evaluation",
    "PM&E": "Planning, Monitoring and Evaluation",
    "Water, Sanitation and Hygiene": "WASH",
    "HIV": "HIV/AIDS",
    "Emergencies": "Emergency",
    "Social and Behavior Change": "Social and Behaviour Change",
}
# Translators: adds one more section to a list of sections whose own names hold commas
# ("Education; Planning, Monitoring and Evaluation"): write the semicolon your language uses.
SEPARATED = N_("%(names)s; %(name)s")
_SPACES = re.compile(r"\s+")
_SLASH = re.compile(r"\s*/\s*")


def _key(name: str) -> str:
    """Return `name` as spellings of one section share it: case, spaces around a slash,
    runs of spaces and "&" for "and" aside."""
    folded = _SPACES.sub(" ", name.replace("&", " and ")).strip().casefold()
    return _SLASH.sub("/", folded)


_KNOWN = {_key(name): name for name in SECTIONS} | {
    _key(alias): name for alias, name in ALIASES.items()
}


def section_name(name: str, language: str) -> str:
    """Return the section `name` in `language`: a known section (in any spelling listed)
    as the catalog of `language` writes it, any other name as eTools wrote it."""
    known = _KNOWN.get(_key(name))
    return gettext(language, known) if known else name.strip()


def section_names(names: Iterable[str], language: str) -> list[str]:
    """Return the sections in `language`, each once, in eTools' order (blank names left
    out)."""
    return list(dict.fromkeys(section_name(name, language) for name in names if name.strip()))


def section_list(names: Iterable[str], language: str) -> str:
    """Return the sections as one list in `language` ("Éducation et Santé"), each once;
    separated by semicolons when a name holds a comma of its own, so that it reads as one
    item. Empty for no section."""
    shown = section_names(names, language)
    if not any("," in name or "،" in name for name in shown):
        return format_list(shown, locale=language) if shown else ""
    separated = gettext(language, SEPARATED)
    return reduce(lambda names, name: separated % {"names": names, "name": name}, shown)
