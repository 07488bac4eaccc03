"""The demo's own Prefect: its report run and artifacts go to a temporary Prefect server
whose database lives in the demo's folder, never to the server `PREFECT_API_URL` names
(the demo's simulated partners would otherwise fill a real server's artifact keys, such
as `relationship-report/latest`)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from datetime import datetime
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_HOME,
    PREFECT_SERVER_API_HOST,
    PREFECT_SERVER_API_PORT,
    PREFECT_SERVER_DATABASE_CONNECTION_URL,
    temporary_settings,
)

STARTUP_SECONDS = 90


def prefect_home(root: Path) -> Path:
    """Return the folder of the demo's own Prefect database."""
    return root.resolve() / "prefect"


def database_url(root: Path) -> str:
    return f"sqlite+aiosqlite:///{prefect_home(root) / 'prefect.db'}"


@contextmanager
def own_prefect(root: Path) -> Iterator[str]:
    """Point this process's Prefect at a temporary server of the demo's own, its database
    in `root/prefect`; yield its API address. The server stops on leaving."""
    prefect_home(root).mkdir(parents=True, exist_ok=True)
    own = {
        PREFECT_HOME: str(prefect_home(root)),
        PREFECT_SERVER_DATABASE_CONNECTION_URL: (database_url(root)),
    }
    with temporary_settings(updates=own):
        server = SubprocessASGIServer(port=_free_port())
        server.start(timeout=STARTUP_SECONDS)
        try:
            with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
                try:
                    yield server.api_url
                finally:
                    _drain()
        finally:
            server.stop()


def publish_report(root: Path, end: datetime) -> None:
    """Run the `relationship-report` flow for `end` against the demo's own Prefect."""
    from flows.registry import FLOWS

    with own_prefect(root):
        FLOWS["relationship-report"](as_of=end)


def prefect_hint(root: Path) -> str:
    """Return where the demo's report run is and how to look at it, and which server
    `PREFECT_API_URL` names (left alone), or that none is configured."""
    configured = PREFECT_API_URL.value()
    host, port = PREFECT_SERVER_API_HOST.value(), PREFECT_SERVER_API_PORT.value()
    if configured and _listens_at(configured, host, port):
        port += 1  # a server of yours listens there already
    told = (
        f"your Prefect server ({configured}) was not written to"
        if configured
        else "no Prefect server is configured (PREFECT_API_URL is unset)"
    )
    return (
        f"  Prefect: the report run and its artifacts are in the demo's own Prefect database;"
        f" {told}. To look at them: `PREFECT_HOME={prefect_home(root)}"
        f" PREFECT_SERVER_DATABASE_CONNECTION_URL={database_url(root)}"
        f" .venv/bin/prefect server start --host {host} --port {port}`,"
        f" then http://{host}:{port} (Artifacts page)"
    )


def _listens_at(url: str, host: str, port: int) -> bool:
    """Return whether the server at `url` listens where `prefect server start --host
    host --port port` would: the same port, on this machine (localhost, any loopback
    address, all interfaces, or `host` itself). False for a URL that does not parse."""
    try:
        parts = urlsplit(url)
        named, at = parts.hostname or "", parts.port
    except ValueError:
        return False
    if at != port:
        return False
    if named in {"localhost", host.lower()}:
        return True
    try:
        address = ip_address(named)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _drain() -> None:
    """Send the logs and events still queued to the demo's server while it runs (as
    Prefect's test harness does): queued for a stopped server, they would hold the
    process at exit, retrying."""
    with suppress(RuntimeError):  # never started: nothing was logged
        APILogWorker.instance().drain()
    EventsWorker.drain_all()


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
