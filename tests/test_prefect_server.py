"""End to end on a real, locked Prefect server (`prefect server start` with
PREFECT_SERVER_API_AUTH_STRING): strangers get 401, a worker holding the secret runs
`adhoc-campaign` deployed from prefect.yaml, and the README's Caddy snippet
(config/Caddyfile.example) serves the UI and the API over HTTPS in front of it."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import Engine

from db.models import MessageStatus
from tests.conftest import require
from tests.pipeline import messages
from tests.smtp import free_port

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Made afresh for each test run: never a fixed string a reader could reuse.
SECRET = f"continuity-ops:{secrets.token_urlsafe(24)}"


def wait_for(condition: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if result := condition():
                return result
        except (httpx.HTTPError, OSError):
            pass  # not listening yet
        time.sleep(0.2)
    pytest.fail(f"{what} within {seconds:.0f} s")


def answers(url: str, ca: Path | None = None) -> bool:
    verify = ssl.create_default_context(cafile=ca) if ca else True
    return httpx.get(url, timeout=2, verify=verify).status_code == 200


@contextmanager
def locked_server(home: Path, ui_api_url: str) -> Iterator[dict[str, str]]:
    """`prefect server start` on its own free port with the shared secret, stopped by its
    own id. Yields the environment a worker or the CLI needs: the API URL and the secret.
    The server's environment is set before it starts (the README's order): the UI reads
    PREFECT_UI_API_URL at start-up."""
    port = free_port()
    settings = {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    }
    server_env = {**os.environ, **settings, "PREFECT_SERVER_API_AUTH_STRING": SECRET}
    server_env["PREFECT_UI_API_URL"] = ui_api_url
    command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        command, env=server_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    api_url = f"http://127.0.0.1:{port}/api"
    client_env = {**os.environ, **settings, "PREFECT_API_URL": api_url}
    try:
        # /api/health stays open without the secret, for probes; nothing else does.
        wait_for(lambda: answers(f"{api_url}/health"), 120, "prefect server start did not answer")
        yield {**client_env, "PREFECT_API_AUTH_STRING": SECRET}
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A fresh locked server per test, for tests that create pools and deployments."""
    with locked_server(tmp_path / "prefect-home", ui_api_url="https://localhost/api") as env:
        yield env


@pytest.fixture(scope="module")
def public_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One locked server whose UI is told to call a public HTTPS address (a port picked
    here for Caddy), shared by the tests that only read from it."""
    public_url = f"https://localhost:{free_port()}"
    home = tmp_path_factory.mktemp("prefect-home")
    with locked_server(home, ui_api_url=f"{public_url}/api") as env:
        yield {**env, "PUBLIC_URL": public_url}


def prefect(env: dict[str, str], *args: str, check: bool = True) -> str:
    done = subprocess.run(
        [BIN / "prefect", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert not check or done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def without_secret(env: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in env.items() if name != "PREFECT_API_AUTH_STRING"}


def refused(output: str) -> bool:
    # The CLI wraps its error message to the terminal's width, anywhere in the phrase.
    return "401 Unauthorized" in " ".join(output.split())


def test_the_api_refuses_every_client_without_the_shared_secret(public_server) -> None:
    from prefect.client.orchestration import SyncPrefectClient
    from prefect.exceptions import PrefectHTTPStatusError

    api_url = public_server["PREFECT_API_URL"]
    assert httpx.post(f"{api_url}/flows/filter", json={}).status_code == 401
    wrong = httpx.post(f"{api_url}/flows/filter", json={}, auth=("continuity-ops", "guess"))
    assert wrong.status_code == 401
    with pytest.raises(PrefectHTTPStatusError) as error, SyncPrefectClient(api_url) as client:
        client.read_flows()
    assert error.value.response.status_code == 401
    assert refused(prefect(without_secret(public_server), "flow", "ls", check=False))
    with SyncPrefectClient(api_url, auth_string=SECRET) as client:
        assert client.read_flows() == []


def test_the_ui_asks_for_the_secret_and_calls_the_public_api(public_server) -> None:
    ui = public_server["PREFECT_API_URL"].removesuffix("/api")
    settings = httpx.get(f"{ui}/ui-settings").json()
    assert settings["auth"] == "BASIC"
    assert settings["api_url"] == f"{public_server['PUBLIC_URL']}/api"


@pytest.fixture
def caddy(public_server, tmp_path: Path) -> Iterator[Path]:
    """Debian's Caddy running config/Caddyfile.example as shipped, for `localhost` on free
    ports, so it signs with its own local CA (kept in tmp_path). Yields that CA's root."""
    require(shutil.which("caddy") is not None, "Caddy is not installed (apt-get install caddy)")
    public_port = public_server["PUBLIC_URL"].rsplit(":", 1)[1]
    env = {
        **os.environ,
        "PREFECT_PUBLIC_HOST": f"localhost:{public_port}",
        "PREFECT_SERVER_PORT": str(urlsplit(public_server["PREFECT_API_URL"]).port),
        "CADDY_HTTP_PORT": str(free_port()),
        "CADDY_ADMIN": f"localhost:{free_port()}",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    config = REPO / "config" / "Caddyfile.example"
    command = ["caddy", "run", "--config", str(config), "--adapter", "caddyfile"]
    proxy = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = tmp_path / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    try:
        health = f"{public_server['PUBLIC_URL']}/api/health"
        wait_for(lambda: answers(health, ca=root), 60, "Caddy did not serve the API over HTTPS")
        yield root
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)


