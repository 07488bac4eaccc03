"""The `adhoc-campaign` flow: an update campaign triggered by staff from the Prefect UI."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.touchpoint import deliver_all
from tasks.campaigns.stages import create_campaign, plan_test_sends, preview_campaign
from tasks.outbox.stages import clock_for, render, report
from tasks.touchpoints.adhoc import AdhocCampaign


@flow(name="adhoc-campaign")
def adhoc_campaign(campaign: AdhocCampaign) -> dict[str, Any]:
    """Send an update campaign to an audience: preview it (the default), send it to staff
    test addresses, or send it for real, now or at `send_at`.

    Args:
        campaign: audience, content and how to send it.
    """
    if campaign.dry_run:
        return preview_campaign(campaign)
    created = plan_test_sends(campaign) if campaign.test_recipients else create_campaign(campaign)
    if created.get("cancelled"):
        return created
    campaign_id = created["campaign_id"]
    render([campaign.kind], campaign_id)
    delivery = {}
    if campaign.test_recipients or not campaign.send_at or campaign.send_at <= clock_for(None)():
        delivery = deliver_all([campaign.kind], None, campaign_id)
    return report(campaign_id, delivery)
