"""Helpers for the eTools sync's tests: running the flow, reading what the database holds.
The stand-in of eTools' API and the settings pointing the sync at it are the fixtures
`etools` and `sync_env` of tests/conftest.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from db.engine import transaction
from db.models import Contact, FollowUpPlan, Partner, Partnership
from flows.registry import FLOWS

NOW = datetime(2026, 6, 1, 6, tzinfo=UTC)


def sync(as_of: datetime = NOW, dry_run: bool = False) -> Any:
    """Run the etools-sync flow; return its final state."""
    return FLOWS["etools-sync"](as_of=as_of, dry_run=dry_run, return_state=True)


def stored(engine: Engine, country: str | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every column of the partners, contacts, partnerships and plans (of one country's
    partnerships and their partners, when given), timestamps included: any write shows."""
    tables = {"partners": Partner, "contacts": Contact, "partnerships": Partnership}
    found: dict[str, list[tuple[Any, ...]]] = {}
    with transaction(engine) as session:
        ids = None
        if country is not None:
            query = select(Partnership.partner_id).where(Partnership.country == country)
            ids = set(session.scalars(query))
        for name, model in {**tables, "plans": FollowUpPlan}.items():
            rows = session.scalars(select(model).order_by(model.id)).all()
            found[name] = [_values(row) for row in rows if _belongs(row, ids, country)]
    return found


def _belongs(row: Any, partner_ids: set[int] | None, country: str | None) -> bool:
    if partner_ids is None:
        return True
    if isinstance(row, Partner):
        return row.id in partner_ids
    if isinstance(row, Contact):
        return row.partner_id in partner_ids
    if isinstance(row, Partnership):
        return row.country == country
    return bool(row.partnership.country == country)


def _values(row: Any) -> tuple[Any, ...]:
    return tuple(getattr(row, column.key) for column in row.__table__.columns)
