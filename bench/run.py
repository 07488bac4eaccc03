"""The delivery benchmark: one ad-hoc campaign to a synthetic population, end to end
(plan, render, deliver, record), against a local SMTP sink in its own process, next to
the protocol's own limit on the same sink: a bare smtplib loop over one connection.

    .venv/bin/python -m bench.run --contacts 20000 [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import resource
import secrets
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from continuity.settings import Settings
from db.engine import make_engine, transaction
from db.migrate import upgrade
from db.models import Contact, Partner, Partnership, TouchpointKind
from tasks.adhoc import AdhocCampaign
from tasks.campaigns import campaign_of, plan_campaign
from tasks.deliver import deliver_batch
from tasks.render_check import check_planned

CONTACTS_PER_PARTNER = 4
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def populate(engine: Engine, contacts: int) -> None:
    """Insert `contacts` contacts, four per partner, each partner with one ended partnership."""
    partners = contacts // CONTACTS_PER_PARTNER
    countries = [
        ("SEN", "fr", "Africa/Dakar"),
        ("COL", "es", "America/Bogota"),
        ("KEN", "en", "Africa/Nairobi"),
    ]
    with transaction(engine) as session:
        for start in range(0, partners, 2000):
            chunk = range(start, min(partners, start + 2000))
            session.execute(
                insert(Partner),
                [
                    {
                        "vendor_number": f"B{n:08d}",
                        "name": f"Organisation {n}",
                        "short_name": f"ORG{n}",
                        "partner_type": "Civil Society Organization",
                        "cso_type": "National",
                        "country": countries[n % 3][0],
                        "language": countries[n % 3][1],
                        "time_zone": countries[n % 3][2],
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for n in chunk
                ],
            )
            session.execute(
                insert(Partnership),
                [
                    {
                        "reference_number": f"{countries[n % 3][0]}/PCA{n:08d}/PD1",
                        "partner_id": n + 1,
                        "title": f"Programme {n}",
                        "document_type": "PD",
                        "status": "ended",
                        "country": countries[n % 3][0],
                        "start_date": date(2021, 1, 1),
                        "end_date": date(2024, 12, 31),
                        "offices": [],
                        "sections": ["Education"],
                        "focal_points": [],
                        "agreement": "",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for n in chunk
                ],
            )
            session.execute(
                insert(Contact),
                [
                    {
                        "partner_id": n + 1,
                        "name": f"Contact {n}-{k}",
                        "email": f"c{n}.{k}@bench.example",
                        "language": countries[n % 3][1],
                        "active": True,
                        "soft_bounces": 0,
                        "hard_bounces": 0,
                        "role": "staff member",
                        "created_at": NOW,
                        "updated_at": NOW,
                    }
                    for n in chunk
                    for k in range(CONTACTS_PER_PARTNER)
                ],
            )


class Sink:
    """The SMTP sink process; `stop()` returns how many times each Message-ID arrived."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.report = workdir / f"sink-{port}.json"
        self.port = port
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.sink", "--port", str(port), "--report", str(self.report)]
        )
        ready = self.report.with_suffix(".ready")
        deadline = time.monotonic() + 20
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> dict[str, int]:
        self.process.terminate()
        self.process.wait(timeout=60)
        return json.loads(self.report.read_text())


def protocol_limit(port: int, count: int, sample: bytes) -> float:
    """Messages per second of a bare smtplib loop over one connection, pre-built messages."""
    messages = [sample.replace(b"<bench-sample@", f"<bench-{n}@".encode(), 1) for n in range(count)]
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as connection:
        for n, data in enumerate(messages):
            connection.sendmail("bench@example.org", [f"c{n}@bench.example"], data)
    return count / (time.perf_counter() - started)


def ours(engine: Engine, settings: Settings) -> dict[str, float]:
    """Run the campaign through plan, render and deliver; return seconds per stage."""
    params = AdhocCampaign.model_validate(
        {
            "name": "Benchmark",
            "dry_run": False,
            "content": {
                lang: {
                    "subject": "News for {{ partner.short_name }}",
                    "body": "Dear {{ contact.name }},\n\n**News** from UNICEF: [read](https://www.unicef.org).",
                }
                for lang in ("fr", "en", "es")
            },
        }
    )
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with transaction(engine) as session:
        campaign = campaign_of(session, params, NOW)
        plan_campaign(session, campaign, params, NOW, settings)
        campaign_id = campaign.id
    timings["plan"] = time.perf_counter() - started
    started = time.perf_counter()
    with transaction(engine) as session:
        check_planned(session, settings, [TouchpointKind.ADHOC], campaign_id=campaign_id)
    timings["render"] = time.perf_counter() - started
    started = time.perf_counter()
    while deliver_batch(
        engine, settings, [TouchpointKind.ADHOC], lambda: NOW, None, campaign_id
    ).claimed:
        pass
    timings["deliver"] = time.perf_counter() - started
    return timings


def sample_message(port: int) -> bytes:
    """Return a plain message of about the size of ours, for the protocol-limit loop."""
    headers = (
        b"From: bench@example.org\r\nTo: c@bench.example\r\nSubject: News\r\n"
        b"Message-ID: <bench-sample@bench.example>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    )
    return headers + b"Dear partner, this is a line of a benchmark message.\r\n" * 80


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--database-url", default=None)
    arguments = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="continuity-bench-"))
    url = arguments.database_url or f"sqlite:///{workdir / 'bench.db'}"
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    populate(engine, arguments.contacts)
    print(f"population: {arguments.contacts} contacts in {time.perf_counter() - started:.1f} s")
    baseline_port = free_port()
    sink = Sink(workdir, baseline_port)
    try:
        limit = protocol_limit(baseline_port, arguments.contacts, sample_message(baseline_port))
    finally:
        sink.stop()
    port = free_port()
    sink = Sink(workdir, port)
    settings = Settings(
        database_url=url,
        mail_url=f"smtp://127.0.0.1:{port}?security=none",
        secret_key=secrets.token_hex(32),
        rate_limit=0,
        batch_size=500,
        sending_window="mon-sun 00:00-23:59",
    )
    try:
        timings = ours(engine, settings)
    finally:
        received = sink.stop()
    total = sum(timings.values())
    rate = arguments.contacts / total
    report: dict[str, Any] = {
        "contacts": arguments.contacts,
        "database": engine.dialect.name,
        "protocol_limit_msgs_per_s": round(limit, 1),
        "ours_msgs_per_s": round(rate, 1),
        "ours_over_protocol_limit": round(rate / limit, 3),
        "seconds_per_stage": {name: round(value, 2) for name, value in timings.items()},
        "deliver_only_msgs_per_s": round(arguments.contacts / timings["deliver"], 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "received": sum(received.values()),
        "duplicates": sum(count - 1 for count in received.values() if count > 1),
        "missing": arguments.contacts - len(received),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
