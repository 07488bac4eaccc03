"""The pipeline's Prefect tasks: plan → render → recover → deliver → report, and the
dry-run preview.

Each task is a plain function under its `@task` (`.fn` runs it without Prefect, as the
demo and the tests do): it reads its settings, opens its own transaction and is safe to
run again. plan, recover, deliver and the due and settle steps retry (the database or
the mail server may fail for a moment); render, count, report and preview do not (a retry
would fail the same way).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from prefect import task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from db.campaigns import campaign_for, drop_if_empty, due_by_campaign, settle
from db.engine import engine_for, for_writing, transaction
from db.models import Campaign, TouchpointKind
from db.outbox import number_due
from tasks.artifacts import markdown_text, publish_markdown, publish_table
from tasks.clock import Clock
from tasks.outbox.deferrals import reevaluate_deferred
from tasks.outbox.deliver import BatchOutcome, deliver_batch
from tasks.outbox.holds import hold_failed_run
from tasks.outbox.pacing import Pacer
from tasks.outbox.planning import PlanCounts, plan_messages
from tasks.outbox.preview import preview_key, preview_result, samples_markdown, shown_samples
from tasks.outbox.recovery import recover_interrupted
from tasks.outbox.render import RenderError
from tasks.outbox.render_check import check_planned
from tasks.outbox.report import campaign_summary, handled_any, nothing_planned, summary_markdown
from tasks.privacy import redacted
from tasks.run_context import only_in_a_run, run_logger
from tasks.settings import get_settings
from tasks.touchpoints.registry import due_messages, sent_kinds


def app_engine() -> Engine:
    return engine_for(get_settings().database_url)


def planned_run(
    session: Session, kind: TouchpointKind, now: datetime, dry_run: bool = False
) -> tuple[Campaign | None, PlanCounts]:
    """Plan the messages of `kind` due at `now` under the campaign named and keyed by this
    moment (a retry finds the same one); return it, or None when it holds no message (a
    run that plans nothing leaves no campaign), and the counts."""
    settings, prefix = get_settings(), "dry run: " if dry_run else ""
    campaign = campaign_for(
        session,
        kind,
        f"{prefix}{kind} {now:%Y-%m-%d %H:%M} UTC",
        f"{'dry-run:' if dry_run else ''}{kind}:{now.isoformat()}",
    )
    wanted = due_messages(session, kind, now, settings.reminder_delays)
    counts = plan_messages(session, wanted, campaign.id, now, settings.window)
    return (None if drop_if_empty(session, campaign) else campaign), counts


@task(name="plan", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def plan(kind: TouchpointKind, clock: Clock) -> dict[str, Any]:
    """Insert the outbox rows due now for `kind` under the campaign named and keyed by
    this moment (a fixed clock: a retry plans the same campaign); its id is None when
    nothing was planned."""
    with transaction(app_engine()) as session:
        campaign, counts = planned_run(session, kind, clock.now())
        campaign_id = campaign.id if campaign else None
    if campaign_id is not None:
        run_logger().info("planned %s: %s", kind, redacted(str(counts.as_dict())))
    return {"campaign_id": campaign_id, **counts.as_dict()}


@task(name="render", cache_policy=NO_CACHE)
def render(kinds: list[TouchpointKind], campaign_id: int | None = None) -> dict[str, Any]:
    """Render every planned message of `kinds` (of one campaign, if given). If one fails,
    hold them all with the reason (no delivery sends a held row until staff release it)
    and raise `RenderError` naming template and line."""
    with transaction(app_engine()) as session:
        check = check_planned(
            session, get_settings(), kinds, campaign_id=campaign_id, raise_errors=False
        )
        held = hold_failed_run(session, kinds, check.errors, campaign_id) if check.errors else 0
    if check.errors:
        # Render errors quote the subject they refused, which may hold partner data.
        raise RenderError(
            redacted(
                f"render check failed; {held} message(s) held until staff release them"
                f" (`continuity outbox held`, `continuity outbox release`): "
                + "; ".join(check.errors)
            )
        )
    if check.rendered:
        run_logger().info(
            "rendered %d planned messages: %s", check.rendered, dict(check.by_language)
        )
    return check.as_dict()


@task(name="recover-interrupted", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def recover(clock: Clock) -> dict[str, int]:
    """Resolve rows a stopped delivery left in `sending` (see tasks/outbox/recovery.py),
    and give messages the window deferred the due time today's window and calendars give
    them (tasks/outbox/deferrals.py)."""
    with transaction(for_writing(app_engine())) as session:
        outcomes = recover_interrupted(session, clock.now())
        moved = reevaluate_deferred(session, get_settings().window, clock.now())
    if outcomes:
        run_logger().warning("resolved interrupted deliveries: %s", dict(outcomes))
    if moved:
        run_logger().info("%d deferred message(s) given the current window's due time", moved)
    return {**outcomes, **({"deferral_moved": moved} if moved else {})}


@task(name="count-due", cache_policy=NO_CACHE)
def count_due(kinds: list[TouchpointKind], clock: Clock, campaign_id: int | None = None) -> int:
    """Return how many planned messages of `kinds` (of one campaign, if given) are due."""
    with transaction(app_engine()) as session:
        return number_due(session, kinds, clock.now(), campaign_id)


@task(name="due-by-campaign", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def due_now(
    kinds: list[TouchpointKind], clock: Clock, campaign_id: int | None = None
) -> dict[int | None, int]:
    """Return how many planned messages of `kinds` (of one campaign, if given) are due,
    by campaign (None: messages of no campaign)."""
    with transaction(app_engine()) as session:
        return due_by_campaign(session, kinds, clock.now(), campaign_id)


@task(name="settle-campaigns", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def settle_campaigns(campaign_ids: list[int | None]) -> dict[int, str]:
    """Make these campaigns' status, and that of every unsettled one, follow their
    messages; return the statuses that changed, by campaign."""
    with transaction(for_writing(app_engine())) as session:
        changed = settle(session, campaign_ids)
    if changed:
        run_logger().info("campaign statuses: %s", changed)
    return changed


# What a drain counts as dealt with: a decision taken for the message, now. A retry is
# planned again for later, a released row was given back untried, a lost one went to
# another delivery; database_errors counts errors, not messages.
HANDLED = ("sent", "failed", "unconfirmed", "skipped", "deferred")


def handled_share(counts: Counter[str], due: int) -> float:
    """Return the percentage of the `due` messages a drain's `counts` dealt with: below 100
    (99.9 at most) while some are left, 100 once all are."""
    handled = sum(counts[outcome] for outcome in HANDLED)
    if handled >= due:
        return 100.0
    return math.floor(1000 * handled / due) / 10


@only_in_a_run
def delivery_progress(due: int) -> Callable[[Counter[str]], None] | None:
    """Return what keeps the run's progress artifact (messages dealt with of the `due`
    ones) up to date from a drain's running counts; None, and no artifact, when nothing
    is due or outside a run."""
    if not due:
        return None
    progress = create_progress_artifact(0.0, description=f"of the {due} messages due")
    assert isinstance(progress, UUID), "called from a synchronous flow"

    def update(counts: Counter[str]) -> None:
        update_progress_artifact(progress, handled_share(counts, due))

    return update


@cache
def process_pacer(per_minute: int) -> Pacer:
    """One pacer per process, so the rate holds across batches."""
    return Pacer(per_minute)


@task(name="deliver-batch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=10)
def deliver(
    kinds: list[TouchpointKind], clock: Clock, campaign_id: int | None = None
) -> BatchOutcome:
    """Deliver one batch of due messages of `kinds` (of one campaign, if given); return
    what happened to it."""
    settings = get_settings()
    pacer = process_pacer(settings.rate_limit)
    outcome = deliver_batch(app_engine(), settings, kinds, clock, pacer, campaign_id)
    if outcome.claimed:
        run_logger().info("delivered a batch: %s", outcome.as_dict())
    if outcome.stopped:
        run_logger().warning("delivery stopped: %s", outcome.stopped)
    return outcome


@task(name="report", cache_policy=NO_CACHE)
def report(
    kind: TouchpointKind, campaign_id: int | None, delivery: dict[str, int]
) -> dict[str, Any]:
    """Return the run's summary: its campaign's, once its status follows its messages, or,
    when it planned nothing, what it delivered of messages planned before. In a run,
    publish it as artifacts; a run that planned and delivered nothing publishes nothing and
    logs one line."""
    with transaction(for_writing(app_engine())) as session:
        if campaign_id is None:
            summary = nothing_planned(f"{kind}: nothing new planned")
        else:
            settle(session, [campaign_id])
            summary = campaign_summary(session, session.get_one(Campaign, campaign_id))
    if campaign_id is None and not handled_any(delivery):
        run_logger().info("nobody due for %s", kind)
    else:
        publish(summary, delivery, kind)
    return {**summary, "delivery": delivery}


@only_in_a_run
def publish(summary: dict[str, Any], delivery: dict[str, int], kind: TouchpointKind) -> None:
    """Publish the campaign's counts and summary as keyed artifacts; without a campaign,
    what was delivered under one key per kind (`delivery-<kind>`)."""
    if summary["campaign_id"] is None:
        key = f"delivery-{kind.replace('_', '-')}"
        description = f"{kind}: delivery of messages planned by earlier runs"
        publish_markdown(key, summary_markdown(summary, delivery, False), description)
        return
    key = f"campaign-{summary['campaign_id']}"
    description = f"Campaign {summary['campaign_id']}: {markdown_text(summary['campaign'])}"
    empty = {"kind": "-", "status": "-", "messages": 0}
    publish_table(f"{key}-counts", summary["counts"], description, empty)
    publish_markdown(f"{key}-summary", summary_markdown(summary, delivery, False), description)


@task(name="preview", cache_policy=NO_CACHE)
def preview(kind: TouchpointKind, clock: Clock) -> dict[str, Any]:
    """Plan and render what `kind` would send now, report it, then roll it all back;
    return the report with one sample per kind and language (`shown_samples`)."""
    settings = get_settings()
    with transaction(app_engine()) as session:
        campaign, _ = planned_run(session, kind, clock.now(), dry_run=True)
        check = check_planned(session, settings, sent_kinds(kind))
        name = f"dry run: {kind} {clock.now():%Y-%m-%d %H:%M} UTC"
        summary = campaign_summary(session, campaign) if campaign else nothing_planned(name)
        session.rollback()
    summary, samples = preview_result(summary), shown_samples(check.samples)
    publish_preview(kind, summary, samples)
    return {**summary, "render": check.as_dict(), "samples": samples}


@only_in_a_run
def publish_preview(
    kind: TouchpointKind, summary: dict[str, Any], samples: dict[str, dict[str, str]]
) -> None:
    """Publish a preview under its kind's own keys (`preview_key`), never a campaign's."""
    key, description = preview_key(kind), f"Dry run of {kind}: nothing was sent"
    empty = {"kind": "-", "status": "-", "messages": 0}
    publish_table(f"{key}-counts", summary["counts"], description, empty)
    markdown = summary_markdown(summary, {}, True, samples_markdown(samples))
    publish_markdown(f"{key}-summary", markdown, description)
