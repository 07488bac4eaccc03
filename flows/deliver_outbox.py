"""The `deliver-outbox` flow: sends whatever has come due, whatever its kind."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow

from db.models import TouchpointKind
from flows.touchpoint import deliver_due
from tasks.clock import Clock
from tasks.outbox.stages import count_due, recover


@flow(name="deliver-outbox")
def deliver_outbox(as_of: datetime | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Deliver every planned message now due: campaigns scheduled for later, messages that
    waited for their recipients' sending window, retries after a backoff.

    Args:
        as_of: the moment to act for (default: now).
        dry_run: only count what is due.
    """
    kinds, clock = list(TouchpointKind), Clock.at(as_of)
    if dry_run:
        return {"due": count_due(kinds, clock)}
    recover(clock)
    return {"delivery": deliver_due(kinds, clock)}
