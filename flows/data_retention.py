"""The `data-retention` flow (daily)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow

from tasks.clock import Clock
from tasks.retention import clear_held_too_long


@flow(name="data-retention")
def data_retention(as_of: datetime | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Clear what is held longer than CONTINUITY_RETAIN_INBOUND_DAYS (365): the sender,
    subject and text of inbound mail that carried no answer (unmatched, auto-replies,
    bounces, complaints, unsubscribe requests, quarantined mail), and what mail servers
    said about older messages. That a mail arrived and what it did stays; answers stay
    until their person is erased. Returns counts only.

    Args:
        as_of: the moment to count the retention period back from (default: now).
        dry_run: count what would be cleared, clear nothing.
    """
    return clear_held_too_long(Clock.at(as_of), dry_run)
