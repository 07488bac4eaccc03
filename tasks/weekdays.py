"""Days of the week as staff write them: `mon-fri`, `sun-thu`, `mon,wed,fri`, `fri-mon`.

Numbers are Python's (`date.weekday()`): Monday is 0, Sunday 6.
"""

from __future__ import annotations

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Not `calendar.day_name`: that follows the process locale; reasons are written in English.
NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_SPEC = 64


def parse_days(spec: str) -> frozenset[int]:
    """Return the weekdays `spec` names (ranges wrap round the week: `fri-mon` is Friday to
    Monday); raise `ValueError` naming the part that is no day, or for an empty or
    oversized spec."""
    spec = spec.strip().lower()
    if not spec or len(spec) > MAX_SPEC:
        raise ValueError(f"days must be written like 'mon-fri' or 'sun-thu' (got {spec[:20]!r})")
    days: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise ValueError(f"unknown day in {part[:20]!r} (use {', '.join(DAYS)})")
        low, high = DAYS.index(first), DAYS.index(last or first)
        days.update(range(low, high + 1) if low <= high else [*range(low, 7), *range(0, high + 1)])
    return frozenset(days)


def days_text(days: frozenset[int]) -> str:
    """Return `days` written as short as `parse_days` reads them back (`mon-fri`,
    `sun-thu`, `mon,wed,fri`); "" for none."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6:
        runs[0] = runs.pop() + runs[0]  # a week working Sunday to Thursday reads `sun-thu`
    return ",".join(
        DAYS[run[0]] if len(run) == 1 else f"{DAYS[run[0]]}-{DAYS[run[-1]]}" for run in runs
    )


def day_name(weekday: int) -> str:
    """Return the English name of `weekday` (0: Monday)."""
    return NAMES[weekday]
