"""The `sustainability-checkins` flow."""

from __future__ import annotations

from typing import Any

from prefect import flow

from db.models import TouchpointKind
from flows.parameters import AsOf, DryRun
from flows.touchpoint import run_touchpoint


@flow(name="sustainability-checkins", log_prints=False)
def sustainability_checkins(as_of: AsOf = None, dry_run: DryRun = False) -> dict[str, Any]:
    """On each plan's cadence after closure, ask partners whether results are sustained, whether
    local capacity suffices, who supports the impact and what support is needed.

    Args:
        as_of: the moment to act for (default: now); earlier or later moments replay or
            simulate the schedule.
        dry_run: plan and render only, send nothing, and report what would go out.
    """
    return run_touchpoint(TouchpointKind.SUSTAINABILITY_CHECKIN, as_of, dry_run)
