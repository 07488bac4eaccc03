from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.models import InterventionStatus
from tasks.countries import WORKSPACES_FILE, Workspaces
from tasks.etools.files import MAX_CELL_CHARS, MAX_PROBLEMS_KEPT, EtoolsFileError
from tasks.etools.members import StaffMember
from tasks.etools.rows import read_interventions, read_partners
from tests.exports import (
    INTERVENTION_HEADER,
    PARTNER_HEADER,
    SAMPLES,
    export_text,
    intervention,
    lebanon_rows,
    partner,
    philippines_rows,
    write_export,
)


def problems_of(call, path: Path) -> list[str]:
    with pytest.raises(EtoolsFileError) as raised:
        call(path)
    return [str(problem) for problem in raised.value.problems]


def test_it_reads_the_shipped_samples() -> None:
    partners = read_partners(SAMPLES / "partners.csv")
    interventions = read_interventions(SAMPLES / "interventions.csv")
    assert len(partners) == 12
    assert len(interventions) == 16
    first = interventions[0]
    assert first.reference_number == "SEN/PCA2021001/PD2021004"
    assert first.status is InterventionStatus.ENDED
    assert first.end_date == date(2024, 12, 31)
    assert first.country == "SEN"
    assert first.sections == ("Education", "Gender")
    assert first.focal_points == ("Aïssatou Sow", "Pierre Lemaire")


def test_it_finds_columns_by_name_in_any_order_and_ignores_extras(tmp_path: Path) -> None:
    header = ["Surprise", *reversed(INTERVENTION_HEADER)]
    path = write_export(tmp_path / "pd.csv", header, [intervention(Surprise="?")])
    (record,) = read_interventions(path)
    assert record.title == "Maintien des filles à l'école"


def test_it_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner()], bom=True)
    assert read_partners(path)[0].vendor_number == "2500900001"


def test_a_missing_required_column_is_named(tmp_path: Path) -> None:
    header = [name for name in PARTNER_HEADER if name != "Staff Members"]
    path = write_export(tmp_path / "p.csv", header, [partner()])
    assert problems_of(read_partners, path) == [
        f"{path}:1: Staff Members: required column is missing"
    ]


def test_an_empty_file_has_no_header(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"")
    assert problems_of(read_partners, path) == [f"{path}:1: -: no header row"]


def test_a_missing_file_is_reported_not_raised(tmp_path: Path) -> None:
    (problem,) = problems_of(read_partners, tmp_path / "absent.csv")
    assert "cannot read" in problem


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "Awa Ndiaye (awa@example.org), Marie-Thérèse N'Diaye (mt@example.org)",
            [("Awa Ndiaye", "awa@example.org"), ("Marie-Thérèse N'Diaye", "mt@example.org")],
        ),
        (
            "Fatou Sarr (Coordinatrice, Thiès) (FB.Sarr@Example.ORG)",
            [("Fatou Sarr", "fb.sarr@example.org", "Coordinatrice, Thiès")],
        ),
        (
            "Grace Achieng' Otieno (g@example.org), Peter Kamau",
            [("Grace Achieng' Otieno", "g@example.org"), ("Peter Kamau", None)],
        ),
        ("José (jose@example.org), José Bis (JOSE@example.org)", [("José", "jose@example.org")]),
        ("", []),
        (
            # Internationalised addresses are kept in Unicode, whichever form eTools holds.
            "Abdoulaye Diallo (a.diallo@xn--cole-kolda-96a.sn),"
            " Jean-Baptiste Ndiayé (Jean-Baptiste.Ndiayé@APEF.sn)",
            [
                ("Abdoulaye Diallo", "a.diallo@école-kolda.sn"),
                ("Jean-Baptiste Ndiayé", "jean-baptiste.ndiayé@apef.sn"),
            ],
        ),
        (
            "Diallo (a.diallo@école-kolda.sn), Diallo bis (A.Diallo@XN--COLE-KOLDA-96A.SN)",
            [("Diallo", "a.diallo@école-kolda.sn")],
        ),
    ],
)
def test_it_parses_staff_members(tmp_path: Path, cell: str, expected: list) -> None:
    path = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner(**{"Staff Members": cell})])
    (record,) = read_partners(path)
    assert record.staff == tuple(StaffMember(*member) for member in expected)


