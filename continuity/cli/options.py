"""What the commands' options mean, below the command modules: `main` and the command
groups import this, never each other."""

from __future__ import annotations

from datetime import datetime

import typer

from continuity.cli.console import fail
from tasks.clock import FutureMoment, parse_moment, real_clock


def parse_as_of(value: str | None) -> datetime | None:
    """Return an `--as-of` value as an aware UTC datetime (tasks/clock.py; naive means
    UTC), or None when it was not given; a value that is not ISO 8601 is a usage error."""
    if value is None:
        return None
    try:
        return parse_moment(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 date-time") from None


def real_as_of(value: str | None) -> datetime | None:
    """Return `--as-of` for a command that sends for real, as `parse_as_of` does; a moment
    in the future stops it with one line (exit 1): its mail would be dated then."""
    moment = parse_as_of(value)
    try:
        real_clock(moment)
    except FutureMoment as error:
        raise fail(str(error), 1) from None
    return moment
