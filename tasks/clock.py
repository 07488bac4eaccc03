"""The one clock: real time, or a simulated moment when a run acts `as_of` another time.

Flows and CLI commands take `as_of: datetime | None` at their edge and turn it into a
`Clock` once (`Clock.at(as_of)`); below that, orchestration (Prefect tasks, delivery)
takes the `Clock`, and pure rules take the `now: datetime` read from it. A run that needs
one moment throughout (a campaign is named and keyed by it) reads it once and passes
`Clock.at(that moment)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# How far ahead of this machine's clock a real run's `as_of` may be: a moment typed as
# "now" in the UI, or passed by a host whose clock runs a few seconds ahead, is not the
# future.
CLOCK_SKEW = timedelta(minutes=1)


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


def machine_now() -> datetime:
    """Return this machine's time in UTC: what a real run's `as_of` is checked against."""
    return datetime.now(UTC)


class FutureMoment(ValueError):
    """A run that sends or clears something was asked to act for a moment to come."""


def real_clock(moment: datetime | None) -> Clock:
    """Return the clock of a run that acts for real (sends mail, closes plans, clears
    data) at `moment` (now when None). Earlier moments replay the schedule; a later one
    would date mail and decide deferrals in the future, so raise `FutureMoment` when
    `moment` is more than `CLOCK_SKEW` ahead of now (a dry run may simulate it)."""
    clock, now = Clock.at(moment), machine_now()
    if clock.now() > now + CLOCK_SKEW:
        raise FutureMoment(
            f"as_of {clock.now():%Y-%m-%d %H:%M} UTC is in the future (now"
            f" {now:%Y-%m-%d %H:%M} UTC): a real run acts for now or an earlier moment;"
            " a dry run may simulate a later one"
        )
    return clock
