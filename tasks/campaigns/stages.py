"""The ad-hoc campaign's Prefect tasks (`.fn` runs each without Prefect) and its
cancellation."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from db.engine import transaction
from db.models import Campaign
from tasks.artifacts import code_block, markdown_text, publish_markdown
from tasks.campaigns.runs import campaign_of, cancel, plan_campaign, plan_tests, preview
from tasks.clock import Clock
from tasks.outbox.stages import app_engine
from tasks.run_context import only_in_a_run, run_logger
from tasks.settings import get_settings
from tasks.touchpoints.adhoc import AdhocCampaign


@task(name="preview-campaign", cache_policy=NO_CACHE)
def preview_campaign(params: AdhocCampaign, clock: Clock) -> dict[str, Any]:
    """Preview the campaign inside a transaction that is rolled back; in a flow run,
    publish the preview."""
    with transaction(app_engine()) as session:
        found = preview(session, params, clock.now(), get_settings())
        session.rollback()
    publish_preview(found)
    return found


@only_in_a_run
def publish_preview(found: dict[str, Any]) -> None:
    publish_markdown("adhoc-campaign-preview", preview_markdown(found))


def preview_markdown(found: dict[str, Any]) -> str:
    """Return the preview as Markdown: every value escaped, each sample's text verbatim in
    a code block."""
    md = markdown_text
    lines = [
        f"# Preview: {md(found['campaign'])}",
        "",
        f"Audience: **{found['audience']}** contacts",
    ]
    for title, counts in (("language", found["by_language"]), ("country", found["by_country"])):
        lines += ["", f"| {title} | contacts |", "|---|---|"]
        lines += [f"| {md(value)} | {count} |" for value, count in sorted(counts.items())]
    if found["warnings"]:
        lines += ["", "## Warnings", ""] + [f"- {md(warning)}" for warning in found["warnings"]]
    for key, sample in found["samples"].items():
        lines += ["", f"## Sample {md(key)}", "", f"**{md(sample['subject'])}**", ""]
        lines += code_block(sample["text"].strip())
    return "\n".join(lines) + "\n"


@task(name="create-campaign", cache_policy=NO_CACHE, retries=2)
def create_campaign(params: AdhocCampaign, clock: Clock) -> dict[str, Any]:
    """Create the campaign (once per idempotency key) and plan its messages."""
    settings, now = get_settings(), clock.now()
    with transaction(app_engine()) as session:
        campaign = campaign_of(session, params, now)
        if campaign.status == "cancelled":
            return {"campaign_id": campaign.id, "cancelled": True}
        counts = plan_campaign(session, campaign, params, now, settings)
        campaign_id = campaign.id
    run_logger().info("campaign %s planned: %s", campaign_id, counts.as_dict())
    return {"campaign_id": campaign_id, **counts.as_dict()}


@task(name="plan-test-sends", cache_policy=NO_CACHE)
def plan_test_sends(params: AdhocCampaign, clock: Clock) -> dict[str, Any]:
    """Plan the campaign's test sends to staff addresses."""
    settings, now = get_settings(), clock.now()
    with transaction(app_engine()) as session:
        campaign = campaign_of(session, params, now)
        counts = plan_tests(session, campaign, params, now, settings)
        campaign_id = campaign.id
    return {"campaign_id": campaign_id, **counts.as_dict()}


def cancel_campaign(campaign_id: int, clock: Clock, said: str = "") -> dict[str, int]:
    """Cancel what the campaign still has planned or held (`said`: who and why, kept with
    each message); return its messages by status."""
    with transaction(app_engine()) as session:
        return cancel(session, session.get_one(Campaign, campaign_id), clock.now(), said)
