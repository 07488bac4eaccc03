"""The naive orchestration baseline: one Prefect task per message, each with its own
database session and its own SMTP connection, run on a sample and extrapolated."""

from __future__ import annotations

import time
from datetime import datetime

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from bench.population import NOW
from db.engine import make_engine, session_factory, transaction
from db.models import TouchpointKind
from db.outbox import RowWrites, claim_batch, messages_with_recipients
from tasks.mail.transport import open_transport
from tasks.outbox.deliver import deliver_one
from tasks.settings import get_settings


@task(cache_policy=NO_CACHE)
def send_one(message_id: int) -> str:
    """Deliver one claimed message: own session, own connection, own commit."""
    settings = get_settings()
    engine = make_engine(settings.database_url)
    session = session_factory(engine)()
    try:
        (message,) = messages_with_recipients(session, [message_id])
        writes = RowWrites()
        with open_transport(settings.mail_url, settings.smtp_timeout) as transport:
            result = deliver_one(session, writes, message, transport, settings, _now, None, {})
        writes.commit(session)
        return result
    finally:
        session.close()
        engine.dispose()


@flow(name="naive-delivery")
def naive_delivery(message_ids: list[int]) -> list[str]:
    return [send_one(message_id) for message_id in message_ids]


def naive_rate(campaign_id: int, sample: int) -> float:
    """Return messages per second of the naive flow over `sample` messages of the
    campaign (after a warm-up run of 5, so the Prefect server's start is not counted)."""
    engine = make_engine(get_settings().database_url)
    with transaction(engine) as session:
        warm_up = claim_batch(session, [TouchpointKind.ADHOC], _now(), 5, campaign_id)
        measured = claim_batch(session, [TouchpointKind.ADHOC], _now(), sample, campaign_id)
    engine.dispose()
    naive_delivery(warm_up)
    started = time.perf_counter()
    results = naive_delivery(measured)
    elapsed = time.perf_counter() - started
    assert results.count("sent") == len(measured), results
    return len(measured) / elapsed


def _now() -> datetime:
    return NOW
