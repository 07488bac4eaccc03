"""What the commands' options mean, below the command modules: `main` and the command
groups import this, never each other."""

from __future__ import annotations

from datetime import datetime

import typer

from tasks.clock import parse_moment


def parse_as_of(value: str | None) -> datetime | None:
    """Return an `--as-of` value as an aware UTC datetime (tasks/clock.py; naive means
    UTC), or None when it was not given; a value that is not ISO 8601 is a usage error."""
    if value is None:
        return None
    try:
        return parse_moment(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 date-time") from None
