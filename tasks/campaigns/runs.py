"""Ad-hoc campaigns from creation to cancellation: one campaign per idempotency key,
planned like any touchpoint, previewed inside a rolled-back transaction, test-sent to
staff, cancelled on request."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db.campaigns import campaign_for, recipients_of
from db.models import Campaign
from db.outbox import counts_by_status
from db.outbox_decisions import cancel_campaign_messages
from tasks.outbox.planning import PlanCounts, Planned, plan_messages
from tasks.outbox.render_check import check_planned
from tasks.outbox.report import campaign_summary
from tasks.settings import Settings
from tasks.staff.focal_points import staff_contact
from tasks.touchpoints import adhoc
from tasks.touchpoints.adhoc import AdhocCampaign


def idempotency_key(params: AdhocCampaign, now: datetime) -> str:
    """Return the campaign's key: the one given, else a digest of its parameters and the
    day, so a double click or a retried trigger finds the same campaign."""
    if params.idempotency_key:
        return f"adhoc:{params.idempotency_key}"
    chosen = params.model_dump(mode="json", exclude={"dry_run", "idempotency_key"})
    digest = hashlib.sha256(json.dumps(chosen, sort_keys=True).encode()).hexdigest()[:32]
    return f"adhoc:{now:%Y-%m-%d}:{digest}"


def campaign_of(session: Session, params: AdhocCampaign, now: datetime) -> Campaign:
    campaign = campaign_for(
        session,
        params.kind,
        params.name,
        idempotency_key(params, now),
        params.model_dump(mode="json", exclude={"test_recipients"}),
    )
    campaign.send_at = params.send_at
    return campaign


def plan_campaign(
    session: Session, campaign: Campaign, params: AdhocCampaign, now: datetime, settings: Settings
) -> PlanCounts:
    """Plan the campaign's messages, due at `send_at` (or now) or the next sending window."""
    start = max(now, params.send_at) if params.send_at else now
    wanted = adhoc.due(session, campaign, params)
    return plan_messages(session, wanted, campaign.id, start, settings.window)


def preview(
    session: Session, params: AdhocCampaign, now: datetime, settings: Settings
) -> dict[str, Any]:
    """Return what the campaign would do: audience by language and country, one sample per
    language, and warnings. The caller rolls the transaction back."""
    campaign = campaign_of(session, params, now)
    counts = plan_campaign(session, campaign, params, now, settings)
    check = check_planned(
        session, settings, [params.kind], campaign_id=campaign.id, raise_errors=False
    )
    summary = campaign_summary(session, campaign)
    return {
        "campaign": params.name,
        "audience": counts.inserted,
        **audience_breakdown(session, campaign.id),
        "samples": {
            key: {"subject": s.subject, "text": s.text} for key, s in check.samples.items()
        },
        "warnings": warnings(counts, check.fallbacks, check.errors),
        "counts": summary["counts"],
    }


def audience_breakdown(session: Session, campaign_id: int) -> dict[str, dict[str, int]]:
    """Return the campaign's audience by contact language and by country."""
    rows = recipients_of(session, campaign_id)
    return {
        "by_language": dict(Counter(language for language, _ in rows)),
        "by_country": dict(Counter(country or "?" for _, country in rows)),
    }


def warnings(counts: PlanCounts, fallbacks: Counter[str], errors: list[str]) -> list[str]:
    found = [f"{count} skipped: {reason}" for reason, count in counts.skip_reasons.items()]
    found += [
        f"{count} contacts get another language ({pair})" for pair, count in fallbacks.items()
    ]
    return found + [f"will not render: {error}" for error in errors]


def plan_tests(
    session: Session, campaign: Campaign, params: AdhocCampaign, now: datetime, settings: Settings
) -> PlanCounts:
    """Plan one test message per staff address and language of the content; each request
    is a new occurrence, so tests can be sent again."""
    languages = params.content.languages or ["en"]
    sample = next(adhoc.audience(session, params.audience), None)
    wanted = [
        Planned(
            contact=staff_contact(session, address, language),
            kind=params.kind,
            occurrence_key=f"adhoc:campaign{campaign.id}:test:{now.isoformat()}:{language}",
            partnership=sample[1] if sample else None,
            context={"campaign_id": campaign.id, "test": True, "occurrence": now.isoformat()},
            language=language,
        )
        for address in params.test_recipients
        for language in languages
    ]
    always_open = settings.model_copy(update={"sending_window": "mon-sun 00:00-23:59"})
    return plan_messages(session, wanted, campaign.id, now, always_open.window)


def cancel(session: Session, campaign: Campaign, now: datetime, said: str = "") -> dict[str, int]:
    """Cancel what the campaign still has planned or held, with `said` (who and why, if
    given) in each message's reason; return its messages by status."""
    reason = f"campaign cancelled at {now:%Y-%m-%d %H:%M} UTC"
    cancel_campaign_messages(session, campaign.id, f"{reason} {said}".strip())
    campaign.status, campaign.cancelled_at = "cancelled", now
    return counts_by_status(session, campaign_id=campaign.id)
