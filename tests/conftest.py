"""Shared fixtures: every database test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from db.engine import make_engine
from db.migrate import upgrade
from db.models import Base
from tasks.settings import get_settings

POSTGRES_URL = os.environ.get(
    "CONTINUITY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples" / "etools"
# The workspaces the stand-in of eTools' API serves (tests/etools/etools_api.py).
WORKSPACES = ("SEN", "CMR", "KEN")


def _admin_connection() -> psycopg.Connection:
    url = make_url(POSTGRES_URL).set(drivername="postgresql")
    return psycopg.connect(
        url.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
    )


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """Create a migrated PostgreSQL database for this test session; drop it at the end.

    Skipped with the reason when the server is unreachable, except under CI=true.
    """
    try:
        admin = _admin_connection()
    except psycopg.OperationalError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI and unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable at {POSTGRES_URL}: {error}")
    name = f"continuity_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a fresh SQLite file, or the session's PostgreSQL
    database emptied before the test."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'continuity.db'}"
        upgrade(url)
        yield url
        return
    url = request.getfixturevalue("postgres_database")
    engine = make_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """Isolate settings from the developer's environment and `.env`; yield the patcher."""
    for name in list(os.environ):
        if name.startswith("CONTINUITY_") and name != "CONTINUITY_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """One real Prefect API (a temporary server on SQLite) for every test that runs flows."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture
def future_runs_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests whose real runs walk simulated time past today (a reminder a week after
    the sending, a year of retention): the check that refuses a real run in the future
    (tasks.clock.real_clock) reads a machine clock set a century ahead."""
    from datetime import UTC, datetime, timedelta

    ahead = datetime.now(UTC) + timedelta(days=36_500)
    monkeypatch.setattr("tasks.clock.machine_now", lambda: ahead)


@pytest.fixture
def app_env(settings_env: pytest.MonkeyPatch, database_url: str, tmp_path: Path):
    """Settings for running the application against the test database: a secret key, the
    outbox Maildir in the test's directory, no rate limit, an always-open window."""
    settings_env.setenv("CONTINUITY_DATABASE_URL", database_url)
    settings_env.setenv("CONTINUITY_SECRET_KEY", "s" * 48)
    settings_env.setenv("CONTINUITY_MAIL_URL", f"maildir://{tmp_path / 'outbox'}")
    settings_env.setenv("CONTINUITY_PORTAL_URL", "https://portal.example.org")
    settings_env.setenv("CONTINUITY_SENDER", "UNICEF Partnerships <partnerships@example.org>")
    settings_env.setenv("CONTINUITY_RATE_LIMIT", "0")
    settings_env.setenv("CONTINUITY_SENDING_WINDOW", "mon-sun 00:00-23:59")
    get_settings.cache_clear()
    return settings_env


@pytest.fixture
def outbox(tmp_path: Path):
    """Return a function listing the messages delivered to the test's Maildir, parsed."""
    import email
    import mailbox
    from email import policy

    def read() -> list[email.message.EmailMessage]:
        path = tmp_path / "outbox"
        if not path.exists():
            return []
        box = mailbox.Maildir(path, create=False)
        return [
            email.message_from_bytes(box.get_bytes(key), policy=policy.default)
            for key in sorted(box.keys())
        ]

    return read


