"""Helpers for the fault suite: a campaign to a synthetic population, the outbox by
status, and deliver workers as separate processes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import datetime
from email import message_from_bytes
from pathlib import Path

from sqlalchemy import Engine, func, select

from bench.population import NOW, populate
from continuity.settings import get_settings
from db.engine import transaction
from db.models import Message
from tasks.adhoc import AdhocCampaign
from tasks.campaigns import campaign_of, plan_campaign


def campaign_to(engine: Engine, partners: int, contacts_per_partner: int) -> int:
    """Populate the database and plan one campaign to everyone; return its id."""
    populate(engine, partners, contacts_per_partner)
    params = AdhocCampaign.model_validate(
        {
            "name": "Fault suite",
            "dry_run": False,
            "content": {"en": {"subject": "News for {{ partner.short_name }}", "body": "Hello"}},
        }
    )
    with transaction(engine) as session:
        campaign = campaign_of(session, params, NOW)
        plan_campaign(session, campaign, params, NOW, get_settings())
        return campaign.id


def by_status(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        rows = session.execute(select(Message.status, func.count()).group_by(Message.status))
        return {str(status): count for status, count in rows}


def rows(engine: Engine, status: str) -> list[Message]:
    with transaction(engine) as session:
        return list(session.scalars(select(Message).where(Message.status == status)))


def received_ids(accepted) -> Counter[str]:
    """Return how many times the sink accepted each Message-ID."""
    return Counter(str(message_from_bytes(mail.data)["Message-ID"]) for mail in accepted)


def worker(campaign_id: int, as_of: datetime = NOW) -> subprocess.Popen[bytes]:
    """Start `continuity outbox deliver` for the campaign in its own process."""
    command = [
        str(Path(sys.executable).parent / "continuity"),
        *("outbox", "deliver", "--json", "--campaign", str(campaign_id)),
        *("--as-of", as_of.isoformat()),
    ]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy()
    )
