"""The `consultation-invitations` flow."""

from __future__ import annotations

from typing import Any

from prefect import flow

from db.models import TouchpointKind
from flows.parameters import AsOf, DryRun
from flows.touchpoint import run_touchpoint


@flow(name="consultation-invitations", log_prints=False)
def consultation_invitations(as_of: AsOf = None, dry_run: DryRun = False) -> dict[str, Any]:
    """Invite ended partners to the consultation events that concern them, with an RSVP link.

    Args:
        as_of: the moment to act for (default: now); earlier or later moments replay or
            simulate the schedule.
        dry_run: plan and render only, send nothing, and report what would go out.
    """
    return run_touchpoint(TouchpointKind.CONSULTATION_INVITATION, as_of, dry_run)
