"""The pipeline's Prefect tasks: plan → render → recover → deliver → report, and the
dry-run preview.

Each task is a plain function under its `@task` (`.fn` runs it without Prefect, as the
demo and the tests do): it reads its settings, opens its own transaction and is safe to
run again. plan, recover and deliver retry (the database or the mail server may fail
for a moment); render, count, report and preview do not (a retry would fail the same
way).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import cache
from typing import Any
from uuid import UUID

from prefect import task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine

from db.campaigns import campaign_for
from db.engine import engine_for, transaction
from db.models import Campaign, TouchpointKind
from db.outbox import number_due
from tasks.artifacts import markdown_text, publish_markdown, publish_table
from tasks.clock import Clock
from tasks.outbox.deferrals import reevaluate_deferred
from tasks.outbox.deliver import BatchOutcome, deliver_batch
from tasks.outbox.holds import hold_failed_run
from tasks.outbox.pacing import Pacer
from tasks.outbox.planning import plan_messages
from tasks.outbox.recovery import recover_interrupted
from tasks.outbox.render import RenderError
from tasks.outbox.render_check import check_planned
from tasks.outbox.report import campaign_summary, summary_markdown
from tasks.privacy import redacted
from tasks.run_context import only_in_a_run, run_logger
from tasks.settings import get_settings
from tasks.touchpoints.registry import due_messages, sent_kinds


def app_engine() -> Engine:
    return engine_for(get_settings().database_url)


@task(name="plan", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def plan(kind: TouchpointKind, clock: Clock) -> dict[str, Any]:
    """Insert the outbox rows due now for `kind` under the campaign named and keyed by
    this moment (a fixed clock: a retry plans the same campaign)."""
    settings, now = get_settings(), clock.now()
    with transaction(app_engine()) as session:
        campaign = campaign_for(
            session, kind, f"{kind} {now:%Y-%m-%d %H:%M} UTC", f"{kind}:{now.isoformat()}"
        )
        wanted = due_messages(session, kind, now, settings.reminder_delays)
        counts = plan_messages(session, wanted, campaign.id, now, settings.window)
        campaign_id = campaign.id
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
    run_logger().info("rendered %d planned messages: %s", check.rendered, dict(check.by_language))
    return check.as_dict()


@task(name="recover-interrupted", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def recover(clock: Clock) -> dict[str, int]:
    """Resolve rows a stopped delivery left in `sending` (see tasks/outbox/recovery.py),
    and give messages the window deferred the due time today's window and calendars give
    them (tasks/outbox/deferrals.py)."""
    with transaction(app_engine()) as session:
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


@only_in_a_run
def delivery_progress(
    kinds: list[TouchpointKind], clock: Clock, campaign_id: int | None = None
) -> Callable[[Counter[str]], None]:
    """Return what keeps the run's progress artifact (messages handled of those due now)
    up to date from a drain's running counts; None outside a run."""
    total = count_due.fn(kinds, clock, campaign_id)
    progress = create_progress_artifact(0.0, description="messages handled in this run")
    assert isinstance(progress, UUID), "called from a synchronous flow"

    def update(counts: Counter[str]) -> None:
        handled = sum(counts.values())
        update_progress_artifact(progress, min(100.0, 100.0 * handled / total) if total else 100.0)

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
def report(campaign_id: int, delivery: dict[str, int], dry_run: bool = False) -> dict[str, Any]:
    """Return the campaign's summary and publish it as Prefect artifacts when in a run."""
    with transaction(app_engine()) as session:
        summary = campaign_summary(session, session.get_one(Campaign, campaign_id))
    publish(summary, delivery, dry_run)
    return {**summary, "delivery": delivery}


@only_in_a_run
def publish(summary: dict[str, Any], delivery: dict[str, int], dry_run: bool) -> None:
    """Publish the campaign's counts and summary as keyed artifacts."""
    key = f"campaign-{summary['campaign_id']}"
    description = f"Campaign {summary['campaign_id']}: {markdown_text(summary['campaign'])}"
    empty = {"kind": "-", "status": "-", "messages": 0}
    publish_table(f"{key}-counts", summary["counts"], description, empty)
    publish_markdown(f"{key}-summary", summary_markdown(summary, delivery, dry_run), description)


@task(name="preview", cache_policy=NO_CACHE)
def preview(kind: TouchpointKind, clock: Clock) -> dict[str, Any]:
    """Plan and render what `kind` would send now, report it, then roll it all back;
    return the report with one sample subject per kind and language."""
    settings, now = get_settings(), clock.now()
    with transaction(app_engine()) as session:
        campaign = campaign_for(
            session,
            kind,
            f"dry run: {kind} {now:%Y-%m-%d %H:%M} UTC",
            f"dry-run:{kind}:{now.isoformat()}",
        )
        wanted = due_messages(session, kind, now, settings.reminder_delays)
        plan_messages(session, wanted, campaign.id, now, settings.window)
        check = check_planned(session, settings, sent_kinds(kind))
        summary = campaign_summary(session, campaign)
        session.rollback()
    summary["campaign"] += " (rolled back)"
    publish(summary, {}, dry_run=True)
    # A sample's text may quote partners' people other than its recipient (the focal
    # points' digest and alerts do): only subjects, without the recipient's name, return.
    return {
        **summary,
        "render": check.as_dict(),
        "samples": {key: {"subject": sample.subject} for key, sample in check.samples.items()},
    }
