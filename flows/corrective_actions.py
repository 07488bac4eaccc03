"""The `corrective-actions` flow (daily)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from db.models import TouchpointKind
from flows.parameters import AsOf, DryRun
from flows.touchpoint import run_touchpoint
from tasks.clock import Clock, real_clock
from tasks.corrective.report import close_ended_plans, corrective_overview


@flow(name="corrective-actions", log_prints=False)
def corrective_actions(as_of: AsOf = None, dry_run: DryRun = False) -> dict[str, Any]:
    """Follow up corrective-action plans: close those of partnerships that have ended,
    remind each measure's owner 7 days and 1 day before its due date (with a link to
    report its status), escalate overdue measures to the UNICEF focal points with their
    history, and report every open measure.

    Args:
        as_of: the moment to act for (default: now).
        dry_run: plan and render only, send and close nothing, and report what would go out.
    """
    clock = Clock.at(as_of) if dry_run else real_clock(as_of)
    closed = [] if dry_run else close_ended_plans(clock)
    sent = run_touchpoint(TouchpointKind.CORRECTIVE_ACTION, as_of, dry_run)
    sections = corrective_overview(clock)
    return {"closed_plans": closed, **sent, "open_measures": len(sections["corrective_measures"])}
