"""The `data-retention` flow (daily)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.parameters import AsOf, DryRun
from tasks.clock import Clock, real_clock
from tasks.retention import clear_held_too_long


@flow(name="data-retention")
def data_retention(as_of: AsOf = None, dry_run: DryRun = False) -> dict[str, Any]:
    """Clear what is held longer than CONTINUITY_RETAIN_INBOUND_DAYS (365): the sender,
    subject and text of inbound mail that carried no answer (unmatched, auto-replies,
    bounces, complaints, unsubscribe requests, quarantined mail), and what mail servers
    said about older messages. That a mail arrived and what it did stays; answers stay
    until their person is erased. Returns counts only.

    Args:
        as_of: the moment to count the retention period back from (default: now).
        dry_run: count what would be cleared, clear nothing.
    """
    return clear_held_too_long(Clock.at(as_of) if dry_run else real_clock(as_of), dry_run)
