"""A render stop that holds: when a run's render check fails, its planned messages are
held (never claimed by any delivery) with the reason, until staff fix the cause and
release them, which checks them again first, or cancel them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from db.models import TouchpointKind
from db.outbox_decisions import hold_planned, unhold
from tasks.outbox.render import RenderError
from tasks.outbox.render_check import check_planned
from tasks.settings import Settings

RELEASE_HINT = "fix the cause, then `continuity outbox release` (or cancel the campaign)"


def hold_failed_run(
    session: Session,
    kinds: Iterable[TouchpointKind],
    errors: list[str],
    campaign_id: int | None = None,
) -> int:
    """Hold the planned messages of `kinds` (of one campaign, if given) with the render
    check's `errors` as their reason; return how many."""
    reason = f"held: the render check of its run failed ({RELEASE_HINT}): {'; '.join(errors)}"
    return hold_planned(session, kinds, reason, campaign_id)


def release_held(
    session: Session,
    settings: Settings,
    now: datetime,
    campaign_id: int | None = None,
    ids: Sequence[int] = (),
) -> int:
    """Plan again the held messages (of one campaign and/or with given ids; all when
    neither is given) once every one of them renders; return how many (0 when none is
    held). Raises `RenderError` with the first problems when any still does not render:
    the caller rolls the transaction back and nothing is released."""
    reason = f"released by staff at {now:%Y-%m-%d %H:%M} UTC after a render check"
    released = unhold(session, reason, campaign_id, ids)
    if not released:
        return 0
    # Within the same transaction: the rows planned again are exactly those checked, and
    # no delivery sees them before the check has passed and the caller commits.
    check = check_planned(
        session,
        settings,
        list(TouchpointKind),
        campaign_id=campaign_id,
        ids=ids,
        raise_errors=False,
    )
    if check.errors:
        raise RenderError(
            f"{len(check.errors)} or more held message(s) still do not render, nothing"
            f" released: {'; '.join(check.errors)}"
        )
    return released
