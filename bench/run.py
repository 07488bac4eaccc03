"""The delivery benchmark: ad-hoc campaigns to a synthetic population, end to end (plan,
render, deliver, record), against a local SMTP sink in its own process, beside two
baselines on the same sink and machine: the protocol's own limit (bare smtplib loops,
over one connection and over as many connections as a worker delivers over) and a naive
orchestration (one Prefect task per message).

    .venv/bin/python -m bench.run --contacts 20000 [--workers 1,2] [--naive-sample 200]
                                  [--database-url URL] [--dkim rsa|ed25519]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import smtplib
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from bench.dkim_key import KINDS, write_key
from bench.population import NOW, populate
from bench.sink import Sink
from db.engine import make_engine, transaction
from db.migrate import upgrade
from db.models import TouchpointKind
from tasks.campaigns.runs import campaign_of, plan_campaign
from tasks.clock import Clock
from tasks.outbox.deliver import deliver_batch
from tasks.outbox.lanes import lane_count
from tasks.outbox.render_check import check_planned
from tasks.settings import get_settings
from tasks.touchpoints.adhoc import AdhocCampaign

CONTACTS_PER_PARTNER = 4


def protocol_limit(url: str, count: int, connections: int = 1) -> float:
    """Messages per second of bare smtplib loops over `connections` connections side by
    side (one thread each), pre-built messages."""
    port = int(url.split(":")[2].split("?")[0])

    def send(first: int) -> None:
        with smtplib.SMTP("127.0.0.1", port) as connection:
            for n in range(first, count, connections):
                data = sample_message(n)
                connection.sendmail("bench@example.org", [f"c{n}@bench.example"], data)

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(send, range(connections)))
    return count / (time.perf_counter() - started)


SAMPLE_BODY = b"Dear partner, this is a line of a benchmark message.\r\n" * 110


def sample_message(n: int) -> bytes:
    """Return a plain message of about the size of ours (6 KB), made as it is sent so
    that 200,000 of them are never in memory at once."""
    headers = (
        b"From: bench@example.org\r\nTo: c@bench.example\r\nSubject: News\r\n"
        + f"Message-ID: <bench-{n}@bench.example>\r\n".encode()
        + b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    return headers + SAMPLE_BODY


def planned_campaign(engine: Engine, name: str) -> tuple[int, float]:
    """Plan a campaign to every contact; return its id and the seconds it took."""
    params = AdhocCampaign.model_validate(
        {
            "name": name,
            "dry_run": False,
            "content": {
                lang: {
                    "subject": "News for {{ partner.short_name }}",
                    "body": "Dear {{ contact.name }},\n\n**News** from UNICEF: "
                    "[read](https://www.unicef.org).",
                }
                for lang in ("fr", "en", "es")
            },
        }
    )
    started = time.perf_counter()
    with transaction(engine) as session:
        campaign = campaign_of(session, params, NOW)
        plan_campaign(session, campaign, params, NOW, get_settings())
        campaign_id = campaign.id
    return campaign_id, time.perf_counter() - started


def ours(engine: Engine, workers: int) -> dict[str, float]:
    """Run one campaign through plan, render and deliver (here when `workers` is 1, else in
    that many `continuity outbox deliver` processes); return seconds per stage."""
    campaign_id, plan_seconds = planned_campaign(engine, f"Benchmark, {workers} worker(s)")
    timings = {"plan": plan_seconds}
    started = time.perf_counter()
    with transaction(engine) as session:
        check_planned(session, get_settings(), [TouchpointKind.ADHOC], campaign_id=campaign_id)
    timings["render"] = time.perf_counter() - started
    started = time.perf_counter()
    if workers == 1:
        deliver_here(engine, campaign_id)
    else:
        deliver_in_processes(campaign_id, workers)
    timings["deliver"] = time.perf_counter() - started
    return timings


def deliver_here(engine: Engine, campaign_id: int) -> None:
    settings, kinds = get_settings(), [TouchpointKind.ADHOC]
    while deliver_batch(engine, settings, kinds, Clock.at(NOW), None, campaign_id).claimed:
        pass


def deliver_command(campaign_id: int, as_of: datetime = NOW) -> list[str]:
    """Return the command of one deliver worker for the campaign's messages."""
    return [
        str(Path(sys.executable).parent / "continuity"),
        *("outbox", "deliver", "--json", "--kind", "adhoc"),
        *("--campaign", str(campaign_id), "--as-of", as_of.isoformat()),
    ]


def deliver_in_processes(campaign_id: int, workers: int) -> None:
    command = deliver_command(campaign_id)
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE) for _ in range(workers)]
    for process in processes:
        output, _ = process.communicate()
        if process.returncode:
            raise SystemExit(f"a deliver worker failed ({process.returncode}): {output!r}")


