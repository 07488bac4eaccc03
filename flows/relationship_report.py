"""The `relationship-report` flow (weekly)."""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow

from flows.parameters import AsOf, DryRun, titled
from tasks.clock import Clock
from tasks.reports.relationship import QUIET_MONTHS, build_report


@flow(name="relationship-report")
def relationship_report(
    as_of: AsOf = None,
    dry_run: DryRun = False,
    months: Annotated[int, titled("Months without contact")] = QUIET_MONTHS,
) -> dict[str, Any]:
    """Publish the relationship report as keyed artifacts: partners not reached or not
    heard from in `months` months, response rates, results at risk, follow-ups upcoming
    and overdue, bounces and suppressions.

    Args:
        as_of: the moment to report on (default: now).
        dry_run: reports write nothing anyway; accepted like every scheduled flow.
        months: how long without contact puts a partner on the list.
    """
    return build_report(Clock.at(as_of), months)
