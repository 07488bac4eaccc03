"""Whether code runs inside a Prefect flow or task run, and what follows from it.

The same task functions run in flows, in CLI commands, in the demo and in tests: inside a
run they log to the run and publish artifacts; outside one they log to the `continuity`
logger and publish nothing (an artifact belongs to a run).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from prefect.context import FlowRunContext, TaskRunContext
from prefect.logging import get_run_logger

P = ParamSpec("P")
R = TypeVar("R")


def in_a_run() -> bool:
    """True inside a Prefect flow or task run."""
    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def run_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """Return the run's logger inside a run, else the `continuity` logger."""
    return get_run_logger() if in_a_run() else logging.getLogger("continuity")


def only_in_a_run(publish: Callable[P, R]) -> Callable[P, R | None]:
    """Return `publish` made to do nothing, and return None, outside a Prefect run."""

    @wraps(publish)
    def published(*args: P.args, **kwargs: P.kwargs) -> R | None:
        return publish(*args, **kwargs) if in_a_run() else None

    return published


class FailedWithSummary(Exception):
    """A run that did part of its work and failed at the rest: the message says what
    failed; `summary` (what a flow returns: counts and our words) says what was done, so
    `continuity run` shows both while Prefect marks the run failed."""

    def __init__(self, message: str, summary: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.summary = summary or {}

    def __reduce__(self) -> tuple[Any, ...]:
        # Prefect may pickle a failed run's exception; keep the summary with it.
        return (type(self), (str(self), self.summary))
