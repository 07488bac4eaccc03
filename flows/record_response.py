"""The `record-response` flow: staff enter an answer received by phone or in a meeting."""

from __future__ import annotations

from prefect import flow

from tasks.responses.manual_entry import ManualResponse, record


@flow(name="record-response")
def record_response(response: ManualResponse) -> dict[str, object]:
    """Record an answer a partner gave outside e-mail (phone, meeting); it counts like any
    other answer and stops the reminders about it.

    Args:
        response: who answered what, and how.
    """
    return record(response)
