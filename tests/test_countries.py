from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tasks.countries import (
    CAPITAL_ZONES,
    WORKSPACES_FILE,
    WorkspaceError,
    Workspaces,
    country,
    parse_country_codes,
    shipped_workspaces,
    supported_language,
)


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
        ("YEM", "Yemen", "ar", "Asia/Aden"),
        ("EGY", "Egypt", "ar", "Africa/Cairo"),
        ("MOZ", "Mozambique", "pt", "Africa/Maputo"),
        ("AGO", "Angola", "pt", "Africa/Luanda"),
        ("KAZ", "Kazakhstan", "ru", "Asia/Almaty"),
        ("KGZ", "Kyrgyzstan", "ru", "Asia/Bishkek"),
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
    [
        ("fr", "fr"),
        ("es-CO", "es"),
        ("EN_us", "en"),
        ("pt-BR", "pt"),
        ("ar_YE", "ar"),
        ("de", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_it_falls_back_to_a_language_we_write_in(requested: str | None, expected: str) -> None:
    assert supported_language(requested) == expected


def test_the_shipped_mapping_names_the_workspaces_etools_sources_show() -> None:
    codes = shipped_workspaces(WORKSPACES_FILE)
    assert codes["PHI"] == "PHL"
    assert codes["LEB"] == codes["LEBA"] == "LBN"


def test_no_shipped_workspace_code_reroutes_an_iso_country() -> None:
    for code, alpha3 in shipped_workspaces(WORKSPACES_FILE).items():
        assert country(code) is None, f"{code} is an ISO alpha-3 code itself"
        assert country(alpha3) is not None


def test_a_code_resolves_from_the_command_line_then_the_file_then_iso(tmp_path: Path) -> None:
    mapping = tmp_path / "workspaces.toml"
    mapping.write_text('[codes]\nPHI = "PHL"\nSEN = "GMB"\nXYZW = "KEN"\n')
    workspaces = Workspaces.load({"phi": "idn"}, path=mapping)
    assert workspaces.known("PHI").alpha3 == "IDN"  # the command line first
    assert workspaces.known("SEN").alpha3 == "GMB"  # then the file, even over ISO
    assert workspaces.known("xyzw").alpha3 == "KEN"
    assert workspaces.known("COL").alpha3 == "COL"  # then ISO alpha-3 itself
    assert workspaces.known("ATLANTIS") is None
    assert workspaces.known("") is None


def test_the_office_country_covers_blank_and_unknown_codes_only() -> None:
    workspaces = Workspaces.load(country="phl")
    assert workspaces.resolve("").alpha3 == "PHL"
    assert workspaces.resolve("ZZZQ").alpha3 == "PHL"
    assert workspaces.resolve("SEN").alpha3 == "SEN"


def test_the_file_name_code_is_a_hint_for_blank_codes_when_it_resolves() -> None:
    workspaces = Workspaces.load()
    named = workspaces.for_file(Path("PD_budget_as_of_2024_05_01_PHI.csv"))
    assert named.resolve("").alpha3 == "PHL"
    assert named.resolve("ZZZQ") is None
    assert workspaces.for_file(Path("PD_budget_as_of_2024_05_01_ZZZQ.csv")).hint is None
    # Only eTools' own naming counts: "export_fin.csv" is no hint of Finland.
    assert workspaces.for_file(Path("export_fin.csv")).hint is None


def test_it_reads_command_line_codes() -> None:
    assert parse_country_codes([" phi = phl ", "LEBA=LBN", "PHI=PHL"]) == {
        "PHI": "PHL",
        "LEBA": "LBN",
    }


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("PHI", "must read CODE=ISO3"),
        ("PHI:PHL", "must read CODE=ISO3"),
        ("=PHL", "use --country ISO3"),
        ("PHI=", "not an ISO 3166 alpha-3"),
        ("PHI=XXX", "'XXX' is not an ISO 3166 alpha-3"),
        ("PHI=PHILIPPINES", "not an ISO 3166 alpha-3"),
        ("ABCDEFGHIJK=PHL", "1 to 10 letters"),
        ("PH I=PHL", "1 to 10 letters"),
        ("PHI\x00=PHL", "1 to 10 letters"),
        ("../x=PHL", "1 to 10 letters"),
        ("P" * 10_000 + "=PHL", "10004 characters long, at most 32"),
    ],
)
def test_a_bad_command_line_code_is_refused_clearly(value: str, fragment: str) -> None:
    with pytest.raises(WorkspaceError) as raised:
        parse_country_codes([value])
    assert fragment in str(raised.value)
    assert len(str(raised.value)) < 200


def test_one_code_cannot_have_two_countries_nor_the_options_be_endless() -> None:
    with pytest.raises(WorkspaceError, match="given two countries"):
        parse_country_codes(["PHI=PHL", "PHI=IDN"])
    with pytest.raises(WorkspaceError, match="at most 300"):
        parse_country_codes([f"C{n}=PHL" for n in range(301)])


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[codes\n", "cannot be read"),
        ('codes = ["PHI"]\n', "must be a table"),
        ('[codes]\nPHI = "PHILIPPINES"\n', "not an ISO 3166 alpha-3"),
        ('[codes]\n"P I" = "PHL"\n', "1 to 10 letters"),
    ],
)
def test_a_broken_mapping_file_is_named(tmp_path: Path, text: str, fragment: str) -> None:
    mapping = tmp_path / "workspaces.toml"
    mapping.write_text(text)
    with pytest.raises(WorkspaceError) as raised:
        Workspaces.load(path=mapping)
    assert str(raised.value).startswith(f"{mapping}: ")
    assert fragment in str(raised.value)
