"""Tokens stay out of the portal's logs: every path uvicorn logs goes through
`redacted_path`, whatever the client made of the link, and free text through
`cut_tokens`. (`test_portal_processes` reads the log of a real `continuity portal`.)"""

from __future__ import annotations

import io
import logging

import pytest
from sqlalchemy import create_engine
from uvicorn.logging import AccessFormatter

from continuity.portal.access_log import cut_tokens, redacted_path
from continuity.portal.app import create_app

TOKEN = "jHyuRRIh4lKgAbDctW2Me2y1uE6QslthIgsNEPacLfY"


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (f"/r/{TOKEN}", "/r/…"),
        (f"/opt-out/{TOKEN}", "/opt-out/…"),
        (f"/handled/{TOKEN}", "/handled/…"),
        (f"/language/{TOKEN}", "/language/…"),
        ("/forgotten?lang=ar", "/forgotten?…"),
        (f"/R/{TOKEN}", "/r/…"),
        (f"/r%2F{TOKEN}", "/r/…"),
        (f"//r/{TOKEN}", "/r/…"),
        (f"/opt-out/{TOKEN}/more?x={TOKEN}", "/opt-out/…?…"),
        (f"/{TOKEN}", "/…"),
        (f"/static/{TOKEN}", "/static/…"),
        ("/healthz", "/healthz"),
        ("/static/portal.css", "/static/portal.css"),
        ("/healthz?probe=1", "/healthz?…"),
        ("/wp-login.php", "/wp-login.php"),
    ],
)
def test_a_logged_path_keeps_the_route_and_cuts_the_token(path: str, logged: str) -> None:
    assert redacted_path(path) == logged


def test_free_text_loses_its_tokens() -> None:
    text = f"GET https://portal.example.org/r/{TOKEN} and /OPT-OUT%2f{TOKEN} /language/{TOKEN}"
    assert cut_tokens(text) == "GET https://portal.example.org/r/… and /opt-out/… /language/…"


def test_uvicorn_log_lines_show_no_token(settings_env) -> None:
    create_app(engine=create_engine("sqlite://"))
    access, errors = logged("uvicorn.access", AccessFormatter()), logged("uvicorn.error")
    try:
        request = ("192.0.2.1:5000", "POST", f"/r/{TOKEN}", "1.1", 200)
        logging.getLogger("uvicorn.access").warning('%s - "%s %s HTTP/%s" %d', *request)
        logging.getLogger("uvicorn.error").error("failed: /opt-out/%s (%d%%)", TOKEN, 5)
    finally:
        for name, (handler, _) in (("uvicorn.access", access), ("uvicorn.error", errors)):
            logging.getLogger(name).removeHandler(handler)
    assert access[1].getvalue() == '192.0.2.1:5000 - "POST /r/… HTTP/1.1" 200\n'
    assert errors[1].getvalue() == "failed: /opt-out/… (5%)\n"


def logged(
    name: str, formatter: logging.Formatter | None = None
) -> tuple[logging.Handler, io.StringIO]:
    """Return a handler added to logger `name` and the text it writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter or logging.Formatter("%(message)s"))
    logging.getLogger(name).addHandler(handler)
    return handler, stream
