"""Keeping personal links out of the portal's logs. uvicorn's access log writes every
request's path, and the path of a personal link (`/r/<token>`, `/opt-out/<token>`, the
one-click POST included) is the link's only credential: it must never reach a log file,
a journal or a log shipper. Only the route and the status are kept (`/r/…`)."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

# Paths that carry no token, logged as they are.
TOKEN_FREE = frozenset(
    {"/", "/healthz", "/static/portal.css", "/favicon.ico", "/robots.txt", "/forgotten"}
)
# The routes whose second segment is a token.
TOKEN_ROUTES = frozenset({"r", "opt-out", "handled", "data", "language"})
# A first segment this long might be a pasted token (43 characters): cut it too.
MAX_KEPT_SEGMENT = 20
# A token route inside free text (an error message), up to the end of the path.
TOKEN_IN_TEXT = re.compile(r"/(r|opt-out|handled|data|language)(/|%2f)[^\s\"'<>?#]*", re.IGNORECASE)
LOGGERS = ("uvicorn.access", "uvicorn.error")


def redacted_path(path: str) -> str:
    """Return a request path (with its query, as uvicorn logs it) fit for a log.

    Token-free routes come back as they are; a token route as `/r/…` or `/opt-out/…`,
    however the client encoded it (`/r%2F<token>`, `/R/<token>`); any other path as its
    first segment (cut too when longer than a short word) and `/…`; a query string as
    `?…`. What is logged is still the client's encoding: nothing is decoded into the log.
    """
    raw, question, _ = path.partition("?")
    query = "?…" if question else ""
    decoded = unquote(raw)
    if decoded in TOKEN_FREE:
        return raw + query
    first = decoded.lstrip("/").partition("/")[0]
    if first.lower() in TOKEN_ROUTES:
        return f"/{first.lower()}/…{query}"
    raw_first, slash, _ = raw.lstrip("/").partition("/")
    kept = raw_first if len(raw_first) <= MAX_KEPT_SEGMENT else "…"
    return f"/{kept}{'/…' if slash and kept != '…' else ''}{query}"


def cut_tokens(text: str) -> str:
    """Return `text` with every token route in it cut to `/r/…` or `/opt-out/…`."""
    return TOKEN_IN_TEXT.sub(lambda match: f"/{match[1].lower()}/…", text)


class RedactTokens(logging.Filter):
    """Rewrites a record before any handler formats it; never drops one. An access record
    keeps its arguments (uvicorn's formatter unpacks them), each path through
    `redacted_path`; any other record is formatted here and its text cut with
    `cut_tokens` (cutting the message alone could eat a placeholder)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            record.args = tuple(_redacted(argument) for argument in record.args)
        else:
            record.msg, record.args = cut_tokens(record.getMessage()), None
            # uvicorn's coloured formatter would format this one with the arguments gone.
            record.__dict__.pop("color_message", None)
        return True


def _redacted(argument: object) -> object:
    if not isinstance(argument, str):
        return argument
    return redacted_path(argument) if argument.startswith("/") else cut_tokens(argument)


def keep_tokens_out_of_logs() -> None:
    """Install `RedactTokens` on uvicorn's access and error loggers, once per process.

    On the loggers, not on their handlers: uvicorn's logging configuration (or an
    operator's own) replaces handlers but keeps a logger's filters."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RedactTokens) for existing in logger.filters):
            logger.addFilter(RedactTokens())
