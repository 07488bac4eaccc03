"""The `policy-updates` flow."""

from __future__ import annotations

from typing import Any

from prefect import flow

from db.models import TouchpointKind
from flows.parameters import AsOf, DryRun
from flows.touchpoint import run_touchpoint


@flow(name="policy-updates", log_prints=False)
def policy_updates(as_of: AsOf = None, dry_run: DryRun = False) -> dict[str, Any]:
    """Send each ended partner a digest of the policy and priority updates it has not had yet;
    nothing when there is nothing new.

    Args:
        as_of: the moment to act for (default: now); earlier or later moments replay or
            simulate the schedule.
        dry_run: plan and render only, send nothing, and report what would go out.
    """
    return run_touchpoint(TouchpointKind.POLICY_DIGEST, as_of, dry_run)
