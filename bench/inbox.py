"""What a collect run costs on a big shared mailbox: the first run over a Maildir of
`--mails` mails (half of them opened by people: in cur/ with S), which reads and records
every one; then a run after `--new` mails arrived, which should read only those; then a
run with nothing new. With `--imap N`, the same on a real Dovecot holding N mails, once
where the collector keeps a keyword and once where the server allows none (it goes by
UID). Each run is the real collect stage (`collect_mail`) on a fresh database; the runs
after new mail and with nothing new are repeated (`TRIALS`), medians and slowest shown.

    .venv/bin/python -m bench.inbox [--mails 20000] [--new 10] [--imap 2000]
        [--databases sqlite postgresql] [--postgresql-url URL]

Prints one JSON line per mailbox and database: seconds and mails recorded per run (a run
that records other than the new mail fails the benchmark).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db.engine import make_engine
from db.migrate import upgrade
from tasks.responses.collect import collect_mail
from tasks.settings import Settings
from tests.imap import Dovecot

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)
TRIALS = 5
SERVER = os.environ.get(
    "CONTINUITY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def mail(number: int) -> bytes:
    """A short reply from nobody we wrote to (recorded as unmatched)."""
    return (
        f"Message-ID: <bench-{number}@partner.example>\r\nFrom: p{number}@partner.example\r\n"
        f"Subject: Re: news {number}\r\n\r\nThank you, all is well here.\r\n"
    ).encode()


def fill_maildir(path: Path, first: int, count: int) -> None:
    """Write `count` mails, every other one as a person's client leaves an opened mail."""
    for sub in ("new", "cur", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    for number in range(first, first + count):
        name = f"{number}.bench.host" + (":2,S" if number % 2 else "")
        (path / ("cur" if number % 2 else "new") / name).write_bytes(mail(number))


def fill_imap(server: Dovecot, first: int, count: int) -> None:
    client = server.client()
    for number in range(first, first + count):
        client.append("INBOX", "(\\Seen)" if number % 2 else None, None, mail(number))
    client.logout()


def runs(
    url: str, inbox_url: str, deliver: Callable[[int, int], None], mails: int, new: int
) -> dict[str, Any]:
    """Measure on a fresh database at `url`: the first run, then `TRIALS` runs each after
    `new` mails arrived, then `TRIALS` runs with nothing new (medians and slowest)."""
    upgrade(url)
    engine = make_engine(url)
    settings = Settings(database_url=url, inbox_url=inbox_url, secret_key="b" * 48)
    deliver(0, mails)
    figures: dict[str, Any] = {"mailbox": mails}
    timings: dict[str, list[float]] = {"after_new": [], "nothing_new": []}
    for name, arriving in [("first_run", 0)] + [("after_new", new), ("nothing_new", 0)] * TRIALS:
        deliver(mails, arriving)
        mails += arriving
        started = time.perf_counter()
        recorded = sum(collect_mail(engine, settings, NOW, limit=mails).counts.values())
        seconds = time.perf_counter() - started
        assert recorded == (mails if name == "first_run" else arriving), (name, recorded)
        if name == "first_run":
            figures[name] = {"s": round(seconds, 2), "recorded": recorded}
        else:
            timings[name].append(seconds)
    for name, measured in timings.items():
        figures[name] = {
            "median_s": round(statistics.median(measured), 3),
            "max_s": round(max(measured), 3),
            "recorded_each": new if name == "after_new" else 0,
        }
    engine.dispose()
    return figures


@contextmanager
def database(kind: str, server_url: str, workdir: Path) -> Iterator[str]:
    """Yield the URL of an empty database: a SQLite file, or a PostgreSQL database created
    beside `server_url`'s and dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'{uuid.uuid4().hex}.db'}"
        return
    name = f"continuity_bench_{uuid.uuid4().hex[:8]}"
    _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(server_url: str, statement: str) -> None:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(statement))
    admin.dispose()


def measure_imap(workdir: Path, url: str, mails: int, new: int, keywords: bool) -> dict[str, Any]:
    root = workdir / f"dovecot-{uuid.uuid4().hex[:8]}"
    root.mkdir(mode=0o755)
    server = Dovecot(root / "server", keywords=keywords)
    server.start()
    os.environ["SSL_CERT_FILE"] = str(server.certificate)
    try:
        figures = runs(url, server.url(), partial(fill_imap, server), mails, new)
    finally:
        server.stop()
    return {"inbox": "imap, keyword" if keywords else "imap, UIDs", **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mails", type=int, default=20_000)
    parser.add_argument("--new", type=int, default=10)
    parser.add_argument("--imap", type=int, default=0, help="mails in the IMAP mailbox")
    parser.add_argument(
        "--databases", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite"]
    )
    parser.add_argument("--postgresql-url", default=SERVER)
    arguments = parser.parse_args()
    # Dovecot's unprivileged processes cannot enter a private temporary directory.
    with tempfile.TemporaryDirectory(prefix="continuity-bench-inbox-") as name:
        workdir = Path(name)
        workdir.chmod(0o755)
        for kind in arguments.databases:
            with database(kind, arguments.postgresql_url, workdir) as url:
                box = workdir / f"maildir-{uuid.uuid4().hex[:8]}"
                deliver = partial(fill_maildir, box)
                figures = runs(url, f"maildir://{box}", deliver, arguments.mails, arguments.new)
            print(json.dumps({"inbox": "maildir", "database": kind, **figures}), flush=True)
            for keywords in (True, False) if arguments.imap else ():
                with database(kind, arguments.postgresql_url, workdir) as url:
                    figures = measure_imap(workdir, url, arguments.imap, arguments.new, keywords)
                print(json.dumps({**figures, "database": kind}), flush=True)


if __name__ == "__main__":
    main()
