from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, select

from db.engine import transaction
from db.influence import ended_without_supporters
from db.models import InfluenceEntry, Partnership
from flows.registry import FORMS
from tasks.staff.influence import (
    InfluenceChange,
    InfluenceError,
    apply_change,
    register,
    supporter_key,
)

ASEF = "SEN/PCA2021001/PD2021004"


def partnership_id(engine: Engine, reference: str = ASEF) -> int:
    with transaction(engine) as session:
        return session.scalars(
            select(Partnership.id).where(Partnership.reference_number == reference)
        ).one()


def entries(engine: Engine) -> list[InfluenceEntry]:
    with transaction(engine) as session:
        return list(session.scalars(select(InfluenceEntry).order_by(InfluenceEntry.id)))


def change(engine: Engine, **fields) -> dict:
    with transaction(engine) as session:
        return apply_change(session, InfluenceChange.model_validate(fields))


def test_names_fold_accents_case_punctuation_and_spacing() -> None:
    assert supporter_key("  Mairie de  KOLDA. ") == supporter_key("mairie de kolda")
    assert supporter_key("Aïssatou Sow") == supporter_key("AISSATOU SOW")
    assert supporter_key("Mairie de Kolda") != supporter_key("Mairie de Sédhiou")


def test_the_same_supporter_named_twice_is_one_entry_with_both_roles(imported: Engine) -> None:
    target = partnership_id(imported)
    with transaction(imported) as session:
        first, merged_first = register(session, target, "Mairie de Kolda", "body", "cantines")
        again, merged_again = register(session, target, "MAIRIE DE KOLDA", "body", "transport")
    assert (merged_first, merged_again) == (False, True) and first.id == again.id
    (entry,) = entries(imported)
    assert entry.role == "cantines; transport"


def test_staff_add_edit_merge_and_remove(imported: Engine) -> None:
    added = change(imported, action="add", partnership=ASEF, name="Aminata Sow", role="maire")
    other = change(imported, action="add", partnership=ASEF, name="Mme A. Sow", kind="person")
    change(imported, action="edit", entry_id=added["entry_id"], role="maire adjointe")
    change(imported, action="merge", entry_id=other["entry_id"], into_id=added["entry_id"])
    kept, merged_away = entries(imported)
    assert (kept.role, kept.active) == ("maire adjointe", True)
    assert (merged_away.active, merged_away.merged_into_id) == (False, kept.id)
    change(imported, action="remove", entry_id=kept.id)
    assert not any(entry.active for entry in entries(imported))


def test_an_edit_that_would_duplicate_an_entry_asks_for_a_merge(imported: Engine) -> None:
    change(imported, action="add", partnership=ASEF, name="Mairie de Kolda")
    other = change(imported, action="add", partnership=ASEF, name="Conseil départemental")
    with pytest.raises(InfluenceError, match="merge the two"):
        change(imported, action="edit", entry_id=other["entry_id"], name="mairie de kolda")


@pytest.mark.faults
def test_bad_changes_are_refused_and_change_nothing(imported: Engine) -> None:
    with pytest.raises(InfluenceError, match="no partnership"):
        change(imported, action="add", partnership="NOPE/1", name="X")
    with pytest.raises(InfluenceError, match="no active register entry"):
        change(imported, action="remove", entry_id=999)
    with pytest.raises(ValidationError, match="merge needs into_id"):
        InfluenceChange.model_validate({"action": "merge", "entry_id": 1})
    with pytest.raises(ValidationError):
        InfluenceChange.model_validate({"action": "add", "partnership": ASEF, "name": "x" * 300})
    assert entries(imported) == []


def test_entries_of_two_partnerships_cannot_be_merged(imported: Engine) -> None:
    one = change(imported, action="add", partnership=ASEF, name="Aminata Sow")
    other_reference = "SEN/PCA2020007/PD2022001"
    two = change(imported, action="add", partnership=other_reference, name="Aminata Sow")
    with pytest.raises(InfluenceError, match="two partnerships"):
        change(imported, action="merge", entry_id=two["entry_id"], into_id=one["entry_id"])


def test_ended_partnerships_with_no_supporter_are_listed(imported: Engine) -> None:
    with transaction(imported) as session:
        before = {p.reference_number for p in ended_without_supporters(session)}
    change(imported, action="add", partnership=ASEF, name="Mairie de Kolda")
    with transaction(imported) as session:
        after = {p.reference_number for p in ended_without_supporters(session)}
    assert ASEF in before and before - after == {ASEF}


def test_the_prefect_form_records_a_change(imported: Engine, app_env, prefect_api) -> None:
    done = FORMS["record-influence"](
        change=InfluenceChange(action="add", partnership=ASEF, name="Mairie de Kolda")
    )
    assert done["merged"] is False and [e.name for e in entries(imported)] == ["Mairie de Kolda"]
