"""Who an ad-hoc campaign reaches: the ended partnerships unless told otherwise, any
status when the form's list of statuses is emptied."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from db.engine import transaction
from db.models import ENDED_STATUSES
from flows.registry import FORMS
from tasks.campaigns.audience import Audience, audience


def reached(engine: Engine, chosen: Audience) -> dict[int, str]:
    """Return each contact reached, by number, with the status of the partnership that
    brought them in."""
    with transaction(engine) as session:
        return {
            contact.id: str(partnership.status)
            for contact, partnership in audience(session, chosen)
        }


def test_the_form_shows_the_ended_statuses_ticked_as_its_default() -> None:
    schema = FORMS["adhoc-campaign"].parameters.model_dump()["definitions"]["Audience"]
    statuses = schema["properties"]["statuses"]
    assert sorted(statuses["default"]) == sorted(ENDED_STATUSES)
    assert "empty: any status" in statuses["description"]


def test_a_campaign_reaches_ended_partnerships_unless_told_otherwise(imported: Engine) -> None:
    by_default = reached(imported, Audience())
    assert by_default and set(by_default.values()) <= set(ENDED_STATUSES)
    assert Audience.model_validate({}).statuses == Audience().statuses


def test_an_emptied_list_of_statuses_reaches_every_status(imported: Engine) -> None:
    everyone = reached(imported, Audience(statuses=[]))
    ended = reached(imported, Audience())
    assert set(ended) < set(everyone)
    assert {"active", "suspended", "signed"} & set(everyone.values())
    only_active = reached(imported, Audience(statuses=["active"]))
    assert only_active and set(only_active.values()) == {"active"}
    assert set(only_active) <= set(everyone)


@pytest.mark.parametrize("statuses", [["draft"], ["ENDED"], "ended", [None], ["x" * 10_000]])
def test_a_status_the_form_does_not_offer_is_refused(statuses: object) -> None:
    with pytest.raises(ValueError, match="statuses"):
        Audience.model_validate({"statuses": statuses})


def test_the_default_is_a_fresh_list_for_each_audience() -> None:
    first = Audience()
    first.statuses.append("active")
    assert "active" not in Audience().statuses
