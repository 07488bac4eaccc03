"""Lanes: a batch delivered over several SMTP connections side by side (PostgreSQL)."""

from __future__ import annotations

import re
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from db.models import MessageStatus, TouchpointKind
from tasks.clock import Clock
from tasks.outbox.deliver import deliver_batch
from tasks.outbox.drain import drain
from tasks.outbox.lanes import lane_connection, lane_count, split_into_lanes
from tasks.outbox.pacing import Pacer
from tasks.settings import get_settings
from tests.pipeline import messages, plan

CHECKIN = TouchpointKind.SUSTAINABILITY_CHECKIN
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_batch_is_dealt_into_lanes_each_in_due_order() -> None:
    assert split_into_lanes([5, 6, 7, 8, 9], 2) == [[5, 7, 9], [6, 8]]
    assert split_into_lanes([5, 6], 4) == [[5], [6]]
    assert split_into_lanes([], 4) == []


def test_a_lane_gives_its_connection_back_out_of_autocommit(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a lane on SQLite takes an ordinary connection")
    lane = lane_connection(engine)
    driver = lane.connection.driver_connection
    assert driver.autocommit  # a hand-over commits itself (db/row_updates.py)
    lane.close()
    with engine.connect() as next_user:  # the pool hands the same connection out again
        assert next_user.connection.driver_connection is driver
        assert not driver.autocommit


def test_each_lane_is_one_connection_and_every_message_goes_once(
    imported: Engine, app_env, smtp_sink
) -> None:
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    app_env.setenv("CONTINUITY_SMTP_CONNECTIONS", "3")
    get_settings.cache_clear()
    planned = imported
    plan(planned, CHECKIN, NOW)
    drain(lambda: deliver_batch(planned, get_settings(), [CHECKIN], Clock.at(NOW)))
    sent = messages(planned, status=MessageStatus.SENT)
    ids = Counter(re.search(rb"Message-ID: (\S+)", r.data).group(1) for r in smtp_sink.accepted)
    assert len(sent) >= 3 and len(ids) == len(sent) and max(ids.values()) == 1
    # SQLite has one writer: its batches take one lane whatever is configured.
    expected = 1 if planned.dialect.name == "sqlite" else 3
    assert lane_count(planned, get_settings()) == expected
    assert smtp_sink.connections == expected


def test_lanes_share_the_rate_limit_each_send_taking_the_next_slot() -> None:
    sleeps: list[float] = []
    pacer = Pacer(120, sleep=sleeps.append, monotonic=lambda: 100.0)
    threads = [threading.Thread(target=lambda: [pacer.wait() for _ in range(2)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sleeps) == pytest.approx([0.5 * slot for slot in range(1, 8)])


def test_a_lane_that_fails_stops_the_others_and_leaves_no_row_sending(
    imported: Engine, app_env, smtp_sink, monkeypatch
) -> None:
    from tasks.outbox import composition as composition_module

    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    app_env.setenv("CONTINUITY_SMTP_CONNECTIONS", "3")
    get_settings.cache_clear()
    plan(imported, CHECKIN, NOW)
    real_render, calls = composition_module.render_message, Counter()

    def fails_on_the_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("a template bug")
        return real_render(*args, **kwargs)

    monkeypatch.setattr(composition_module, "render_message", fails_on_the_second)
    with pytest.raises(RuntimeError, match="a template bug"):
        deliver_batch(imported, get_settings(), [CHECKIN], Clock.at(NOW))
    statuses = Counter(m.status for m in messages(imported))
    assert MessageStatus.SENDING not in statuses
    assert statuses[MessageStatus.PLANNED] >= 1
    assert len(smtp_sink.accepted) == statuses[MessageStatus.SENT]
    # Each other lane stopped after the message in hand, not at the end of its share.
    assert statuses[MessageStatus.SENT] <= 2 * lane_count(imported, get_settings())
