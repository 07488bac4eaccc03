"""End to end on a real Prefect server: deploy prefect.yaml, trigger `adhoc-campaign` with
run_deployment, let a process worker run it, check the messages and the artifacts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from db.models import MessageStatus
from tests.pipeline import messages
from tests.smtp import free_port

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.fixture
def prefect_server(tmp_path: Path):
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_SERVICES_SCHEDULER_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
    }
    server = subprocess.Popen(
        [BIN / "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("prefect server start did not answer within 120 s")
    yield env
    server.terminate()
    server.wait(timeout=30)


def prefect(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [BIN / "prefect", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_an_adhoc_campaign_runs_through_a_server_deployment_and_a_worker(
    imported: Engine, app_env, outbox, prefect_server, monkeypatch
) -> None:
    env = {**prefect_server, **{k: v for k, v in os.environ.items() if k.startswith("CONTINUITY_")}}
    prefect(env, "work-pool", "create", "continuity", "--type", "process")
    prefect(env, "--no-prompt", "deploy", "--all")
    for name, value in prefect_server.items():
        monkeypatch.setenv(name, value)

    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    parameters = {
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
    with temporary_settings({PREFECT_API_URL: prefect_server["PREFECT_API_URL"]}):
        flow_run = run_deployment("adhoc-campaign/adhoc-campaign", parameters=parameters, timeout=0)
        worker = subprocess.Popen(
            [BIN / "prefect", "worker", "start", "--pool", "continuity", "--run-once"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        worker.wait(timeout=300)

        with get_client(sync_client=True) as client:
            for _ in range(120):
                run = client.read_flow_run(flow_run.id)
                if run.state and run.state.is_final():
                    break
                time.sleep(1)
            keys = {artifact.key for artifact in client.read_artifacts() if artifact.key}
    assert run.state is not None and run.state.is_completed(), run.state
    sent = messages(imported, status=MessageStatus.SENT)
    assert len(sent) == 6 and len(outbox()) == 6
    campaign_id = sent[0].campaign_id
    assert {f"campaign-{campaign_id}-counts", f"campaign-{campaign_id}-summary"} <= keys
