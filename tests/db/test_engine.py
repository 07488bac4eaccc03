from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError

from db.engine import transaction
from db.models import Contact, Partner


def test_it_enforces_foreign_keys(engine: Engine) -> None:
    with pytest.raises(IntegrityError), transaction(engine) as session:
        session.add(Contact(partner_id=999_999, name="Nobody", language="en"))


def test_it_runs_sqlite_in_wal_mode(tmp_path) -> None:
    from db.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_it_rolls_back_everything_on_error(engine: Engine) -> None:
    with pytest.raises(RuntimeError), transaction(engine) as session:
        session.add(Partner(vendor_number="1", name="A", language="fr", time_zone="UTC"))
        session.flush()
        raise RuntimeError("boom")
    with transaction(engine) as session:
        assert session.scalars(select(Partner)).all() == []


def test_it_keeps_datetimes_aware_and_in_utc(engine: Engine) -> None:
    dakar_evening = datetime(2026, 3, 1, 22, 30, tzinfo=timezone(timedelta(hours=-5)))
    with transaction(engine) as session:
        partner = Partner(vendor_number="1", name="A", language="fr", time_zone="UTC")
        session.add(partner)
        session.flush()
        session.add(Contact(partner=partner, name="B", language="fr", opted_out_at=dakar_evening))
    with transaction(engine) as session:
        stored = session.scalars(select(Contact)).one().opted_out_at
    assert stored == dakar_evening
    assert stored is not None and stored.tzinfo == UTC


def test_it_refuses_naive_datetimes(engine: Engine) -> None:
    with pytest.raises(Exception, match="naive datetime"), transaction(engine) as session:
        partner = Partner(vendor_number="1", name="A", language="fr", time_zone="UTC")
        session.add(
            Contact(partner=partner, name="B", language="fr", opted_out_at=datetime(2026, 1, 1))
        )
