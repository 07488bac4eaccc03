"""The `record-response` flow: staff enter an answer received by phone or in a meeting."""

from __future__ import annotations

from typing import Annotated

from prefect import flow

from flows.parameters import titled
from tasks.responses.manual_entry import ManualResponseForm, record


@flow(name="record-response")
def record_response(
    response: Annotated[ManualResponseForm, titled("Response")],
) -> dict[str, object]:
    """Record an answer a partner gave outside e-mail (phone, meeting); it counts like any
    other answer and stops the reminders about it. What the partner said in their own
    words is recorded with `continuity response add`: Prefect keeps a form's values.

    Args:
        response: who answered what, and how.
    """
    return record(response)
