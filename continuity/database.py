"""Opening the configured database for the application."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine

from continuity.settings import Settings
from db.engine import make_engine
from db.migrate import ensure_migrated


def migrated_engine(settings: Settings) -> Engine:
    """Return an engine on the configured database; raise `NotMigratedError` (naming the
    command to run) when its schema is not at the newest revision."""
    engine = make_engine(settings.database_url)
    try:
        ensure_migrated(engine)
    except Exception:
        engine.dispose()
        raise
    return engine


@cache
def engine_for(database_url: str) -> Engine:
    """Return the process's one migrated engine for `database_url` (pooled, reused by
    every task run in the process)."""
    engine = make_engine(database_url)
    ensure_migrated(engine)
    return engine
