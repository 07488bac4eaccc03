"""What a country code tells us: its name, the language to write in, its time zone (CLDR data);
and which country an eTools workspace code (a reference number's prefix) stands for."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Literal, get_args

from babel import Locale
from babel.core import get_global

WORKSPACES_FILE = Path(__file__).resolve().parent.parent / "config" / "etools-workspaces.toml"
MAX_COUNTRY_CODES = 300
# The languages the product writes in (templates, pages, staff texts), as forms take one.
Language = Literal["fr", "en", "es", "ar", "pt", "ru"]
SUPPORTED_LANGUAGES: tuple[str, ...] = get_args(Language)
FALLBACK_LANGUAGE: Language = "en"
FALLBACK_TIME_ZONE = "UTC"

# CLDR lists a territory's zones in no useful order; where there are several, country
# offices work in the capital's.
CAPITAL_ZONES = {
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "CD": "Africa/Kinshasa",
    "CL": "America/Santiago",
    "CY": "Asia/Nicosia",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "FM": "Pacific/Pohnpei",
    "ID": "Asia/Jakarta",
    "KI": "Pacific/Tarawa",
    "KZ": "Asia/Almaty",
    "MH": "Pacific/Majuro",
    "MN": "Asia/Ulaanbaatar",
    "MX": "America/Mexico_City",
    "MY": "Asia/Kuala_Lumpur",
    "PF": "Pacific/Tahiti",
    "PS": "Asia/Hebron",
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "US": "America/New_York",
    "UZ": "Asia/Tashkent",
}


@dataclass(frozen=True)
class Country:
    alpha3: str
    alpha2: str
    name: str
    language: str
    time_zone: str


@cache
def country(alpha3: str) -> Country | None:
    """Return the country for an ISO 3166 alpha-3 code, or None when the code is unknown.

    The language is the most widely spoken official one among those we write in
    (Cameroon gives French, Belize English), else the fallback language; the time zone is
    the capital's (or the only one CLDR lists).
    """
    code = alpha3.strip().upper()
    aliases = get_global("territory_aliases").get(code)
    if len(code) != 3 or not aliases:
        return None
    alpha2 = aliases[0]
    name = Locale("en").territories.get(alpha2)
    zones = get_global("territory_zones").get(alpha2)
    # Private-use and grouping codes (ZZZ "unknown", XAA…, QUU "EU") have no zones of
    # their own, bar ZZ: none of them is a country.
    if name is None or not zones or alpha2 == "ZZ":
        return None
    zone = CAPITAL_ZONES.get(alpha2, zones[0])
    return Country(code, alpha2, name, official_language(alpha2), zone)


# CLDR keeps retired codes as aliases of today's countries (Burma, Zaire, East Germany,
# metropolitan France, East Timor, South Yemen): never the one a country is known by now.
RETIRED_ALPHA3 = frozenset({"BUR", "ZAR", "DDR", "FXX", "TMP", "YMD"})


@cache
def _alpha3_by_alpha2() -> dict[str, str]:
    return {
        aliases[0]: code
        for code, aliases in get_global("territory_aliases").items()
        if len(code) == 3 and code.isalpha() and len(aliases) == 1 and code not in RETIRED_ALPHA3
    }


def country_by_code(value: str) -> Country | None:
    """Return the country of an ISO 3166 alpha-2 or alpha-3 code in any case (`ye`,
    `YEM`), with today's alpha-3 code (`YMD`, South Yemen's, gives Yemen's `YEM`); None
    when it is neither."""
    code = value.strip().upper()
    if len(code) not in (2, 3) or not code.isascii() or not code.isalpha():
        return None
    found = country(_alpha3_by_alpha2().get(code, "")) if len(code) == 2 else country(code)
    if found is None:
        return None
    current = _alpha3_by_alpha2().get(found.alpha2, found.alpha3)
    return found if current == found.alpha3 else country(current)


def official_language(alpha2: str) -> str:
    """Return the supported language with official status most spoken in the territory."""
    spoken = get_global("territory_languages").get(alpha2, {})
    candidates = [
        (info.get("population_percent", 0.0), language)
        for language, info in spoken.items()
        if language in SUPPORTED_LANGUAGES and info.get("official_status")
    ]
    return max(candidates)[1] if candidates else FALLBACK_LANGUAGE


def supported_language(requested: str | None) -> str:
    """Return `requested` reduced to a supported language code, else the fallback."""
    if not requested:
        return FALLBACK_LANGUAGE
    base = requested.strip().lower().replace("_", "-").split("-")[0]
    return base if base in SUPPORTED_LANGUAGES else FALLBACK_LANGUAGE


_WORKSPACE_CODE = re.compile(r"[A-Z0-9_-]{1,10}")
# eTools names its programme document export PD_budget_as_of_YYYY_MM_DD_<code>.csv.
_ETOOLS_FILE_NAME = re.compile(r"_as_of_\d{4}_\d{2}_\d{2}_([A-Za-z0-9_-]{1,10})\.[A-Za-z]{3}")


class WorkspaceError(ValueError):
    """A workspace code or country given to the import is unusable; the message says why."""


@dataclass(frozen=True)
class Workspaces:
    """Which country each eTools workspace code stands for.

    `codes` holds the mapping file's entries overridden by the command line's; `country`
    is the one given for an export from one office (rows with a blank or unknown code);
    `hint` the country the file name's code resolves to (rows with a blank code).
    """

    codes: Mapping[str, str] = field(default_factory=dict)
    country: str | None = None
    hint: str | None = None
    source: Path = WORKSPACES_FILE

    @classmethod
    def load(
        cls,
        given: Mapping[str, str] | None = None,
        country: str | None = None,
        path: Path = WORKSPACES_FILE,
    ) -> Workspaces:
        """Return the mapping file's codes overridden by `given` (CODE → ISO3), with
        `country` for rows whose code is blank or unknown. Raises `WorkspaceError` when the
        file or a value is unusable."""
        codes = {
            **shipped_workspaces(path),
            **{k.upper(): v.upper() for k, v in (given or {}).items()},
        }
        return cls(codes, checked_country(country) if country else None, None, path)

    def known(self, code: str) -> Country | None:
        """Return the country of a workspace code: the command line's or the mapping
        file's entry, else the ISO 3166 alpha-3 code itself; None when neither knows it."""
        code = code.strip().upper()
        # Anything else cannot be a workspace code; kept out of `country`'s cache too.
        if not _WORKSPACE_CODE.fullmatch(code):
            return None
        return country(self.codes.get(code, code))

    def resolve(self, code: str) -> Country | None:
        """Return the country of a row whose reference number starts with `code`: the
        code's own, else `--country`, else (for a blank code) the file name's; None when
        there is none."""
        found = self.known(code)
        if found is None and self.country:
            found = country(self.country)
        if found is None and not code.strip() and self.hint:
            found = country(self.hint)
        return found

    def for_file(self, path: Path) -> Workspaces:
        """Return these workspaces with the hint of `path`'s name (eTools names an export
        `PD_budget_as_of_YYYY_MM_DD_<code>.csv`) when that code resolves; unchanged else."""
        named = file_name_code(path.name)
        found = self.known(named) if named else None
        return replace(self, hint=found.alpha3) if found else self


