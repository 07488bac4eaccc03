"""The do-not-contact list of people eTools lists with no address: by partner and name, in
any script (an ASCII fold makes every Arabic, Greek or Amharic name the same empty one)."""

from __future__ import annotations

import pytest

from tasks.people.do_not_contact import DoNotContact, member_hmac

SECRET = "s" * 48
ERASED = {"Arabic": "محمد علي", "Greek": "Γιώργος Παπαδόπουλος", "Amharic": "አበበ ከበደ"}
COLLEAGUES = {"Arabic": "فاطمة حسن", "Greek": "Ελένη Νικολάου", "Amharic": "ተስፋዬ ገብሬ"}


@pytest.mark.parametrize("script", sorted(ERASED))
def test_erasing_one_member_without_address_blocks_no_colleague(script: str) -> None:
    digest = member_hmac(SECRET, "2500900001", ERASED[script])
    assert digest is not None
    listed = DoNotContact(SECRET, frozenset({digest}))
    assert listed.lists(None, "2500900001", f"  {ERASED[script].upper()} ")
    assert not listed.lists(None, "2500900001", COLLEAGUES[script])
    assert not listed.lists(None, "2500900002", ERASED[script])


def test_a_blank_name_is_never_listed() -> None:
    assert member_hmac(SECRET, "2500900001", "  ") is None
    listed = DoNotContact(SECRET, frozenset({"0" * 64}))
    assert not listed.lists(None, "2500900001", "")
