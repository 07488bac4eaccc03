"""The eTools sync: every configured workspace's exports fetched from eTools' API (and the
newest pair dropped in the drop folder), then each imported through the CLI's import, one
workspace per transaction. A workspace eTools failed for is skipped whole; the others go
on; the run then fails naming it and why. Nothing of the token reaches Prefect: it is
read inside the fetching task and sent only in the requests' header."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from db.engine import engine_for, for_writing, transaction
from tasks.clock import Clock
from tasks.countries import FALLBACK_LANGUAGE, Workspaces
from tasks.etools.api import EtoolsApi, TokenRefused
from tasks.etools.changes import Outcome, changes, snapshot
from tasks.etools.config import SyncConfigError, api_token, sync_config
from tasks.etools.directory import fill_directory
from tasks.etools.drop import DropError, Dropped, dropped, file_away
from tasks.etools.exports import column_values
from tasks.etools.fetch import fetch_workspaces
from tasks.etools.files import EtoolsFileError
from tasks.etools.importer import import_etools
from tasks.etools.report import problems_reason, report_sync
from tasks.etools.scope import Held, kept_contacts
from tasks.follow_up_policy import load_policy
from tasks.settings import get_settings


def sync_etools(clock: Clock, dry_run: bool) -> dict[str, object]:
    """Sync every configured workspace and the drop folder; return the summary, or raise
    `FailedWithSummary` naming each workspace not synced and why."""
    day = clock.now().date()
    with tempfile.TemporaryDirectory(prefix="continuity-etools-") as folder:
        try:
            config = sync_config(get_settings())
            held, outcomes = fetch_exports(Path(folder), day) if config.url else ([], [])
        except (SyncConfigError, TokenRefused) as error:
            return report_sync([], f"{error}; nothing was imported", dry_run)
        try:
            found = dropped(config.drop) if config.drop else None
        except DropError as error:
            found = None
            outcomes.append(Outcome("drop folder", False, str(error)))
        everything = [*held, *([found.pair] if found and found.pair else [])]
        outcomes += [import_workspace(pair, everything, dry_run) for pair in held]
        if found is not None:
            outcomes.append(import_drop(found, everything, day, dry_run))
        return report_sync(outcomes, "", dry_run)


@task(name="fetch-etools-exports", cache_policy=NO_CACHE)
def fetch_exports(folder: Path, day: date) -> tuple[list[Held], list[Outcome]]:
    """Fetch each configured workspace's exports into `folder` with the token; return
    those held whole and the outcome of those that were not. Raise `TokenRefused` when
    eTools refuses the token (nothing more is asked)."""
    settings = get_settings()
    config = sync_config(settings)
    with EtoolsApi(config, api_token(settings)) as api:
        return fetch_workspaces(api, config.workspaces, folder, day)


@task(name="import-etools-workspace", cache_policy=NO_CACHE)
def import_workspace(pair: Held, everything: list[Held], dry_run: bool) -> Outcome:
    """Import one workspace's exports in one transaction (rolled back on a dry run);
    return what it changed, or why nothing of it changed."""
    return import_pair(pair, everything, dry_run)[0]


@task(name="import-etools-drop-folder", cache_policy=NO_CACHE)
def import_drop(found: Dropped, everything: list[Held], day: date, dry_run: bool) -> Outcome:
    """Import the drop folder's newest pair, then move it to imported/ or rejected/ (with
    the reason), and older or unusable files to rejected/; nothing moves on a dry run."""
    label = "drop folder"
    outcome = Outcome(label, True, notes=[found.waiting or "no export was waiting"])
    if found.pair is not None:
        outcome, error = import_pair(found.pair, everything, dry_run)
        code = found.pair.workspace
        outcome.workspace = label if code == "drop" else f"{label} ({code})"
        reason = _all_problems(error) if error else outcome.reason
        if not dry_run:
            for path in (found.pair.partners, found.pair.interventions):
                file_away(path, path.parent, day, "" if outcome.synced else reason)
        if error is not None:
            outcome.notes.append("every problem is written beside the files in rejected/")
    if found.aside and not dry_run:
        for path, why in found.aside:
            file_away(path, path.parent, day, why)
    if found.aside:
        outcome.notes.append(f"{len(found.aside)} file(s) set aside in rejected/, with why")
    return outcome


def _all_problems(error: EtoolsFileError) -> str:
    """Return every problem kept, one a line, and how many more there were."""
    lines = [str(problem) for problem in error.problems]
    if error.total > len(lines):
        lines.append(f"… and {error.total - len(lines)} more problems")
    return "\n".join(lines)


def import_pair(
    pair: Held, everything: list[Held], dry_run: bool
) -> tuple[Outcome, EtoolsFileError | None]:
    """Import a pair of exports as the CLI does, in one transaction; return its outcome,
    and the problems that stopped it, if any (their words may name people: not for
    Prefect)."""
    engine = for_writing(engine_for(get_settings().database_url))
    vendors = set(column_values(pair.partners, "Vendor Number"))
    references = set(column_values(pair.interventions, "Reference Number"))
    try:
        with transaction(engine) as session:
            outcome = _imported(session, pair, everything, vendors, references)
            if dry_run:
                session.rollback()
    except EtoolsFileError as error:
        kinds = {
            str(pair.partners): "partner export",
            str(pair.interventions): "programme document export",
        }
        return Outcome(pair.workspace, False, problems_reason(error, kinds)), error
    except SQLAlchemyError as error:
        reason = f"the database refused the import ({type(error).__name__})"
        return Outcome(pair.workspace, False, reason), None
    return outcome, None


def _imported(
    session: Session, pair: Held, everything: list[Held], vendors: set[str], references: set[str]
) -> Outcome:
    """Import the pair in `session`; return what changed, or why nothing was imported."""
    before = snapshot(session, pair.workspace, vendors, references)
    if not references and before.partnerships:
        reason = (
            f"the programme document export lists none of the {len(before.partnerships)}"
            " partnerships synced before: a partial answer?"
        )
        return Outcome(pair.workspace, False, reason)
    workspaces = Workspaces.load({pair.workspace: pair.country} if pair.country else None)
    kept = kept_contacts(session, pair, everything)
    counts = import_etools(
        session, pair.partners, pair.interventions, load_policy(), workspaces, kept
    )
    notes = [pair.note] if pair.note else []
    if pair.users is not None:
        found = workspaces.known(pair.workspace)
        language = found.language if found else FALLBACK_LANGUAGE
        if added := fill_directory(session, pair.users, references, language):
            notes.append(f"{added} focal point address(es) from eTools' users")
    after = snapshot(session, pair.workspace, vendors, references)
    return Outcome(
        pair.workspace, True, "", counts.as_dict(), changes(before, after, references), notes
    )