@pytest.mark.parametrize(
    ("cells", "column", "fragment"),
    [
        ({"Staff Members": "Awa (awa@)"}, "Staff Members", "invalid e-mail 'awa@'"),
        ({"Staff Members": "Awa (awa@i♥ny.sn)"}, "Staff Members", "invalid e-mail"),
        ({"Staff Members": f"Awa (awa@{'é' * 60}.sn)"}, "Staff Members", "invalid e-mail"),
        ({"Staff Members": "(awa@example.org)"}, "Staff Members", "has no name"),
        ({"Partner Type": "Secret Society/National"}, "Partner Type", "unknown organisation"),
        ({"Partner Type": "Civil Society Organization/Cult"}, "Partner Type", "unknown CSO"),
        ({"Vendor Number": ""}, "Vendor Number", "is empty"),
        ({"Organizations Full Name": "x" * 513}, "Organizations Full Name", "at most 512"),
        ({"Short Name": "bell\x07"}, "Short Name", "control character"),
    ],
)
def test_a_bad_partner_cell_is_reported_with_line_and_column(
    tmp_path: Path, cells: dict[str, str], column: str, fragment: str
) -> None:
    path = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner(), partner("2", **cells)])
    (problem,) = problems_of(read_partners, path)
    assert problem.startswith(f"{path}:3: {column}: ")
    assert fragment in problem


@pytest.mark.parametrize(
    ("cells", "column", "fragment"),
    [
        ({"Status": "finished"}, "Status", "unknown value 'finished'"),
        ({"Status": ""}, "Status", "is empty"),
        ({"Start Date": "01/02/2021"}, "Start Date", "not a date"),
        ({"End Date": "2024-02-30"}, "End Date", "not a date"),
        ({"End Date": "20241231"}, "End Date", "not a date"),
        ({"End Date": "2020-12-31"}, "End Date", "before the start date"),
        ({"Document Type": "MOU"}, "Document Type", "unknown value 'MOU'"),
        ({"Reference Number": "ATLANTIS/PCA1/PD1"}, "Reference Number", "alpha-3"),
        ({"Reference Number": ""}, "Reference Number", "is empty"),
    ],
)
def test_a_bad_intervention_cell_is_reported_with_line_and_column(
    tmp_path: Path, cells: dict[str, str], column: str, fragment: str
) -> None:
    rows = [intervention(), intervention("SEN/PCA1/PD2", **cells)]
    path = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, rows)
    problems = problems_of(read_interventions, path)
    assert problems[0].startswith(f"{path}:3: {column}: ")
    assert fragment in problems[0]


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    rows = [intervention(Status="?"), intervention("SEN/X/2", **{"End Date": "soon"})]
    path = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, rows)
    assert len(problems_of(read_interventions, path)) == 2


def test_a_duplicate_reference_names_the_first_line(tmp_path: Path) -> None:
    rows = [intervention(), intervention(vendor="2500900002"), intervention()]
    path = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, rows)
    assert problems_of(read_interventions, path) == [
        f"{path}:3: Reference Number: duplicate of line 2",
        f"{path}:4: Reference Number: duplicate of line 2",
    ]


def test_line_numbers_count_newlines_inside_quoted_cells(tmp_path: Path) -> None:
    rows = [intervention(**{"Document Title": "two\nlines"}), intervention("SEN/X/2", Status="?")]
    path = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, rows)
    assert problems_of(read_interventions, path)[0].startswith(f"{path}:4: Status:")


def test_bytes_that_are_not_utf8_are_named_by_line_and_column(tmp_path: Path) -> None:
    text = export_text(PARTNER_HEADER, [partner(), partner("2", **{"Short Name": "CAFE"})])
    path = tmp_path / "p.csv"
    path.write_bytes(text.encode().replace(b"CAFE", b"CAF\xe9"))
    assert problems_of(read_partners, path) == [
        f"{path}:3: Short Name: holds bytes that are not UTF-8"
    ]


def test_a_row_with_the_wrong_number_of_cells_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(export_text(PARTNER_HEADER, [partner()]) + "1,2,3\r\n", encoding="utf-8")
    (problem,) = problems_of(read_partners, path)
    assert problem == f"{path}:3: -: 3 cells where the header has {len(PARTNER_HEADER)}"


def test_malformed_quoting_and_nul_bytes_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(export_text(PARTNER_HEADER, [partner()]) + '"unterminated\x00', "utf-8")
    (problem,) = problems_of(read_partners, path)
    assert "malformed CSV" in problem


def test_an_oversized_cell_is_refused(tmp_path: Path) -> None:
    huge = "x" * (MAX_CELL_CHARS + 1)
    rows = [intervention(**{"Document Title": huge})]
    path = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, rows)
    assert "at most" in problems_of(read_interventions, path)[0]


