"""The `deliver-outbox` flow: sends whatever has come due, whatever its kind."""

from __future__ import annotations

from typing import Any

from prefect import flow

from db.models import TouchpointKind
from flows.parameters import AsOf, DryRun
from flows.touchpoint import deliver_due
from tasks.clock import Clock, real_clock
from tasks.outbox.stages import count_due, recover


@flow(name="deliver-outbox")
def deliver_outbox(as_of: AsOf = None, dry_run: DryRun = False) -> dict[str, Any]:
    """Deliver every planned message now due: campaigns scheduled for later, messages that
    waited for their recipients' sending window, retries after a backoff.

    Args:
        as_of: the moment to act for (default: now).
        dry_run: only count what is due.
    """
    kinds = list(TouchpointKind)
    if dry_run:
        return {"due": count_due(kinds, Clock.at(as_of))}
    clock = real_clock(as_of)
    recover(clock)
    return {"delivery": deliver_due(kinds, clock)}
