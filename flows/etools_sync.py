"""The `etools-sync` flow (daily)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.parameters import AsOf, DryRun
from tasks.clock import Clock
from tasks.etools.sync import sync_etools


@flow(name="etools-sync")
def etools_sync(as_of: AsOf = None, dry_run: DryRun = False) -> dict[str, Any]:
    """Fetch every workspace of CONTINUITY_ETOOLS_WORKSPACES from eTools' API (and the
    newest pair of exports dropped in CONTINUITY_ETOOLS_DROP) and import each as
    `continuity import etools` does, one workspace per transaction. A workspace eTools
    fails for changes nothing and the run fails naming it and why; the others sync.

    Args:
        as_of: the day the drop folder's imported files are dated with (default: now).
        dry_run: fetch, check and count what would change; write nothing, move no file.
    """
    return sync_etools(Clock.at(as_of), dry_run)
