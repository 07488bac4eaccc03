from __future__ import annotations

import pytest

from tasks.mail.addresses import (
    NO_SMTPUTF8,
    NOT_AN_ADDRESS,
    NOT_IDNA,
    Unroutable,
    ascii_domain,
    routed,
    same_address,
)

IDN = "a.diallo@école-kolda.sn"
IDN_ASCII = "a.diallo@xn--cole-kolda-96a.sn"
UTF8_LOCAL = "jean-baptiste.ndiayé@apef.sn"


def never_asked() -> bool:
    raise AssertionError("an ASCII address must not make the transport connect")


def test_the_domain_goes_to_its_idna_2008_ascii_form() -> None:
    assert ascii_domain(IDN) == IDN_ASCII
    assert ascii_domain("x@ÉCOLE-Kolda.SN.") == "x@xn--cole-kolda-96a.sn"
    # IDNA 2003 (the standard library's codec) would map ß to ss: another mailbox.
    assert ascii_domain("x@straße.de") == "x@xn--strae-oqa.de"
    assert ascii_domain(UTF8_LOCAL) == UTF8_LOCAL
    assert ascii_domain("Mixed.Case@Example.ORG") == "Mixed.Case@Example.ORG"


@pytest.mark.faults
@pytest.mark.parametrize(
    "address",
    [
        "a@i♥ny.sn",  # a symbol: IDNA 2003 allowed it, IDNA 2008 does not
        "a@" + "é" * 60 + ".sn",  # a label over 63 octets once encoded
        "a@" + ".".join(["é" * 20] * 12) + ".sn",  # a name over 253 octets
        "é@ab--cd.sn",  # hyphens in the 3rd and 4th places of a label that is not xn--
        "a@exa_mplé.sn",
        "a@é..sn",
        "é@",
    ],
)
def test_an_address_that_is_neither_form_is_unroutable(address: str) -> None:
    with pytest.raises(Unroutable) as raised:
        ascii_domain(address)
    assert str(raised.value) == NOT_IDNA
    with pytest.raises(Unroutable):
        routed(address, lambda: True)


@pytest.mark.faults
@pytest.mark.parametrize("address", ["no-at-sign-é", "@école-kolda.sn"])
def test_a_non_ascii_text_that_is_no_address_is_unroutable(address: str) -> None:
    with pytest.raises(Unroutable) as raised:
        routed(address, lambda: True)
    assert str(raised.value) == NOT_AN_ADDRESS


def test_an_ascii_address_is_routed_as_it_is_without_asking_the_transport() -> None:
    assert routed("a.ndiaye@asef-senegal.example.org", never_asked) == (
        "a.ndiaye@asef-senegal.example.org"
    )
    assert routed(IDN_ASCII, never_asked) == IDN_ASCII


def test_a_route_that_takes_utf8_carries_the_address_as_written() -> None:
    assert routed(IDN, lambda: True) == IDN
    assert routed(UTF8_LOCAL, lambda: True) == UTF8_LOCAL


def test_a_route_without_utf8_carries_the_domain_in_ascii_and_refuses_a_utf8_local_part() -> None:
    assert routed(IDN, lambda: False) == IDN_ASCII
    with pytest.raises(Unroutable) as raised:
        routed(UTF8_LOCAL, lambda: False)
    assert str(raised.value) == NO_SMTPUTF8
    assert "SMTPUTF8" in NO_SMTPUTF8 and "@" not in NO_SMTPUTF8


def test_either_form_and_any_case_name_one_mailbox() -> None:
    assert same_address(IDN_ASCII, IDN)
    assert same_address("A.Diallo@XN--COLE-KOLDA-96A.SN", IDN)
    assert same_address("Jean-Baptiste.Ndiayé@APEF.sn", UTF8_LOCAL)
    # NFD (a decomposed é, as some clients write it) is the same mailbox as NFC.
    assert same_address("jean-baptiste.ndiaye\u0301@apef.sn", UTF8_LOCAL)
    assert not same_address("a.diallo@ecole-kolda.sn", IDN)
    assert not same_address("", "")


def test_local_parts_that_only_case_folding_would_join_are_two_mailboxes() -> None:
    """Lower case, not case folding: `straße` and `strasse`, `ﬁ` and `fi`, a final and a
    medial sigma are different mailboxes, and a key shared by two of them would suppress,
    erase or list one for the other."""
    assert not same_address("straße@apef.sn", "strasse@apef.sn")
    assert not same_address("\ufb01le@apef.sn", "file@apef.sn")
    assert not same_address("\u03c2@apef.sn", "\u03c3@apef.sn")  # final and medial sigma
    assert same_address("STRAẞE@APEF.SN", "straße@apef.sn")


@pytest.mark.faults
def test_a_mixed_script_lookalike_is_another_mailbox() -> None:
    """A Cyrillic a (U+0430) in a Latin name is a different domain: a bounce naming
    the Latin one never touches the contact at the lookalike, nor the reverse."""
    lookalike = "info@p\u0430ypal.sn"
    assert ascii_domain(lookalike) == "info@xn--pypal-4ve.sn"
    assert not same_address(lookalike, "info@paypal.sn")
    assert same_address(lookalike, "info@xn--pypal-4ve.sn")
