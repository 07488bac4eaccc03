"""The `reminders` flow."""

from __future__ import annotations

from typing import Any

from prefect import flow

from db.models import TouchpointKind
from flows.parameters import AsOf, DryRun
from flows.touchpoint import run_touchpoint


@flow(name="reminders", log_prints=False)
def reminders(as_of: AsOf = None, dry_run: DryRun = False) -> dict[str, Any]:
    """Remind contacts who have not answered a check-in or an invitation, threaded with the
    original, at most once per configured delay.

    Args:
        as_of: the moment to act for (default: now); earlier or later moments replay or
            simulate the schedule.
        dry_run: plan and render only, send nothing, and report what would go out.
    """
    return run_touchpoint(TouchpointKind.REMINDER, as_of, dry_run)
