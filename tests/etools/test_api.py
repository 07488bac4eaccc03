"""The client of eTools' API against the stand-in: what it asks, what it retries (and how
long it waits), what it gives up on at once, and that no failure quotes the token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tasks.etools.api import (
    INTERVENTIONS_PATH,
    PARTNERS_PATH,
    EtoolsApi,
    FetchError,
    NotPermitted,
    TokenRefused,
)
from tasks.etools.config import SyncConfig
from tests.etools.etools_api import TOKEN, EtoolsStandIn


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def api(etools: EtoolsStandIn, waits: list[float]) -> Iterator[EtoolsApi]:
    config = SyncConfig(etools.url, {"SEN": None}, None, retries=3, timeout=1, backoff=2)
    client = EtoolsApi(config, TOKEN, sleep=waits.append)
    yield client
    client.close()


def test_it_saves_an_export_with_the_name_etools_gives(
    api: EtoolsApi, etools: EtoolsStandIn, tmp_path: Path
) -> None:
    export = api.export(INTERVENTIONS_PATH, "SEN", tmp_path / "i.csv")
    assert export.path.read_bytes().decode() == etools.workspaces["SEN"].interventions
    assert export.file_name and export.file_name.endswith("_SEN.csv")
    (asked,) = etools.asked
    assert (asked.schema, asked.format, asked.authorization) == ("SEN", "csv", f"Token {TOKEN}")


@pytest.mark.parametrize("fault", ["500", "half", "silence"])
def test_a_transient_failure_is_retried_with_backoff(
    api: EtoolsApi, etools: EtoolsStandIn, waits: list[float], tmp_path: Path, fault: str
) -> None:
    etools.fail("SEN", "partners", fault, times=2)
    export = api.export(PARTNERS_PATH, "SEN", tmp_path / "p.csv")
    assert export.path.read_bytes().decode() == etools.workspaces["SEN"].partners
    assert waits == [2, 4]
    assert len(etools.asked) == 3


def test_it_gives_up_after_the_retries_saying_what_etools_did(
    api: EtoolsApi, etools: EtoolsStandIn, waits: list[float], tmp_path: Path
) -> None:
    etools.fail("SEN", "partners", "half")
    cut = r"eTools sent \d+ of the \d+ bytes its Content-Length announced, then hung up"
    with pytest.raises(FetchError, match=rf"{cut} \(asked 4 times\)"):
        api.export(PARTNERS_PATH, "SEN", tmp_path / "p.csv")
    assert waits == [2, 4, 8]


def test_a_retry_after_is_honoured(
    api: EtoolsApi, etools: EtoolsStandIn, waits: list[float], tmp_path: Path
) -> None:
    etools.fail("SEN", "partners", "503-retry", times=1)
    api.export(PARTNERS_PATH, "SEN", tmp_path / "p.csv")
    assert waits == [7]


@pytest.mark.parametrize(
    ("fault", "error", "said"),
    [
        ("401", TokenRefused, "eTools refused the token (HTTP 401 Unauthorized)"),
        ("403", NotPermitted, "refused access (HTTP 403 Forbidden)"),
        ("redirect", FetchError, "a redirect"),
        ("html", FetchError, "a web page"),
    ],
)
def test_what_cannot_pass_is_not_retried(
    api: EtoolsApi,
    etools: EtoolsStandIn,
    waits: list[float],
    tmp_path: Path,
    fault: str,
    error: type[Exception],
    said: str,
) -> None:
    etools.fail("SEN", "interventions", fault)
    with pytest.raises(error) as raised:
        api.export(INTERVENTIONS_PATH, "SEN", tmp_path / "i.csv")
    assert said in str(raised.value) and TOKEN not in str(raised.value)
    assert (len(etools.asked), waits) == (1, [])


def test_a_wrong_token_is_refused_and_never_quoted(etools: EtoolsStandIn, tmp_path: Path) -> None:
    config = SyncConfig(etools.url, {"SEN": None}, None, retries=3, timeout=1, backoff=0)
    wrong = "not-the-right-token-0123456789"
    with EtoolsApi(config, wrong) as client, pytest.raises(TokenRefused) as raised:
        client.export(PARTNERS_PATH, "SEN", tmp_path / "p.csv")
    assert wrong not in str(raised.value) and len(etools.asked) == 1


def test_an_unreachable_site_is_said_so(tmp_path: Path) -> None:
    config = SyncConfig("http://127.0.0.1:9", {"SEN": None}, None, retries=1, timeout=1, backoff=0)
    unreachable = pytest.raises(FetchError, match=r"failed \(ConnectError.*asked 2")
    with EtoolsApi(config, TOKEN, sleep=lambda _: None) as client, unreachable:
        client.export(PARTNERS_PATH, "SEN", tmp_path / "p.csv")


def test_it_reads_the_users_list(api: EtoolsApi, etools: EtoolsStandIn) -> None:
    etools.workspaces["SEN"].users = [{"name": "Aïssatou Sow", "email": "a.sow@unicef.org"}]
    assert api.users("SEN") == etools.workspaces["SEN"].users
    etools.fail("SEN", "users", "403")
    with pytest.raises(NotPermitted):
        api.users("SEN")
