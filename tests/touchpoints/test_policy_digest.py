from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from db.engine import transaction
from db.models import DigestItem, TouchpointKind
from tasks.staff.records import UpdateInput, read_input, record_update
from tests.pipeline import messages, plan

DIGEST = TouchpointKind.POLICY_DIGEST
FIRST_OF_MONTH = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # digests are due on the 1st, 10:00 local


def add_update(engine: Engine, published: str = "2026-11-15T10:00:00Z", **fields) -> int:
    base = {"category": "policy_change", "title": {"fr": "Politique"}, "body": {"fr": "Texte"}}
    with transaction(engine) as session:
        data = read_input(UpdateInput, None, {**base, **fields})
        return record_update(session, data, datetime.fromisoformat(published)).id


def digest_partners(engine: Engine) -> set[str]:
    return {m.contact.partner.vendor_number for m in messages(engine, kind=DIGEST)}


def test_no_digest_when_there_is_nothing_new(imported: Engine) -> None:
    plan(imported, DIGEST, FIRST_OF_MONTH)
    assert messages(imported, kind=DIGEST) == []


def test_each_partner_gets_one_digest_of_the_updates_it_has_not_had(imported: Engine) -> None:
    first = add_update(imported, countries=["KEN"])
    second = add_update(imported, category="new_priority", countries=["KEN"], sections=["WASH"])
    plan(imported, DIGEST, FIRST_OF_MONTH)
    by_partner = {
        m.contact.partner.vendor_number: m.context["update_ids"]
        for m in messages(imported, kind=DIGEST)
    }
    assert by_partner == {
        "2500211007": [first],
        "2500211008": [first, second],
        "2500211011": [first, second],
    }


def test_an_update_is_never_sent_twice_to_a_partner(imported: Engine) -> None:
    add_update(imported, countries=["KEN"])
    plan(imported, DIGEST, FIRST_OF_MONTH)
    later = add_update(imported, published="2026-12-20T00:00:00Z", countries=["KEN"])
    plan(imported, DIGEST, datetime(2027, 1, 1, 12, tzinfo=UTC))
    plan(imported, DIGEST, datetime(2027, 2, 1, 12, tzinfo=UTC))
    months = {m.occurrence_key.rsplit(":", 1)[1] for m in messages(imported, kind=DIGEST)}
    assert months == {"2026-12-01", "2027-01-01"}
    january = [
        m for m in messages(imported, kind=DIGEST) if m.occurrence_key.endswith("2027-01-01")
    ]
    assert january and all(m.context["update_ids"] == [later] for m in january)
    with transaction(imported) as session:
        assert session.scalar(select(func.count()).select_from(DigestItem)) == 6


def test_updates_from_before_the_partnership_ended_are_not_news(imported: Engine) -> None:
    add_update(imported, published="2024-01-01T00:00:00Z", countries=["SEN"])
    plan(imported, DIGEST, FIRST_OF_MONTH)
    assert digest_partners(imported) == set()
