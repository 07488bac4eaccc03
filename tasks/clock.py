"""The one clock: real time, or a simulated moment when a run acts `as_of` another time.

Flows and CLI commands take `as_of: datetime | None` at their edge and turn it into a
`Clock` once (`Clock.at(as_of)`); below that, orchestration (Prefect tasks, delivery)
takes the `Clock`, and pure rules take the `now: datetime` read from it. A run that needs
one moment throughout (a campaign is named and keyed by it) reads it once and passes
`Clock.at(that moment)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


def utc(moment: datetime) -> datetime:
    """Return `moment` in UTC; a naive moment is taken to be UTC already (the one place
    this is said)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_moment(text: str) -> datetime:
    """Return the ISO 8601 date-time `text` as an aware UTC datetime (naive means UTC);
    raise ValueError when it is not one."""
    return utc(datetime.fromisoformat(text))


@dataclass(frozen=True)
class Clock:
    """Real time, or the simulated moment `fixed` (always aware, in UTC)."""

    fixed: datetime | None = None

    def __post_init__(self) -> None:
        if self.fixed is not None:
            object.__setattr__(self, "fixed", utc(self.fixed))

    def now(self) -> datetime:
        """Return the simulated moment when there is one, else the current time in UTC."""
        return self.fixed if self.fixed is not None else datetime.now(UTC)

    @classmethod
    def at(cls, moment: datetime | None) -> Clock:
        """Return a clock fixed at `moment` (naive means UTC), or the real one for None."""
        return cls(moment)
