"""What a country code tells us: its name, the language to write in, its time zone (CLDR data)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel import Locale
from babel.core import get_global

SUPPORTED_LANGUAGES = ("fr", "en", "es")
FALLBACK_LANGUAGE = "en"
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
