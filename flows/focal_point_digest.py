"""The `focal-point-digest` flow (daily)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from db.models import TouchpointKind
from flows.parameters import AsOf, DryRun
from flows.touchpoint import run_touchpoint
from tasks.clock import Clock
from tasks.reports.partner_messages import unreached_partnerships


@flow(name="focal-point-digest", log_prints=False)
def focal_point_digest(as_of: AsOf = None, dry_run: DryRun = False) -> dict[str, Any]:
    """Write each partnership's UNICEF focal points one mail with the partner messages
    they have not had yet, and, once, those still unhandled after the answer-within limit
    (CONTINUITY_ANSWER_WITHIN_DAYS working days); nothing new, no mail. The partnerships
    no focal point can be told of are listed in the `partner-messages-unreached` table.

    Args:
        as_of: the moment to act for (default: now).
        dry_run: plan and render only, send nothing, and report what would go out.
    """
    sent = run_touchpoint(TouchpointKind.FOCAL_POINT_DIGEST, as_of, dry_run)
    return {**sent, "unreached": unreached_partnerships(Clock.at(as_of))}
