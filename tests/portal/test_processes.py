"""The portal as it runs for real: `continuity portal` processes (uvicorn, each on its own
port) on the test database. Their access logs keep routes and statuses but no token; they
believe X-Forwarded-For only from the proxies they are told to trust; two of them taking
twenty answers to one link at once on PostgreSQL leave one history: one current answer,
each revision number once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.pipeline import deliver_all, links_by_recipient, plan
from tests.portal.test_app import AWA, CHECKIN, SENT, checkin_answers, csrf_of, responses
from tests.smtp import free_port

CONTINUITY = Path(sys.executable).parent / "continuity"
PUBLIC = "https://portal.example.org"


@dataclass
class PortalProcess:
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, condition: Callable[[str], bool]) -> str:
        """Return the log once `condition` holds for it (uvicorn writes each line as the
        request ends: a response can arrive before its line)."""
        deadline = time.monotonic() + 10
        while not condition(text := self.output()):
            assert time.monotonic() < deadline, f"the log never showed it:\n{text}"
            time.sleep(0.05)
        return text


@pytest.fixture
def portal_process(tmp_path: Path) -> Iterator[Callable[..., PortalProcess]]:
    """Return `start(*options, **environment)`: a `continuity portal` process serving the
    test's settings (its environment), ready once /healthz answers; stopped at the end."""
    started: list[PortalProcess] = []

    def start(*options: str, **environment: str) -> PortalProcess:
        port = free_port()
        log = tmp_path / f"portal-{port}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [CONTINUITY, "portal", "--port", str(port), *options],
                stdout=output,
                stderr=subprocess.STDOUT,
                env=os.environ | {"PYTHONUNBUFFERED": "1"} | environment,
            )
        portal = PortalProcess(f"http://127.0.0.1:{port}", process, log)
        started.append(portal)
        deadline = time.monotonic() + 60
        while not _healthy(portal):
            assert process.poll() is None, f"the portal stopped:\n{portal.output()}"
            assert time.monotonic() < deadline, f"the portal never answered:\n{portal.output()}"
            time.sleep(0.1)
        return portal

    yield start
    for portal in started:
        portal.process.terminate()
        try:
            portal.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            portal.process.kill()
            portal.process.wait()


def _healthy(portal: PortalProcess) -> bool:
    try:
        return httpx.get(f"{portal.base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture
def sent_links(imported: Engine, app_env, outbox) -> dict[str, dict[str, str]]:
    """Check-ins planned at SENT and delivered now: the portal processes read the real
    clock, so the links must be young by it."""
    plan(imported, CHECKIN, SENT)
    deliver_all(imported, [CHECKIN], datetime.now(UTC))
    return links_by_recipient(outbox())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_access_log_keeps_routes_and_statuses_but_no_token(sent_links, portal_process) -> None:
    portal = portal_process()
    respond = sent_links[AWA]["respond"].replace(PUBLIC, portal.base)
    opt_out = sent_links[AWA]["opt_out"].replace(PUBLIC, portal.base)
    tokens = [respond.rsplit("/", 1)[1], opt_out.rsplit("/", 1)[1]]
    encoded = respond.replace("/r/", "/r%2F")
    assert httpx.get(respond).status_code == 200
    assert httpx.get(opt_out).status_code == 200
    assert httpx.get(encoded).status_code == 200
    one_click = httpx.post(opt_out, data={"List-Unsubscribe": "One-Click"})
    assert one_click.text == "unsubscribed"
    assert httpx.get(f"{portal.base}/r/{tokens[0][::-1]}?t={tokens[0]}").status_code == 404
    log = portal.wait_for_log(lambda text: text.count("/r/…") == 3)
    assert re.search(r'"GET /r/… HTTP/1\.1" 200', log)
    assert re.search(r'"GET /opt-out/… HTTP/1\.1" 200', log)
    assert re.search(r'"POST /opt-out/… HTTP/1\.1" 200', log)
    assert re.search(r'"GET /r/…\?… HTTP/1\.1" 404', log)
    for token in tokens:
        assert token not in log and token[::-1] not in log and token[:20] not in log


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_forwarded_addresses_are_believed_only_from_the_trusted_proxies(
    sent_links, portal_process
) -> None:
    guess = "/r/" + "g" * 43
    trusting = portal_process(
        "--forwarded-allow-ips", "127.0.0.1", CONTINUITY_FORWARDED_ALLOW_IPS="192.0.2.1"
    )
    distrusting = portal_process(CONTINUITY_FORWARDED_ALLOW_IPS="192.0.2.1")
    for portal in (trusting, distrusting):
        for _ in range(20):
            httpx.get(portal.base + guess, headers={"X-Forwarded-For": "203.0.113.7"})
    other_client = {"X-Forwarded-For": "198.51.100.2"}
    assert httpx.get(trusting.base + guess, headers=other_client).status_code == 404
    assert httpx.get(distrusting.base + guess, headers=other_client).status_code == 429
    assert "203.0.113.7:0 - " in trusting.wait_for_log(lambda text: "198.51.100.2" in text)
    assert "203.0.113.7" not in distrusting.wait_for_log(lambda text: " 429" in text)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_answers_through_two_portals_leave_one_current_answer(
    imported: Engine, sent_links, portal_process
) -> None:
    portals = [portal_process(), portal_process()]
    route = sent_links[AWA]["respond"].removeprefix(PUBLIC)
    csrf = csrf_of(httpx.get(portals[0].base + route).text)
    start = threading.Barrier(20)

    def post(number: int) -> httpx.Response:
        data = checkin_answers(csrf, comment=f"post {number}")
        start.wait()
        return httpx.post(portals[number % 2].base + route, data=data, timeout=60)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answered = list(pool.map(post, range(20)))
    recorded = responses(imported)
    comments = {response.answers["comment"] for response in recorded}
    for number, response in enumerate(answered):
        assert response.status_code == 200 or 400 <= response.status_code < 500, response.text
        assert (f"post {number}" in comments) == (response.status_code == 200)
    assert [r for r in recorded if r.superseded_at is None] == [
        max(recorded, key=lambda r: r.revision)
    ]
    assert sorted(r.revision for r in recorded) == list(range(1, len(recorded) + 1))
    assert len(recorded) == 20
