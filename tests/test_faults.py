"""The fault suite: SMTP faults from a real server, deliveries killed with SIGKILL, lost
and locked databases. Run it alone with `pytest -m faults`; its figures are printed in
the "fault suite figures" section of the test output."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import threading
import time
from collections import Counter
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.engine import make_url

from bench.population import NOW
from db import engine as db_engine
from db.engine import make_engine, transaction
from db.models import Message, MessageStatus, TouchpointKind
from tasks.clock import Clock
from tasks.outbox.deliver import deliver_batch
from tasks.outbox.lanes import lane_count
from tasks.outbox.recovery import LEASE
from tasks.settings import get_settings
from tests.faults import by_status, campaign_to, received_ids, worker
from tests.pipeline import messages
from tests.smtp import SinkHandler, SinkServer, free_port

pytestmark = pytest.mark.faults
ADHOC = [TouchpointKind.ADHOC]


def one_batch(engine: Engine, campaign_id: int, at):
    return deliver_batch(engine, get_settings(), ADHOC, Clock.at(at), None, campaign_id)


def drained(engine: Engine, campaign_id: int) -> int:
    """Deliver the campaign batch after batch; return how many database errors it met."""
    errors = 0
    while (outcome := one_batch(engine, campaign_id, NOW)).claimed:
        errors += outcome.by_outcome["database_errors"]
    return errors


def next_due(engine: Engine):
    with transaction(engine) as session:
        return session.scalar(
            select(func.min(Message.due_at)).where(Message.status == MessageStatus.PLANNED)
        )


def injected_faults(rng: random.Random, permanent: set[str], injected: Counter[str]):
    """Return the server's decision per message: 1% of recipients refused for good,
    else 10% 4xx, 3% dropped at DATA, 2% too slow, 1% dropped after the data."""

    def decide(envelope) -> str:
        if envelope.rcpt_tos[0] in permanent:
            injected["5xx"] += 1
            return "550 5.1.1 mailbox unavailable"
        roll = rng.random()
        for limit, fault, decision in (
            (0.10, "4xx", "451 4.3.0 try again later"),
            (0.13, "dropped at DATA", "drop-at-data"),
            (0.15, "slower than the timeout", "slow"),
            (0.16, "dropped after the data", "disconnect"),
        ):
            if roll < limit:
                injected[fault] += 1
                return decision
        return "accept"

    return decide


def test_smtp_faults_end_delivered_failed_or_in_doubt_never_twice(
    engine: Engine, app_env, fault_figures
) -> None:
    app_env.setenv("CONTINUITY_SMTP_TIMEOUT", "1.5")
    app_env.setenv("CONTINUITY_MAX_ATTEMPTS", "12")
    app_env.setenv("CONTINUITY_BATCH_SIZE", "50")
    port = free_port()
    app_env.setenv("CONTINUITY_MAIL_URL", f"smtp://127.0.0.1:{port}?security=none")
    get_settings.cache_clear()
    campaign_id = campaign_to(engine, 300, 2)
    rng = random.Random(7)
    permanent = {f"c{n}.0@bench.example" for n in rng.sample(range(300), 6)}
    injected: Counter[str] = Counter()
    server = SinkServer(SinkHandler(decide=injected_faults(rng, permanent, injected)), port)
    server.handler.delay = 4.0
    moment, started, rounds = NOW, False, 0
    try:
        while rounds < 400:
            rounds += 1
            if not started and moment >= NOW + timedelta(minutes=1):
                server.start()
                started = True
            if not started:
                injected["batches while the server was down"] += 1
            outcome = one_batch(engine, campaign_id, moment)
            due = next_due(engine)
            if due is None and not outcome.claimed:
                break
            moment = max(moment + timedelta(seconds=30), due or moment)
    finally:
        if started:
            server.stop()
    statuses = by_status(engine)
    received = received_ids(server.accepted)
    sent = messages(engine, status=MessageStatus.SENT)
    failed = messages(engine, status=MessageStatus.FAILED)
    unconfirmed = messages(engine, status=MessageStatus.UNCONFIRMED)
    fault_figures(
        f"SMTP faults: 600 messages, {sum(injected.values())} faults injected "
        f"({dict(injected)}), {rounds} deliver batches over "
        f"{(moment - NOW).total_seconds() / 60:.0f} simulated minutes: {statuses}; "
        f"duplicates {sum(c - 1 for c in received.values())}, lost "
        f"{600 - sum(statuses.get(s, 0) for s in ('sent', 'failed', 'unconfirmed'))}"
    )
    assert set(statuses) <= {"sent", "failed", "unconfirmed"}
    assert max(received.values()) == 1
    assert {m.message_id for m in sent} == set(received)
    assert len(failed) == len(permanent)
    assert all("550 5.1.1 mailbox unavailable" in m.status_reason for m in failed)
    assert len(unconfirmed) == injected["dropped after the data"]
    assert all("after the whole message was sent" in m.status_reason for m in unconfirmed)
    assert injected["4xx"] and injected["dropped at DATA"] and injected["slower than the timeout"]


def kill_after(process, sink: SinkServer, count: int, deadline: float) -> None:
    """SIGKILL `process` once the sink holds `count` messages (or it has ended)."""
    while len(sink.accepted) < count and process.poll() is None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()


def test_deliveries_killed_at_random_never_send_twice_nor_lose_a_message(
    engine: Engine, app_env, smtp_sink, fault_figures
) -> None:
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    app_env.setenv("CONTINUITY_BATCH_SIZE", "20")
    get_settings.cache_clear()
    total = 400
    campaign_id = campaign_to(engine, total // 2, 2)
    rng = random.Random(11)
    trials, lanes = 20, lane_count(engine, get_settings())
    for _ in range(trials):
        target = len(smtp_sink.accepted) + rng.randint(1, 15)
        kill_after(worker(campaign_id), smtp_sink, target, time.monotonic() + 60)
    left = by_status(engine)
    final = worker(campaign_id, NOW + LEASE + timedelta(minutes=1))
    output, errors = final.communicate(timeout=120)
    assert final.returncode == 0, errors
    summary = json.loads(output)
    statuses = by_status(engine)
    received = received_ids(smtp_sink.accepted)
    unconfirmed = messages(engine, status=MessageStatus.UNCONFIRMED)
    in_doubt_received = sum(1 for m in unconfirmed if m.message_id in received)
    fault_figures(
        f"crashes: {trials} SIGKILL trials on {total} messages, {lanes} SMTP connection(s)"
        f" per worker; left sending: "
        f"{left.get('sending', 0)}, resolved as requeued {summary.get('recovered_requeued', 0)}"
        f" and unconfirmed {summary.get('recovered_unconfirmed', 0)} ({in_doubt_received} of"
        f" them had reached the server); final: {statuses}; duplicates "
        f"{sum(c - 1 for c in received.values())}, lost "
        f"{total - statuses.get('sent', 0) - statuses.get('unconfirmed', 0)}"
    )
    assert set(statuses) <= {"sent", "unconfirmed"}
    assert statuses.get("sent", 0) + len(unconfirmed) == total
    assert max(received.values()) == 1
    sent_ids = {m.message_id for m in messages(engine, status=MessageStatus.SENT)}
    assert sent_ids <= set(received)
    assert set(received) <= sent_ids | {m.message_id for m in unconfirmed}
    assert len(unconfirmed) <= trials * lanes  # at most one in doubt per connection a kill
    assert summary.get("recovered_unconfirmed", 0) == len(unconfirmed)
    assert left.get("sending", 0) == summary.get("recovered_requeued", 0) + len(unconfirmed)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_postgresql_connection_killed_mid_batch_loses_nothing(
    engine: Engine, app_env, smtp_sink, fault_figures
) -> None:
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    app_env.setenv("CONTINUITY_BATCH_SIZE", "50")
    get_settings.cache_clear()
    campaign_id = campaign_to(engine, 100, 2)
    url = make_url(engine.url)
    admin = psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    )
    arrivals, killed = Counter(), Counter()

    def decide(envelope) -> str:
        arrivals["n"] += 1
        if arrivals["n"] in (25, 70, 160):
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
            killed["connections"] += len(rows)
        return "accept"

    smtp_sink.handler.decide = decide
    try:
        errors = drained(engine, campaign_id)
    finally:
        admin.close()
    statuses = by_status(engine)
    received = received_ids(smtp_sink.accepted)
    fault_figures(
        f"PostgreSQL: {killed['connections']} connections terminated at 3 points of a 200"
        f" message campaign; {errors} database errors; final {statuses}; duplicates"
        f" {sum(c - 1 for c in received.values())}"
    )
    # Every lane whose connection was terminated meets the error once.
    assert 3 <= errors <= 3 * lane_count(engine, get_settings())
    assert statuses == {"sent": 200}
    assert len(received) == 200 and max(received.values()) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sqlite_database_locked_past_the_timeout_loses_nothing(
    database_url: str, app_env, smtp_sink, fault_figures, monkeypatch
) -> None:
    monkeypatch.setattr(db_engine, "SQLITE_BUSY_TIMEOUT_MS", 100)
    engine = make_engine(database_url)
    app_env.setenv("CONTINUITY_MAIL_URL", smtp_sink.url)
    app_env.setenv("CONTINUITY_BATCH_SIZE", "50")
    get_settings.cache_clear()
    campaign_id = campaign_to(engine, 100, 2)
    path = make_url(database_url).database
    arrivals = Counter()

    def lock_for_a_while() -> None:
        blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        blocker.execute("BEGIN IMMEDIATE")
        threading.Timer(0.8, lambda: (blocker.execute("COMMIT"), blocker.close())).start()

    def decide(envelope) -> str:
        arrivals["n"] += 1
        if arrivals["n"] in (30, 120):
            lock_for_a_while()
        return "accept"

    smtp_sink.handler.decide = decide
    errors = drained(engine, campaign_id)
    engine.dispose()
    statuses = by_status(make_engine(database_url))
    received = received_ids(smtp_sink.accepted)
    fault_figures(
        f"SQLite: locked twice for 0.8 s (busy timeout 0.1 s) during a 200 message campaign;"
        f" {errors} database errors; final {statuses}; duplicates"
        f" {sum(c - 1 for c in received.values())}"
    )
    assert 1 <= errors <= 2
    assert statuses == {"sent": 200}
    assert len(received) == 200 and max(received.values()) == 1
