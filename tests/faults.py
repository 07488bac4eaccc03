"""Helpers for the fault suite: a campaign to a synthetic population, the outbox by
status, and deliver workers as separate processes."""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from datetime import datetime
from email import message_from_bytes

from sqlalchemy import Engine, func, select

from bench.population import NOW, populate
from bench.run import deliver_command, planned_campaign
from db.engine import transaction
from db.models import Message


def campaign_to(engine: Engine, partners: int, contacts_per_partner: int) -> int:
    """Populate the database and plan one campaign to everyone; return its id."""
    populate(engine, partners, contacts_per_partner)
    return planned_campaign(engine, "Fault suite")[0]


def by_status(engine: Engine) -> dict[str, int]:
    with transaction(engine) as session:
        rows = session.execute(select(Message.status, func.count()).group_by(Message.status))
        return {str(status): count for status, count in rows}


def received_ids(accepted) -> Counter[str]:
    """Return how many times the sink accepted each Message-ID."""
    return Counter(str(message_from_bytes(mail.data)["Message-ID"]) for mail in accepted)


def worker(campaign_id: int, as_of: datetime = NOW) -> subprocess.Popen[bytes]:
    """Start `continuity outbox deliver` for the campaign in its own process."""
    return subprocess.Popen(
        deliver_command(campaign_id, as_of),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
