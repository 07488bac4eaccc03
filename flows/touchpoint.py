"""The one pipeline every scheduled touchpoint flow runs: plan → render → deliver → report."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from uuid import UUID

from prefect.artifacts import create_progress_artifact, update_progress_artifact

from db.models import TouchpointKind
from tasks.clock import Clock
from tasks.outbox.shutdown import stop_requested
from tasks.outbox.stages import (
    count_due,
    deliver,
    plan,
    preview,
    recover,
    render,
    report,
)
from tasks.settings import get_settings
from tasks.touchpoints.registry import sent_kinds


def run_touchpoint(kind: TouchpointKind, as_of: datetime | None, dry_run: bool) -> dict[str, Any]:
    """Run the pipeline for `kind` at `as_of` (now when None); with `dry_run`, plan and
    render inside a transaction that is rolled back, and report what would go out."""
    clock = Clock.at(as_of)
    # One moment names and keys the run's campaign, so a retried plan finds the same one.
    run_at = Clock.at(clock.now())
    if dry_run:
        return preview(kind, run_at)
    get_settings().required_secret_key()
    planned = plan(kind, run_at)
    render(sent_kinds(kind))
    recover(clock)
    delivery = deliver_all(sent_kinds(kind), clock)
    return report(planned["campaign_id"], delivery)


def deliver_all(
    kinds: list[TouchpointKind], clock: Clock, campaign_id: int | None = None
) -> dict[str, int]:
    """Deliver batch after batch until nothing is due or a batch stops on server errors;
    keep a progress artifact up to date."""
    total = count_due(kinds, clock, campaign_id)
    progress = create_progress_artifact(0.0, description="messages handled in this run")
    assert isinstance(progress, UUID), "called from a synchronous flow"
    totals: Counter[str] = Counter()
    while True:
        outcome = deliver(kinds, clock, campaign_id)
        for key, value in outcome.items():
            if isinstance(value, int) and key != "claimed":
                totals[key] += value
        handled = sum(totals.values())
        update_progress_artifact(progress, min(100.0, 100.0 * handled / total) if total else 100.0)
        if not outcome["claimed"] or outcome["stopped"] or stop_requested():
            break
    return dict(totals)