def test_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(export_text(PARTNER_HEADER, [partner()]) + ",,,\r\n\r\n", "utf-8")
    assert len(read_partners(path)) == 1


fuzz = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.faults
@fuzz
@given(title=st.text(max_size=300))
def test_any_title_imports_faithfully_or_yields_a_clean_error(tmp_path: Path, title: str) -> None:
    path = write_export(
        tmp_path / "pd.csv", INTERVENTION_HEADER, [intervention(**{"Document Title": title})]
    )
    try:
        (record,) = read_interventions(path)
    except EtoolsFileError as error:
        assert all(problem.line >= 1 and problem.column for problem in error.problems)
        return
    assert record.title == title.strip()


@pytest.mark.faults
@fuzz
@given(cell=st.text(max_size=300))
def test_any_staff_cell_yields_named_contacts_or_a_clean_error(tmp_path: Path, cell: str) -> None:
    path = write_export(tmp_path / "p.csv", PARTNER_HEADER, [partner(**{"Staff Members": cell})])
    try:
        (record,) = read_partners(path)
    except EtoolsFileError:
        return
    emails = [member.email for member in record.staff if member.email]
    assert len(emails) == len(set(emails))
    for member in record.staff:
        assert member.name and member.name == member.name.strip()
        assert member.email is None or "@" in member.email


@pytest.mark.faults
@fuzz
@given(noise=st.binary(max_size=400), position=st.integers(min_value=0))
def test_any_corruption_of_the_bytes_is_a_clean_error_or_a_clean_read(
    tmp_path: Path, noise: bytes, position: int
) -> None:
    original = (SAMPLES / "interventions.csv").read_bytes()
    cut = position % (len(original) + 1)
    path = tmp_path / "pd.csv"
    path.write_bytes(original[:cut] + noise + original[cut:])
    try:
        records = read_interventions(path)
    except EtoolsFileError as error:
        assert error.problems
        return
    assert all(isinstance(record.status, InterventionStatus) for record in records)
    assert len({record.reference_number for record in records}) == len(records)


def test_the_sample_header_rows_are_the_real_ones() -> None:
    # From ../shared/etools-formats.md, as eTools' own tests assert them.
    assert PARTNER_HEADER[:3] == ["Vendor Number", "Organizations Full Name", "Short Name"]
    assert len(PARTNER_HEADER) == 25
    assert INTERVENTION_HEADER[:3] == ["Partner", "Vendor Number", "Status"]
    assert len(INTERVENTION_HEADER) == 51
    with (SAMPLES / "interventions.csv").open(newline="", encoding="utf-8") as file:
        assert all(len(row) == 51 for row in csv.reader(file))


def test_it_reads_a_philippines_export_with_the_phi_prefix(tmp_path: Path) -> None:
    path = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, philippines_rows())
    amended, closed = read_interventions(path)
    assert amended.reference_number == "PHI/PCA2019106/PD2022214-1"
    assert (amended.country, closed.country) == ("PHL", "PHL")
    assert amended.offices == ("Manila",)


def test_it_reads_a_leba_export_as_lebanon(tmp_path: Path) -> None:
    path = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, lebanon_rows())
    assert [record.country for record in read_interventions(path)] == ["LBN", "LBN"]


def test_a_mixed_export_gives_each_row_its_workspace_country(tmp_path: Path) -> None:
    rows = [*philippines_rows(), *lebanon_rows(), intervention(), intervention("COL/PCA1/PD9")]
    path = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, rows)
    countries = [record.country for record in read_interventions(path)]
    assert countries == ["PHL", "PHL", "LBN", "LBN", "SEN", "COL"]


def test_an_unknown_workspace_code_is_named_once_with_both_fixes(tmp_path: Path) -> None:
    rows = [
        intervention(),
        intervention("ZZQA/PCA2019001/PD2020001"),
        intervention("ZZQA/PCA2019001/PD2020002"),
        intervention("ZZQA/PCA2019001/PD2020003"),
    ]
    path = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, rows)
    (problem,) = problems_of(read_interventions, path)
    assert problem == (
        f"{path}:3: Reference Number: workspace code 'ZZQA' of 'ZZQA/PCA2019001/PD2020001' "
        "and 2 more rows is neither an ISO 3166 alpha-3 country code nor listed in "
        "etools-workspaces.toml; give its country with --country-code ZZQA=ISO3 "
        '(e.g. --country-code ZZQA=PHL), or add ZZQA = "ISO3" to '
        f"{WORKSPACES_FILE}"
    )


