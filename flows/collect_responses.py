"""The `collect-responses` flow."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.parameters import AsOf, DryRun
from tasks.clock import Clock
from tasks.responses.collect import collect


@flow(name="collect-responses")
def collect_responses(as_of: AsOf = None, dry_run: DryRun = False) -> dict[str, Any]:
    """Read the inbox: record replies as responses, note auto-replies, apply bounces and
    unsubscribe requests, keep unmatched mail for staff.

    Args:
        as_of: the moment recorded as the time of receipt (default: now).
        dry_run: classify the unread mail, record nothing, leave it unread.
    """
    return {"collected": collect(Clock.at(as_of), dry_run)}
