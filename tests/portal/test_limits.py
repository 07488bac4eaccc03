"""The limiter on failed token look-ups: a client's failures beyond the limit are answered
429, in bounded memory, and a valid link or a one-click unsubscribe always works, however
often its client (an office behind one NAT, a mail scanner) failed before."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

import tests.portal.test_app as portal_tests
from continuity.portal.limits import FailureLimiter, client_key
from db.engine import transaction
from db.models import Contact
from tests.portal.test_app import AWA, checkin_answers, csrf_of, path, responses

# The portal tests' fixtures, shared.
client, links = portal_tests.client, portal_tests.links

GUESS = "/r/guess-" + "x" * 40
OTIENO = "g.otieno@kccpn.example.or.ke"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_valid_links_and_one_click_unsubscribe_work_after_many_failures(
    client, links, imported: Engine
) -> None:
    client.app.state.portal.limiter = FailureLimiter(limit=3)
    for _ in range(10):
        client.get(GUESS)
    assert client.get(GUESS).status_code == 429
    form = client.get(path(links[AWA]["respond"]))
    assert form.status_code == 200
    answered = client.post(path(links[AWA]["respond"]), data=checkin_answers(csrf_of(form.text)))
    assert answered.status_code == 200 and len(responses(imported)) == 1
    assert client.get(path(links[OTIENO]["opt_out"])).status_code == 200
    one_click = client.post(
        path(links[OTIENO]["opt_out"]),
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200 and one_click.text == "unsubscribed"
    with transaction(imported) as session:
        contact = session.scalars(select(Contact).where(Contact.email == OTIENO)).one()
        assert contact.opted_out_at is not None


def test_failures_beyond_the_limit_get_429_with_retry_after_for_that_client_only(
    client, links
) -> None:
    clock = Clock()
    client.app.state.portal.limiter = FailureLimiter(limit=3, monotonic=clock)
    for _ in range(3):
        assert client.get(GUESS).status_code == 404
    throttled = client.post("/opt-out/" + "y" * 43, data={"List-Unsubscribe": "One-Click"})
    assert throttled.status_code == 429 and throttled.headers["retry-after"] == "600"
    assert "This link is not valid" in throttled.text
    neighbour = TestClient(client.app, base_url=str(client.base_url), client=("203.0.113.9", 1))
    assert neighbour.get(GUESS).status_code == 404
    clock.now += 601
    assert client.get(GUESS).status_code == 404


def test_retry_after_says_when_a_failure_would_be_within_the_limit_again() -> None:
    clock = Clock()
    limiter = FailureLimiter(limit=3, window_seconds=600, monotonic=clock)
    for moment in (0, 10, 20):
        clock.now = 1000 + moment
        assert limiter.record("a") == 0
    clock.now = 1030
    assert limiter.record("a") == 580
    clock.now = 1030 + 580
    assert limiter.record("a") == 0


def test_failing_while_throttled_keeps_a_client_throttled() -> None:
    clock = Clock()
    limiter = FailureLimiter(limit=3, window_seconds=600, monotonic=clock)
    for moment in (0, 10, 20, 30):
        clock.now = 1000 + moment
        limiter.record("a")
    clock.now = 1609
    assert limiter.record("a") == 11, "this failure counts too: 1020 must leave first"


def test_the_table_of_clients_is_bounded_and_forgets_the_least_recent() -> None:
    clock = Clock()
    limiter = FailureLimiter(limit=2, max_clients=100, monotonic=clock)
    for number in range(10_000):
        limiter.record(f"198.51.{number // 256}.{number % 256}")
    assert len(limiter) == 100
    limiter.record("203.0.113.1")
    limiter.record("203.0.113.1")
    assert limiter.record("203.0.113.1") > 0
    for number in range(99):
        limiter.record(f"192.0.2.{number}")
    assert limiter.record("203.0.113.1") > 0, "recently failing clients are kept"
    assert len(limiter) == 100


def test_clients_whose_failures_left_the_window_are_forgotten() -> None:
    clock = Clock()
    limiter = FailureLimiter(window_seconds=600, monotonic=clock)
    for number in range(50):
        limiter.record(f"198.51.100.{number}")
    clock.now += 601
    limiter.record("203.0.113.1")
    assert len(limiter) == 1


def test_an_ipv6_client_is_counted_by_its_64_prefix() -> None:
    assert client_key("2001:db8:1:2::a") == client_key("2001:db8:1:2:ffff::1")
    assert client_key("2001:db8:1:3::a") != client_key("2001:db8:1:2::a")
    assert client_key("203.0.113.7") == "203.0.113.7"
    assert client_key(None) == "unknown"
