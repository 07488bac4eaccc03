from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from tasks.countries import CAPITAL_ZONES, country, supported_language


@pytest.mark.parametrize(
    ("code", "name", "language", "zone"),
    [
        ("SEN", "Senegal", "fr", "Africa/Dakar"),
        ("CMR", "Cameroon", "fr", "Africa/Douala"),
        ("COL", "Colombia", "es", "America/Bogota"),
        ("KEN", "Kenya", "en", "Africa/Nairobi"),
        ("COD", "Congo - Kinshasa", "fr", "Africa/Kinshasa"),
        ("BGD", "Bangladesh", "en", "Asia/Dhaka"),
        ("sen", "Senegal", "fr", "Africa/Dakar"),
    ],
)
def test_it_derives_language_and_time_zone_from_the_country(
    code: str, name: str, language: str, zone: str
) -> None:
    found = country(code)
    assert found is not None
    assert (found.name, found.language, found.time_zone) == (name, language, zone)


@pytest.mark.parametrize("code", ["XYZ", "", "SE", "SENE", "../", "123", "ZZZ", "QUU", "XAA"])
def test_it_knows_no_made_up_country(code: str) -> None:
    assert country(code) is None


def test_every_capital_zone_exists() -> None:
    for zone in CAPITAL_ZONES.values():
        ZoneInfo(zone)


@pytest.mark.parametrize(
    ("requested", "expected"),
    [("fr", "fr"), ("es-CO", "es"), ("EN_us", "en"), ("pt", "en"), (None, "en"), ("", "en")],
)
def test_it_falls_back_to_a_language_we_write_in(requested: str | None, expected: str) -> None:
    assert supported_language(requested) == expected
