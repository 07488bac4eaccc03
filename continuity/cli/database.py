"""`continuity db`: the database's schema, and its files."""

from __future__ import annotations

import typer
from sqlalchemy.exc import OperationalError

from continuity.cli.console import database, fail, out
from db import migrate
from db.engine import OldPagesKeptError, purge_old_pages
from tasks.settings import get_settings

db_app = typer.Typer(help="Database schema and files.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (creates the database schema if needed)."""
    settings = get_settings()
    try:
        migrate.upgrade(settings.database_url)
    except OperationalError as error:
        raise fail(f"cannot reach the database: {error.orig}") from None
    out.print(f"database at revision {migrate.head_revision()}")


@db_app.command("purge")
def db_purge() -> None:
    """Leave no earlier version of an erased or cleared record in SQLite's files (the
    write-ahead log copied into the database, then truncated); on PostgreSQL, nothing to
    do until VACUUM. Exits 1 while another process still reads the old pages."""
    with database() as engine:
        try:
            purge_old_pages(engine)
        except OldPagesKeptError as error:
            raise fail(str(error), 1) from None
    out.print("no old pages left in the database files")
