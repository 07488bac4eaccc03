"""The `record-influence` flow: staff edit the register of spheres of influence."""

from __future__ import annotations

from typing import Annotated, Any

from prefect import flow

from flows.parameters import titled
from tasks.staff.influence import InfluenceChange, record_influence


@flow(name="record-influence")
def record_influence_change(
    change: Annotated[InfluenceChange, titled("Change to the register")],
) -> dict[str, Any]:
    """Add a person or body who can support a partnership's impact, correct an entry,
    merge two entries naming the same supporter, or remove one.

    Args:
        change: what to do to the register (add needs a partnership and a name; edit and
            remove an entry id; merge the entry to merge away and the one to keep).
    """
    return record_influence(change)
