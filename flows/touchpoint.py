"""The one pass every scheduled touchpoint flow runs: plan → render check → recover →
drain → report.

The flows run it with the Prefect tasks (`TASKS`); the demo runs the very same pass with
their plain functions (`PLAIN`), outside any Prefect run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from db.models import TouchpointKind
from tasks.clock import Clock, real_clock
from tasks.outbox.deliver import BatchOutcome
from tasks.outbox.drain import drain
from tasks.outbox.stages import (
    deliver,
    delivery_progress,
    due_now,
    plan,
    preview,
    recover,
    render,
    report,
    settle_campaigns,
)
from tasks.settings import get_settings
from tasks.touchpoints.registry import sent_kinds


@dataclass(frozen=True)
class Steps:
    """The stages a pass calls, as Prefect tasks or as plain functions."""

    plan: Callable[[TouchpointKind, Clock], dict[str, Any]]
    render: Callable[[list[TouchpointKind]], dict[str, Any]]
    recover: Callable[[Clock], dict[str, int]]
    due: Callable[[list[TouchpointKind], Clock, int | None], dict[int | None, int]]
    deliver: Callable[[list[TouchpointKind], Clock, int | None], BatchOutcome]
    settle: Callable[[list[int | None]], dict[int, str]]
    report: Callable[[TouchpointKind, int | None, dict[str, int]], dict[str, Any]]


TASKS = Steps(plan, render, recover, due_now, deliver, settle_campaigns, report)
PLAIN = Steps(
    plan.fn, render.fn, recover.fn, due_now.fn, deliver.fn, settle_campaigns.fn, report.fn
)


def run_touchpoint(kind: TouchpointKind, as_of: datetime | None, dry_run: bool) -> dict[str, Any]:
    """Run the pass for `kind` at `as_of` (now when None); with `dry_run`, plan and
    render inside a transaction that is rolled back, and report what would go out.
    Raises `FutureMoment` for a real run at a later moment (the demo walks simulated time
    through `touchpoint_pass` itself)."""
    if dry_run:
        return preview(kind, Clock.at(Clock.at(as_of).now()))
    return touchpoint_pass(kind, real_clock(as_of))


def touchpoint_pass(kind: TouchpointKind, clock: Clock, steps: Steps = TASKS) -> dict[str, Any]:
    """Plan what `kind` has due now, check that it all renders (or hold it and raise),
    resolve interrupted deliveries, deliver what is due and return the run's report (no
    campaign when nothing was planned)."""
    get_settings().required_secret_key()
    # One moment names and keys the run's campaign, so a retried plan finds the same one.
    planned = steps.plan(kind, Clock.at(clock.now()))
    kinds = sent_kinds(kind)
    steps.render(kinds)
    steps.recover(clock)
    delivery = deliver_due(kinds, clock, steps=steps)
    return steps.report(kind, planned["campaign_id"], delivery)


def deliver_due(
    kinds: list[TouchpointKind],
    clock: Clock,
    campaign_id: int | None = None,
    steps: Steps = TASKS,
) -> dict[str, int]:
    """Drain the messages of `kinds` (of one campaign, if given) due now, one `deliver`
    task per batch, then make the status of their campaigns follow; return them by
    outcome. In a run, a progress artifact follows it when some are due."""
    due = steps.due(kinds, clock, campaign_id)
    progress = delivery_progress(sum(due.values()))
    drained = drain(lambda: steps.deliver(kinds, clock, campaign_id), progress)
    steps.settle(list(due))
    return dict(drained.counts)
