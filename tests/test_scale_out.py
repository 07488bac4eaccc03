"""Several deliver workers, separate processes as on separate machines, drain one campaign
on PostgreSQL: rows are claimed with FOR UPDATE SKIP LOCKED, none is sent twice."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from tasks.settings import get_settings
from tests.faults import by_status, campaign_to, received_ids, worker

WORKERS = 4


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_four_workers_send_every_message_exactly_once(
    engine: Engine, app_env, smtp_sink, fault_figures
) -> None:
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    app_env.setenv("CONTINUITY_BATCH_SIZE", "20")
    get_settings.cache_clear()
    campaign_id = campaign_to(engine, 300, 2)
    processes = [worker(campaign_id) for _ in range(WORKERS)]
    counts = []
    for process in processes:
        output, errors = process.communicate(timeout=300)
        assert process.returncode == 0, errors
        counts.append(json.loads(output).get("sent", 0))
    received = received_ids(smtp_sink.accepted)
    fault_figures(f"scale-out: {WORKERS} workers on PostgreSQL sent {counts} of 600 messages")
    assert sum(counts) == 600 == len(received) and max(received.values()) == 1
    assert sum(1 for count in counts if count) >= 2, "the workers shared the campaign"
    assert by_status(engine) == {"sent": 600}
