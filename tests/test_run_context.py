from __future__ import annotations

import logging

import pytest
from prefect import flow, task

from tasks.run_context import in_a_run, only_in_a_run, run_logger

published: list[str] = []


@only_in_a_run
def publish(text: str) -> str:
    published.append(text)
    return text


@pytest.fixture(autouse=True)
def nothing_published() -> None:
    published.clear()


def test_outside_a_run_nothing_is_published() -> None:
    assert publish("summary") is None
    assert published == []
    assert not in_a_run()


def test_outside_a_run_the_continuity_logger_is_used() -> None:
    logger = run_logger()
    assert isinstance(logger, logging.Logger) and logger.name == "continuity"


@pytest.mark.usefixtures("prefect_api")
def test_in_a_flow_and_in_its_tasks_the_artifact_is_published_and_the_run_logs() -> None:
    @task
    def in_a_task() -> tuple[str | None, bool]:
        return publish("from a task"), isinstance(run_logger(), logging.LoggerAdapter)

    @flow
    def a_run() -> tuple[str | None, tuple[str | None, bool]]:
        return publish("from the flow"), in_a_task()

    assert a_run() == ("from the flow", ("from a task", True))
    assert published == ["from the flow", "from a task"]
    assert not in_a_run()