@cache
def shipped_workspaces(path: Path = WORKSPACES_FILE) -> dict[str, str]:
    """Return the workspace codes of the mapping file (upper case → ISO alpha-3). Raises
    `WorkspaceError` naming the file and the entry when one is unusable; an absent file
    means no entries."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise WorkspaceError(f"{path}: cannot be read: {error}") from None
    codes = data.get("codes", {})
    if not isinstance(codes, dict):
        raise WorkspaceError(f'{path}: [codes] must be a table of CODE = "ISO3" entries')
    try:
        return dict(_checked_entry(str(code), str(value)) for code, value in codes.items())
    except WorkspaceError as error:
        raise WorkspaceError(f"{path}: {error}") from None


def parse_country_codes(values: Iterable[str]) -> dict[str, str]:
    """Return the `CODE=ISO3` values of `--country-code` as a mapping (code in upper case).

    Raises `WorkspaceError` for a malformed or oversized value, a code that cannot be a
    workspace code (1 to 10 letters, digits, '-' or '_'; blank means `--country`), an
    unknown country, one code given two countries, or more than MAX_COUNTRY_CODES values.
    """
    found: dict[str, str] = {}
    for number, value in enumerate(values, start=1):
        if number > MAX_COUNTRY_CODES:
            raise WorkspaceError(f"at most {MAX_COUNTRY_CODES} --country-code values")
        if len(value) > 32:
            raise WorkspaceError(f"{_shown(value)} is {len(value)} characters long, at most 32")
        code, equals, alpha3 = value.partition("=")
        if not equals:
            raise WorkspaceError(f"{_shown(value)} must read CODE=ISO3, e.g. PHI=PHL")
        code, alpha3 = _checked_entry(code.strip(), alpha3.strip())
        if found.get(code, alpha3) != alpha3:
            raise WorkspaceError(f"workspace code {code} is given two countries")
        found[code] = alpha3
    return found


def workspace_code(value: str) -> str:
    """Return `value` as a workspace code in upper case; raise `WorkspaceError` unless it
    is 1 to 10 letters, digits, '-' or '_'."""
    code = value.strip().upper()
    if not _WORKSPACE_CODE.fullmatch(code):
        raise WorkspaceError(
            f"workspace code {_shown(value)} must be 1 to 10 letters, digits, '-' or '_'"
        )
    return code


def file_name_code(name: str) -> str | None:
    """Return, in upper case, the workspace code ending an eTools export's file name
    (`PD_budget_as_of_2024_05_01_PHI.csv`), or None when the name does not end so."""
    found = _ETOOLS_FILE_NAME.search(name)
    return found.group(1).upper() if found else None


def checked_country(value: str) -> str:
    """Return `value` as an upper-case ISO 3166 alpha-3 code; raise `WorkspaceError`
    when it is none."""
    found = country(value) if len(value) <= 3 else None
    if found is None:
        raise WorkspaceError(f"{_shown(value)} is not an ISO 3166 alpha-3 country code (e.g. PHL)")
    return found.alpha3


def _checked_entry(code: str, alpha3: str) -> tuple[str, str]:
    if not code:
        raise WorkspaceError(
            "the workspace code is empty; for reference numbers with no code, use --country ISO3"
        )
    if not _WORKSPACE_CODE.fullmatch(code.upper()):
        raise WorkspaceError(
            f"workspace code {_shown(code)} must be 1 to 10 letters, digits, '-' or '_'"
        )
    return code.upper(), checked_country(alpha3)


def _shown(value: str) -> str:
    """Return `value` quoted for a message, cut to 40 characters (it may be hostile)."""
    return repr(value if len(value) <= 40 else value[:40] + "…")
