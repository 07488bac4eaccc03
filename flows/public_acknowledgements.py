"""The `public-acknowledgements` flow (daily)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from db.models import TouchpointKind
from flows.parameters import AsOf, DryRun
from flows.touchpoint import run_touchpoint
from tasks.acknowledgements.stages import draft_acknowledgements, publish_pages
from tasks.clock import Clock


@flow(name="public-acknowledgements", log_prints=False)
def public_acknowledgements(as_of: AsOf = None, dry_run: DryRun = False) -> dict[str, Any]:
    """Draft an acknowledgement for each newly ended partnership, ask partners to approve
    the texts staff approved, and publish, per country, what both sides approved; a
    withdrawn consent is unpublished here.

    Args:
        as_of: the moment to act for (default: now).
        dry_run: plan and render the approval requests only; draft and publish nothing.
    """
    if dry_run:
        return run_touchpoint(TouchpointKind.ACKNOWLEDGEMENT, as_of, dry_run)
    drafted = draft_acknowledgements()
    sent = run_touchpoint(TouchpointKind.ACKNOWLEDGEMENT, as_of, dry_run)
    return {"drafted": drafted, **sent, "published": publish_pages(Clock.at(as_of))}
