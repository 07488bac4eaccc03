"""Fetching each workspace's exports from eTools' API into a folder, checked before any is
imported: a workspace whose exports eTools did not give whole and right is set aside with
the reason, and the others go on."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tasks.countries import file_name_code
from tasks.etools.api import (
    INTERVENTIONS_PATH,
    PARTNERS_PATH,
    EtoolsApi,
    FetchError,
    NotFound,
    NotPermitted,
    TokenRefused,
)
from tasks.etools.changes import Outcome
from tasks.etools.directory import save_users
from tasks.etools.exports import ExportKind, column_values, header_problem, web_page
from tasks.etools.scope import Held
from tasks.run_context import run_logger


def fetch_workspaces(
    api: EtoolsApi, workspaces: dict[str, str | None], folder: Path, day: date
) -> tuple[list[Held], list[Outcome]]:
    """Fetch every workspace's exports into `folder`; return those held whole, and the
    outcome of each workspace that could not be fetched. Raise `TokenRefused` at the
    first refusal of the token: no other request can succeed."""
    held: list[Held] = []
    failed: list[Outcome] = []
    for code, country in workspaces.items():
        try:
            pair = fetch_workspace(api, code, country, folder / code, day)
        except TokenRefused:
            raise
        except FetchError as error:
            run_logger().warning("eTools workspace %s not fetched: %s", code, error)
            failed.append(Outcome(code, False, str(error)))
            continue
        held.append(pair)
    return held, failed


def fetch_workspace(
    api: EtoolsApi, code: str, country: str | None, folder: Path, day: date
) -> Held:
    """Fetch one workspace's partner and programme document exports, and the staff users
    bearing its focal points' names where the token may read them; raise `FetchError`
    saying what is wrong."""
    folder.mkdir(parents=True, exist_ok=True)
    partners = folder / "partners.csv"
    _fetched(api, PARTNERS_PATH, code, partners, ExportKind.PARTNERS)
    # Named as eTools names it: a row whose reference has no workspace code takes this one.
    interventions = folder / f"PD_budget_as_of_{day:%Y_%m_%d}_{code}.csv"
    answered = _fetched(api, INTERVENTIONS_PATH, code, interventions, ExportKind.INTERVENTIONS)
    if answered is not None and answered != code:
        raise FetchError(
            f"eTools answered for workspace {answered}, not {code}: it does so when the "
            f"token's user may not open {code} (give them access), or when {code} is not "
            "the code its reference numbers begin with"
        )
    _partners_listed(partners, interventions)
    users, note = _users(api, code, interventions, folder / "users.json")
    return Held(code, partners, interventions, country, users, note)


def _fetched(
    api: EtoolsApi, path: str, code: str, destination: Path, kind: ExportKind
) -> str | None:
    """Save and check one export; return the workspace code eTools' file name gives it."""
    try:
        export = api.export(path, code, destination)
    except TokenRefused:
        raise
    except FetchError as error:
        raise FetchError(f"the {kind}: {error}") from None
    if web_page(destination):
        raise FetchError(f"the {kind}: eTools sent a web page, not a CSV export")
    problem = header_problem(destination, kind)
    if problem is not None:
        raise FetchError(f"the {kind}: {problem}")
    return file_name_code(export.file_name or "")


def _partners_listed(partners: Path, interventions: Path) -> None:
    """Raise `FetchError` when the partner export lists nobody while programme documents
    name partners: eTools lists partners only to some users, and an empty list would
    leave every contact unrefreshed without a word."""
    if next(column_values(partners, "Vendor Number"), None) is not None:
        return
    if next(column_values(interventions, "Vendor Number"), None) is None:
        return
    raise FetchError(
        "the partner export lists no partner while the programme documents name some: "
        "may the token's user list partners in eTools?"
    )


def _users(
    api: EtoolsApi, code: str, interventions: Path, destination: Path
) -> tuple[Path | None, str]:
    """Save the staff users bearing the workspace's focal points' names; return the file,
    or None and why not (nothing when the token may not read users: that is no failure)."""
    names = {
        name.strip()
        for cell in column_values(interventions, "UNICEF Focal Points")
        for name in cell.split(", ")
    }
    try:
        users = api.users(code)
    except TokenRefused:
        raise
    except (NotPermitted, NotFound):
        return None, ""  # a token that may not read users, or an eTools without the list
    except FetchError as error:
        run_logger().warning("eTools workspace %s: users not read: %s", code, error)
        return None, f"focal points' addresses not read from eTools: {error}"
    save_users(users, names, destination)
    return destination, ""
