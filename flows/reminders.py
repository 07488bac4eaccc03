"""The `reminders` flow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow

from db.models import TouchpointKind
from flows.touchpoint import run_touchpoint


@flow(name="reminders", log_prints=False)
def reminders(as_of: datetime | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Remind contacts who have not answered a check-in or an invitation, threaded with the
    original, at most once per configured delay.

    Args:
        as_of: the moment to act for (default: now); earlier or later moments replay or
            simulate the schedule.
        dry_run: plan and render only, send nothing, and report what would go out.
    """
    return run_touchpoint(TouchpointKind.REMINDER, as_of, dry_run)
