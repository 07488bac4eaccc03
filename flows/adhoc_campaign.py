"""The `adhoc-campaign` flow: an update campaign triggered by staff from the Prefect UI."""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow

from flows.parameters import AsOf, titled
from flows.touchpoint import deliver_due
from tasks.campaigns.stages import create_campaign, plan_test_sends, preview_campaign
from tasks.clock import Clock, real_clock
from tasks.outbox.stages import render, report
from tasks.touchpoints.adhoc import AdhocCampaign


@flow(name="adhoc-campaign")
def adhoc_campaign(
    campaign: Annotated[AdhocCampaign, titled("Campaign")], as_of: AsOf = None
) -> dict[str, Any]:
    """Send an update campaign to an audience: preview it (the default), send it to staff
    test addresses, or send it for real, now or at `send_at`.

    Args:
        campaign: audience, content and how to send it.
        as_of: the moment to act for (default: now).
    """
    clock = Clock.at(as_of) if campaign.dry_run else real_clock(as_of)
    if campaign.dry_run:
        return preview_campaign(campaign, clock)
    created = (
        plan_test_sends(campaign, clock)
        if campaign.test_recipients
        else create_campaign(campaign, clock)
    )
    if created.get("cancelled"):
        return created
    campaign_id = created["campaign_id"]
    render([campaign.kind], campaign_id)
    delivery = {}
    if campaign.test_recipients or not campaign.send_at or campaign.send_at <= clock.now():
        delivery = deliver_due([campaign.kind], clock, campaign_id)
    return report(campaign.kind, campaign_id, delivery)
