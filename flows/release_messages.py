"""The `release-messages` form: staff release held or deferred messages now or at a time,
or cancel a campaign, from the Prefect UI (as `continuity outbox release --now|--at` and
`continuity campaign cancel` do)."""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow

from flows.parameters import titled
from tasks.clock import Clock
from tasks.outbox.releases import Release, cancel_chosen, release_chosen


@flow(name="release-messages")
def release_messages(request: Annotated[Release, titled("Release or cancel")]) -> dict[str, Any]:
    """Release the messages of a campaign, a kind and/or a country still waiting (held
    after a failed render check, deferred to their recipients' sending window or a later
    time): now, even outside the window, or at a time. Or cancel a campaign: what it has
    not sent is cancelled. Who decides and why is kept with each message.

    Args:
        request: what to do, to which messages, who decides and why.
    """
    if request.action == "cancel campaign":
        return cancel_chosen(request, Clock())
    return release_chosen(request, Clock())
