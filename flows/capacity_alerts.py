"""The `capacity-alerts` flow (daily)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from db.models import TouchpointKind
from flows.parameters import AsOf, DryRun
from flows.touchpoint import run_touchpoint
from tasks.clock import Clock
from tasks.reports.capacity import capacity_overview


@flow(name="capacity-alerts", log_prints=False)
def capacity_alerts(as_of: AsOf = None, dry_run: DryRun = False) -> dict[str, Any]:
    """Tell a partnership's UNICEF focal points, once per answer, when a check-in says
    local capacity is insufficient or has declined since the previous check-in.

    Args:
        as_of: the moment to act for (default: now).
        dry_run: plan and render only, send nothing, and report what would go out.
    """
    sent = run_touchpoint(TouchpointKind.CAPACITY_ALERT, as_of, dry_run)
    return {**sent, "at_risk": len(capacity_overview(Clock.at(as_of)))}