def test_a_command_line_code_resolves_an_unknown_workspace(tmp_path: Path) -> None:
    rows = [intervention("ZZQA/PCA2019001/PD2020001"), intervention("PHI/PCA1/PD2")]
    path = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, rows)
    workspaces = Workspaces.load({"ZZQA": "KEN", "PHI": "IDN"})
    assert [r.country for r in read_interventions(path, workspaces)] == ["KEN", "IDN"]


def test_a_blank_workspace_code_needs_the_office_country(tmp_path: Path) -> None:
    rows = [intervention("/PCA2019106/PD2022214"), intervention("ZZQA/PCA1/PD2"), intervention()]
    path = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, rows)
    problems = problems_of(read_interventions, path)
    assert problems[0] == (
        f"{path}:2: Reference Number: '/PCA2019106/PD2022214' have no workspace code before "
        "the first '/'; give the export's country with --country ISO3 (e.g. --country PHL)"
    )
    records = read_interventions(path, Workspaces.load(country="PHL"))
    assert [record.country for record in records] == ["PHL", "PHL", "SEN"]


def test_the_file_name_code_gives_blank_codes_their_country(tmp_path: Path) -> None:
    rows = [intervention("/PCA2019106/PD2022214"), intervention("PHI/PCA2019106/PD2022215")]
    path = write_export(tmp_path / "PD_budget_as_of_2024_05_01_PHI.csv", INTERVENTION_HEADER, rows)
    assert [record.country for record in read_interventions(path)] == ["PHL", "PHL"]


def test_a_reference_without_a_workspace_part_is_refused(tmp_path: Path) -> None:
    path = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, [intervention("PD2021001")])
    (problem,) = problems_of(read_interventions, path)
    assert problem == f"{path}:2: Reference Number: 'PD2021001' is not an eTools reference (CODE/…)"


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-16", "\t"), ("utf-16", ","), ("utf-16-be", "\t"), ("utf-32", ",")],
    ids=["excel unicode text", "utf-16 csv", "utf-16 big-endian", "utf-32"],
)
def test_a_unicode_text_resave_reads_like_the_utf8_export(
    tmp_path: Path, encoding: str, delimiter: str
) -> None:
    rows = [*philippines_rows(), intervention(**{"Document Title": "Éducation\tà Thiès, 2"})]
    utf8 = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, rows)
    bom = encoding == "utf-16-be"  # Python writes the others' byte-order mark itself
    resaved = write_export(tmp_path / "pd.txt", INTERVENTION_HEADER, rows, bom, encoding, delimiter)
    assert resaved.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert [(r.reference_number, r.title) for r in read_interventions(resaved)] == [
        (r.reference_number, r.title) for r in read_interventions(utf8)
    ]


def test_utf16_without_a_byte_order_mark_says_so(tmp_path: Path) -> None:
    path = write_export(
        tmp_path / "pd.csv", INTERVENTION_HEADER, [intervention()], False, "utf-16-le"
    )
    (problem,) = problems_of(read_interventions, path)
    assert problem.startswith(f"{path}:1: -: looks like UTF-16 without a byte-order mark;")
    assert "CSV UTF-8" in problem


def test_bytes_that_are_not_utf16_are_named_by_line_and_column(tmp_path: Path) -> None:
    rows = [intervention(), intervention("SEN/X/2", **{"Document Title": "CAFE"})]
    text = "\ufeff" + export_text(INTERVENTION_HEADER, rows)
    lone_surrogate = b"\x00\xd8"
    data = text.encode("utf-16-le").replace("FE".encode("utf-16-le"), lone_surrogate)
    path = tmp_path / "pd.txt"
    path.write_bytes(data)
    assert problems_of(read_interventions, path) == [
        f"{path}:3: Document Title: holds bytes that are not UTF-16"
    ]


def test_a_file_wrong_on_every_line_keeps_a_thousand_problems_and_counts_all(
    tmp_path: Path,
) -> None:
    rows = [intervention(f"SEN/PCA1/PD{n}", Status="over") for n in range(MAX_PROBLEMS_KEPT + 5)]
    path = write_export(tmp_path / "pd.csv", INTERVENTION_HEADER, rows)
    with pytest.raises(EtoolsFileError) as raised:
        read_interventions(path)
    assert len(raised.value.problems) == MAX_PROBLEMS_KEPT
    assert raised.value.total == MAX_PROBLEMS_KEPT + 5