def test_the_caddy_example_serves_the_ui_and_the_locked_api_over_https(
    public_server, caddy: Path
) -> None:
    public_api = f"{public_server['PUBLIC_URL']}/api"
    public_env = {**public_server, "PREFECT_API_URL": public_api}
    public_env["PREFECT_API_SSL_CERT_FILE"] = str(caddy)
    check = [sys.executable, str(REPO / "scripts" / "check_control_plane.py")]
    done = subprocess.run(check, env=public_env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.count("ok ") == 4, done.stdout + done.stderr
    verify = ssl.create_default_context(cafile=caddy)
    page = httpx.get(f"{public_server['PUBLIC_URL']}/", verify=verify, follow_redirects=True)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert_events_stream_through_the_proxy(public_api, caddy)


def assert_events_stream_through_the_proxy(public_api: str, ca: Path) -> None:
    """Workers and flow runs send events over a websocket (/api/events/in), authenticated
    by a first message: the proxy must pass the upgrade through."""
    from prefect.events import Event
    from prefect.events.clients import PrefectEventsClient
    from prefect.settings import (
        PREFECT_API_AUTH_STRING,
        PREFECT_API_SSL_CERT_FILE,
        temporary_settings,
    )

    name = f"continuity.proxy-check.{secrets.token_hex(4)}"
    event = Event(event=name, resource={"prefect.resource.id": "continuity.proxy-check"})

    async def emit() -> None:
        async with PrefectEventsClient(api_url=public_api) as events:
            await events.emit(event)

    with temporary_settings({PREFECT_API_AUTH_STRING: SECRET, PREFECT_API_SSL_CERT_FILE: str(ca)}):
        asyncio.run(emit())
    user, _, password = SECRET.partition(":")
    verify = ssl.create_default_context(cafile=ca)
    query = {"filter": {"event": {"name": [name]}}}

    def stored() -> bool:
        response = httpx.post(
            f"{public_api}/events/filter", json=query, auth=(user, password), verify=verify
        )
        return response.json()["total"] == 1

    wait_for(stored, 60, "the event sent through the proxy was not stored")


CAMPAIGN = {
    "campaign": {
        "name": "Server campaign",
        "dry_run": False,
        "audience": {"countries": ["KEN"]},
        "content": {
            "en": {
                "subject": "News for {{ partner.short_name }}",
                "body": "Dear {{ contact.name }}",
            }
        },
    }
}
WORKER = ("worker", "start", "--pool", "continuity", "--run-once")


def test_an_authenticated_worker_runs_an_adhoc_campaign_a_worker_without_the_secret_cannot(
    imported: Engine, app_env, outbox, prefect_server, monkeypatch
) -> None:
    env = {**prefect_server, **{k: v for k, v in os.environ.items() if k.startswith("CONTINUITY_")}}
    prefect(env, "work-pool", "create", "continuity", "--type", "process")
    prefect(env, "--no-prompt", "deploy", "--all")
    for name, value in prefect_server.items():
        monkeypatch.setenv(name, value)

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    client_settings = {PREFECT_API_URL: prefect_server["PREFECT_API_URL"]}
    with (
        temporary_settings({**client_settings, PREFECT_API_AUTH_STRING: SECRET}),
        get_client(sync_client=True) as client,
    ):
        collector = client.read_deployment_by_name("collect-responses/collect-responses")
        limit, options = collector.global_concurrency_limit, collector.concurrency_options
        assert limit is not None and limit.limit == 1  # prefect.yaml's concurrency_limit
        assert options is not None and options.collision_strategy == "CANCEL_NEW"
        # Called from sync code, run_deployment returns the run itself, not a coroutine.
        started = run_deployment("adhoc-campaign/adhoc-campaign", parameters=CAMPAIGN, timeout=0)
        flow_run = cast(FlowRun, started)
        assert refused(prefect(without_secret(env), *WORKER, check=False))
        waiting = client.read_flow_run(flow_run.id).state
        assert waiting is not None and waiting.is_scheduled()  # not taken by that worker
        prefect(env, *WORKER)
        run = wait_for(lambda: final_run(client, flow_run.id), 120, "the run did not finish")
        keys = {artifact.key for artifact in client.read_artifacts() if artifact.key}
    assert run.state.is_completed(), run.state
    sent = messages(imported, status=MessageStatus.SENT)
    assert len(sent) == 6 and len(outbox()) == 6
    campaign_id = sent[0].campaign_id
    assert {f"campaign-{campaign_id}-counts", f"campaign-{campaign_id}-summary"} <= keys


def final_run(client: Any, flow_run_id: Any) -> Any:
    run = client.read_flow_run(flow_run_id)
    return run if run.state and run.state.is_final() else None


def test_deployed_flows_preview_when_started_by_hand_and_send_on_their_schedule(
    prefect_server,
) -> None:
    prefect(prefect_server, "work-pool", "create", "continuity", "--type", "process")
    prefect(prefect_server, "--no-prompt", "deploy", "--all")
    from prefect.client.orchestration import SyncPrefectClient

    api_url = prefect_server["PREFECT_API_URL"]
    with SyncPrefectClient(api_url, auth_string=SECRET) as client:
        deployment = client.read_deployment_by_name(
            "sustainability-checkins/sustainability-checkins"
        )
        (schedule,) = deployment.schedules
        assert deployment.parameters == {"dry_run": True}
        assert schedule.parameters == {"dry_run": False}
        # What the server's scheduler service does every few seconds, asked for once.
        user, _, password = SECRET.partition(":")
        scheduled = httpx.post(
            f"{api_url}/deployments/{deployment.id}/schedule", json={}, auth=(user, password)
        )
        assert scheduled.status_code == 200, scheduled.text
        runs = client.read_flow_runs()
    assert runs and all(run.parameters == {"dry_run": False} for run in runs)


def test_the_readmes_trial_pauses_every_schedule_and_resumes_them(prefect_server) -> None:
    """The README's trial: deployed schedules are live until `prefect deployment schedule
    pause --all`; `resume --all` makes them live again."""
    prefect(prefect_server, "work-pool", "create", "continuity", "--type", "process")
    prefect(prefect_server, "--no-prompt", "deploy", "--all")
    from prefect.client.orchestration import SyncPrefectClient

    def schedules_active() -> set[bool]:
        with SyncPrefectClient(prefect_server["PREFECT_API_URL"], auth_string=SECRET) as client:
            return {
                schedule.active
                for deployment in client.read_deployments()
                for schedule in deployment.schedules
            }

    assert schedules_active() == {True}
    prefect(prefect_server, "--no-prompt", "deployment", "schedule", "pause", "--all")
    assert schedules_active() == {False}
    prefect(prefect_server, "--no-prompt", "deployment", "schedule", "resume", "--all")
    assert schedules_active() == {True}
