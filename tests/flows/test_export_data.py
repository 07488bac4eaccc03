"""The `export-data` form on a real Prefect API: the file goes into the export folder under
a name of the product's, and an artifact says where."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prefect.exceptions import ParameterTypeError
from sqlalchemy import Engine

from flows.registry import FORMS
from tasks.exports.files import ExportError
from tasks.settings import get_settings
from tests.artifacts import latest_artifact
from tests.spreadsheets import csv_rows, xlsx_rows

pytestmark = pytest.mark.usefixtures("prefect_api")
NAME = re.compile(r"(responses|messages|at-risk)-\d{8}T\d{6}Z-[0-9a-f]{6}\.(csv|xlsx)")


@pytest.fixture
def folder(answered: Engine, app_env: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    app_env.setenv("CONTINUITY_EXPORT_DIR", str(tmp_path / "exports" / "m-and-e"))
    get_settings.cache_clear()
    return tmp_path / "exports" / "m-and-e"


def test_the_form_writes_into_the_export_folder_and_says_where(folder: Path) -> None:
    result = FORMS["export-data"](export={"what": "responses", "countries": ["SN", "KEN"]})
    path = Path(result["path"])
    assert path.parent == folder.resolve() and NAME.fullmatch(path.name)
    assert result["rows"] == 2 and len(xlsx_rows(path)) == 3
    assert str(path) in latest_artifact("export-responses")
    at_risk = FORMS["export-data"](export={"what": "at-risk", "format": "csv"})
    assert Path(at_risk["path"]).parent == folder.resolve()
    assert csv_rows(Path(at_risk["path"]))[0][0] == "answered at (UTC)"
    assert str(at_risk["path"]) in latest_artifact("export-at-risk")


def test_two_exports_in_one_second_never_overwrite_each_other(folder: Path) -> None:
    first = FORMS["export-data"](export={"what": "messages"}, as_of="2026-12-03T10:00:00Z")
    again = FORMS["export-data"](export={"what": "messages"}, as_of="2026-12-03T10:00:00Z")
    assert first["path"] != again["path"] and len(list(folder.iterdir())) == 2


@pytest.mark.parametrize(
    "form",
    [
        {"what": "responses", "path": "../../etc/passwd"},
        {"what": "responses", "file_name": "../x.csv"},
        {"what": "../responses"},
        {"what": "responses", "format": "xlsm"},
        {"what": "responses", "kinds": ["=1+1"]},
        {"what": "responses", "countries": ["SN"] * 301},
        {"what": "responses", "since": "yesterday"},
    ],
)
def test_the_form_refuses_what_it_does_not_take(folder: Path, form: dict) -> None:
    with pytest.raises(ParameterTypeError):
        FORMS["export-data"](export=form)
    assert not folder.exists() or list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"what": "responses", "countries": ["XX"]}, "no ISO 3166 country code"),
        ({"what": "at-risk", "kinds": ["reminder"]}, "does not apply to at-risk"),
        ({"what": "messages", "since": "2026-12-02", "until": "2026-12-01"}, "is before"),
    ],
)
def test_a_wrong_filter_fails_the_run_and_writes_nothing(
    folder: Path, form: dict, words: str
) -> None:
    with pytest.raises(ExportError, match=words):
        FORMS["export-data"](export=form)
    assert not folder.exists() or list(folder.iterdir()) == []


def test_an_export_folder_that_is_a_file_fails_with_its_setting_named(
    folder: Path, app_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "taken").write_text("")
    app_env.setenv("CONTINUITY_EXPORT_DIR", str(tmp_path / "taken"))
    get_settings.cache_clear()
    with pytest.raises(ExportError, match="CONTINUITY_EXPORT_DIR"):
        FORMS["export-data"](export={"what": "responses"})