def run_ours(engine: Engine, workdir: Path, contacts: int, workers: int) -> dict[str, Any]:
    sink = Sink(workdir)
    os.environ["CONTINUITY_MAIL_URL"] = sink.url
    get_settings.cache_clear()
    try:
        timings = ours(engine, workers)
    finally:
        received = sink.stop()
    rate = contacts / sum(timings.values())
    return {
        "workers": workers,
        "msgs_per_s": round(rate, 1),
        "seconds_per_stage": {name: round(value, 2) for name, value in timings.items()},
        "deliver_only_msgs_per_s": round(contacts / timings["deliver"], 1),
        "received": sum(received.values()),
        "duplicates": sum(count - 1 for count in received.values() if count > 1),
        "missing": contacts - len(received),
    }


def run_naive(engine: Engine, workdir: Path, sample: int) -> float:
    from bench.naive import naive_rate

    campaign_id, _ = planned_campaign(engine, "Benchmark, naive")
    sink = Sink(workdir)
    os.environ["CONTINUITY_MAIL_URL"] = sink.url
    get_settings.cache_clear()
    try:
        return naive_rate(campaign_id, sample)
    finally:
        sink.stop()


def configure(url: str, workdir: Path) -> None:
    """Settings through the environment, as every process of the product reads them."""
    os.environ.update(
        {
            "CONTINUITY_DATABASE_URL": url,
            "CONTINUITY_SECRET_KEY": secrets.token_hex(32),
            "CONTINUITY_RATE_LIMIT": "0",
            "CONTINUITY_BATCH_SIZE": "500",
            "CONTINUITY_SENDING_WINDOW": "mon-sun 00:00-23:59",
            "PREFECT_HOME": str(workdir / "prefect"),
            "PREFECT_LOGGING_LEVEL": "WARNING",
            "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
        }
    )
    get_settings.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument(
        "--workers", default="1,2", help="deliver processes per run, e.g. 1,2: one run each"
    )
    parser.add_argument("--naive-sample", type=int, default=200, help="0 skips the baseline")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--dkim", choices=KINDS, help="sign every message with a new key")
    arguments = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="continuity-bench-"))
    url = arguments.database_url or f"sqlite:///{workdir / 'bench.db'}"
    configure(url, workdir)
    if arguments.dkim:
        os.environ["CONTINUITY_DKIM_SELECTOR"] = "bench"
        os.environ["CONTINUITY_DKIM_KEY_FILE"] = str(write_key(workdir, arguments.dkim))
        get_settings.cache_clear()
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    populate(engine, arguments.contacts // CONTACTS_PER_PARTNER, CONTACTS_PER_PARTNER)
    print(f"population: {arguments.contacts} contacts in {time.perf_counter() - started:.1f} s")
    report = measure(engine, workdir, arguments)
    print(json.dumps(report, indent=2))


def measure(engine: Engine, workdir: Path, arguments: argparse.Namespace) -> dict[str, Any]:
    # The runs deliver to an SMTP sink: as many lanes a worker as it takes over SMTP.
    lanes = lane_count(engine, get_settings().model_copy(update={"mail_url": "smtp://sink"}))
    workers = [int(count) for count in arguments.workers.split(",")]
    limits = protocol_limits(workdir, arguments.contacts, {1} | {n * lanes for n in workers})
    runs = [run_ours(engine, workdir, arguments.contacts, count) for count in workers]
    for run in runs:  # each against what as many connections carry at best
        limit = limits[run["workers"] * lanes]
        run["smtp_connections"] = run["workers"] * lanes
        run["over_protocol_limit_same_connections"] = round(run["msgs_per_s"] / limit, 3)
    # Before the naive baseline, whose Prefect client and server are not ours to count.
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    peak_rss_workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    naive = run_naive(engine, workdir, arguments.naive_sample) if arguments.naive_sample else None
    best = max(run["msgs_per_s"] for run in runs)
    return {
        "contacts": arguments.contacts,
        "database": engine.dialect.name,
        "dkim": arguments.dkim,
        "smtp_connections_per_worker": lanes,
        "protocol_limit_msgs_per_s": round(limits[1], 1),
        "protocol_limit_by_connections_msgs_per_s": {n: round(v, 1) for n, v in limits.items()},
        "naive_msgs_per_s": round(naive, 2) if naive else None,
        "ours": runs,
        "best_over_protocol_limit_one_connection": round(best / limits[1], 3),
        "best_over_protocol_limit_same_connections": max(
            run["over_protocol_limit_same_connections"] for run in runs
        ),
        "best_over_naive": round(best / naive, 1) if naive else None,
        "peak_rss_mb": round(peak_rss, 1),
        "peak_rss_workers_and_sinks_mb": round(peak_rss_workers, 1),
    }


def protocol_limits(workdir: Path, count: int, connections: set[int]) -> dict[int, float]:
    """Return the protocol limit over each number of `connections`, each on a new sink."""
    limits = {}
    for number in sorted(connections):
        sink = Sink(workdir)
        try:
            limits[number] = protocol_limit(sink.url, count, number)
        finally:
            sink.stop()
    return limits


if __name__ == "__main__":
    main()