@pytest.fixture
def smtp_sink():
    """A running SMTP server on 127.0.0.1; set `.handler.decide` to answer 4xx/5xx or to
    drop the connection for chosen messages."""
    from tests.smtp import SinkHandler, SinkServer

    server = SinkServer(SinkHandler())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtputf8_sink():
    """A running SMTP server on 127.0.0.1 that offers SMTPUTF8 (RFC 6531): it takes
    internationalised addresses and UTF-8 headers. `smtp_sink` does not offer it."""
    from tests.smtp import SinkHandler, SinkServer

    server = SinkServer(SinkHandler(), smtputf8=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def imported(engine: Engine) -> Engine:
    """The test database with the shipped sample exports imported."""
    from db.engine import transaction
    from tasks.etools.importer import import_etools
    from tasks.follow_up_policy import load_policy

    with transaction(engine) as session:
        import_etools(
            session, SAMPLES / "partners.csv", SAMPLES / "interventions.csv", load_policy()
        )
    return engine


@pytest.fixture
def checkins(imported: Engine, app_env) -> Engine:
    """The sample partnerships with their check-ins sent at `tests.pipeline.SENT`."""
    from db.models import TouchpointKind
    from tests.pipeline import SENT, deliver_all, plan

    plan(imported, TouchpointKind.SUSTAINABILITY_CHECKIN, SENT)
    deliver_all(imported, [TouchpointKind.SUSTAINABILITY_CHECKIN], SENT)
    return imported


@pytest.fixture
def directory(imported: Engine, app_env) -> Engine:
    """The sample data with ASEF's check-ins planned and one focal point of its ended
    partnership (Aïssatou Sow, in French) registered; Pierre Lemaire, its other one, has
    no address."""
    from db.engine import transaction
    from db.models import TouchpointKind
    from tasks.staff.focal_points import add_focal_point
    from tests.focal_points import SOW, TUESDAY
    from tests.pipeline import plan

    plan(imported, TouchpointKind.SUSTAINABILITY_CHECKIN, TUESDAY)
    with transaction(imported) as session:
        add_focal_point(session, "Aïssatou Sow", SOW, "fr")
    return imported


def require(condition: bool, reason: str) -> None:
    """Skip the test when a system component is missing, except under CI=true, where the
    project's own setup (scripts/system-packages.sh) must have installed it."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (scripts/system-packages.sh should have installed it)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (no browser download). Module
    scope: Playwright's sync API keeps an event loop running in the main thread while it
    lives, which would turn later Prefect calls asynchronous."""
    require(Path("/usr/bin/chromium").exists(), "Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def live_server():
    """Return `serve(app) -> base URL`: runs an ASGI app under a real uvicorn on
    127.0.0.1 for the test, in a thread."""
    import threading
    import time as clock

    import uvicorn

    from tests.smtp import free_port

    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def serve(app) -> str:
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = clock.monotonic() + 10
        while not server.started and clock.monotonic() < deadline:
            clock.sleep(0.02)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"

    yield serve
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def dovecot(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):
    """A running Dovecot with one user; the client trusts its self-signed certificate
    through SSL_CERT_FILE, as a deployment would trust its own CA. Its directory is
    outside pytest's private tmp, which Dovecot's unprivileged processes cannot enter.
    `@pytest.mark.dovecot(keywords=False)` (or `move=False`, `namespace=False`:
    `tests.imap.Dovecot`'s options) makes it play a server without them."""
    import shutil
    import tempfile

    require(Path("/usr/sbin/dovecot").exists(), "Dovecot is not installed (/usr/sbin/dovecot)")
    from tests.imap import Dovecot

    root = Path(tempfile.mkdtemp(prefix="continuity-dovecot-"))
    root.chmod(0o755)
    marker = request.node.get_closest_marker("dovecot")
    server = Dovecot(root / "server", **(marker.kwargs if marker else {}))
    server.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(server.certificate))
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


FAULT_FIGURES: list[str] = []


@pytest.fixture
def fault_figures():
    """Return a function recording one line of figures for the fault suite's summary."""
    return FAULT_FIGURES.append


def pytest_terminal_summary(terminalreporter) -> None:
    if FAULT_FIGURES:
        terminalreporter.section("fault suite figures")
        for line in FAULT_FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def etools():
    """A stand-in of eTools' API serving the sample exports split into `WORKSPACES`."""
    from tests.etools.etools_api import EtoolsStandIn, recorded_workspaces

    with EtoolsStandIn(recorded_workspaces(*WORKSPACES)) as stand_in:
        yield stand_in


@pytest.fixture
def sync_env(app_env: pytest.MonkeyPatch, etools) -> pytest.MonkeyPatch:
    """The application's test settings, with the eTools sync pointed at the stand-in:
    every workspace, its token, no wait between retries, a second's patience."""
    from tests.etools.etools_api import TOKEN

    app_env.setenv("CONTINUITY_ETOOLS_URL", etools.url)
    app_env.setenv("CONTINUITY_ETOOLS_WORKSPACES", ",".join(WORKSPACES))
    app_env.setenv("CONTINUITY_ETOOLS_TOKEN", TOKEN)
    app_env.setenv("CONTINUITY_ETOOLS_BACKOFF", "0")
    app_env.setenv("CONTINUITY_ETOOLS_TIMEOUT", "1")
    get_settings.cache_clear()
    return app_env


@pytest.fixture
def answered(checkins: Engine) -> Engine:
    """The sample check-ins answered by three partners, some answers hostile
    (`tests.spreadsheets.answer_checkins`)."""
    from tests.spreadsheets import answer_checkins

    return answer_checkins(checkins)
