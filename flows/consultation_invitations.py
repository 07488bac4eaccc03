"""The `consultation-invitations` flow."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow

from db.models import TouchpointKind
from flows.touchpoint import run_touchpoint


@flow(name="consultation-invitations", log_prints=False)
def consultation_invitations(
    as_of: datetime | None = None, dry_run: bool = False
) -> dict[str, Any]:
    """Invite ended partners to the consultation events that concern them, with an RSVP link.

    Args:
        as_of: the moment to act for (default: now); earlier or later moments replay or
            simulate the schedule.
        dry_run: plan and render only, send nothing, and report what would go out.
    """
    return run_touchpoint(TouchpointKind.CONSULTATION_INVITATION, as_of, dry_run)
