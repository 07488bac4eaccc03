"""The portal never blocks on the database: an answer or an opt-out waiting for SQLite's
write lock (another process writing) holds one worker thread, and the portal's event loop
keeps answering, `/healthz` first. A real uvicorn; the lock held by another connection."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

import tests.portal.test_app as portal_tests
from continuity.portal.app import create_app
from tasks.clock import Clock
from tasks.settings import get_settings
from tests.portal.test_app import AWA, SENT, checkin_answers, csrf_of, responses

# The portal tests' fixtures, shared.
links = portal_tests.links

# Long enough for a portal that waits to be seen waiting; only a broken portal waits it out.
HOLD_SECONDS = 10


def post_data(route: str, form_page: str) -> dict[str, str]:
    if route == "respond":
        return checkin_answers(csrf_of(form_page))
    return {"List-Unsubscribe": "One-Click"}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("route", ["respond", "opt_out"])
def test_the_health_check_answers_while_a_post_waits_for_the_write_lock(
    imported: Engine, links, live_server, database_url: str, route: str
) -> None:
    app = create_app(get_settings(), imported)
    app.state.portal.clock = Clock.at(SENT + timedelta(days=2))
    base = live_server(app)
    link = links[AWA][route].replace("https://portal.example.org", base)
    data = post_data(route, httpx.get(link).text)
    waiting, locked = threading.Event(), threading.Event()

    def begin(_conn, _cursor, statement, *_rest) -> None:
        if statement == "BEGIN IMMEDIATE":
            waiting.set()

    def begun(_conn, _cursor, statement, *_rest) -> None:
        if statement == "BEGIN IMMEDIATE":
            locked.set()

    event.listen(imported, "before_cursor_execute", begin)
    event.listen(imported, "after_cursor_execute", begun)
    holder = sqlite3.connect(
        make_url(database_url).database, isolation_level=None, check_same_thread=False
    )
    holder.execute("BEGIN IMMEDIATE")
    # A portal that blocks its event loop could only answer /healthz once the lock is
    # gone: release it after a while so such a portal fails the test instead of hanging.
    release = threading.Timer(HOLD_SECONDS, holder.rollback)
    release.start()
    answered: list[httpx.Response] = []
    poster = threading.Thread(target=lambda: answered.append(httpx.post(link, data=data)))
    try:
        poster.start()
        assert waiting.wait(10), "the post never asked for the write lock"
        health = httpx.get(f"{base}/healthz", timeout=HOLD_SECONDS * 3)
        assert health.text == "ok"
        assert not locked.is_set(), "/healthz answered only once the post had the lock"
    finally:
        release.cancel()
        holder.rollback()
        poster.join(timeout=60)
        event.remove(imported, "before_cursor_execute", begin)
        event.remove(imported, "after_cursor_execute", begun)
        holder.close()
    assert answered[0].status_code == 200
    assert [r.kind for r in responses(imported)] == [
        "sustainability_checkin" if route == "respond" else "opt_out"
    ]
