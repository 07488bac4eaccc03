"""The `evaluation-followup` flow."""

from __future__ import annotations

from typing import Any

from prefect import flow

from db.models import TouchpointKind
from flows.parameters import AsOf, DryRun
from flows.touchpoint import run_touchpoint


@flow(name="evaluation-followup", log_prints=False)
def evaluation_followup(as_of: AsOf = None, dry_run: DryRun = False) -> dict[str, Any]:
    """Share a final evaluation's conclusions, lessons and recommendations with its contributors,
    and invite them to discuss them.

    Args:
        as_of: the moment to act for (default: now); earlier or later moments replay or
            simulate the schedule.
        dry_run: plan and render only, send nothing, and report what would go out.
    """
    return run_touchpoint(TouchpointKind.EVALUATION_FOLLOWUP, as_of, dry_run)
