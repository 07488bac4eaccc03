from __future__ import annotations

from tasks.responses.links import (
    message_of_address,
    new_token,
    reply_address,
    rfc_message_id,
    token_hash,
)

SECRET = "k" * 40
SENDER = "UNICEF Partnerships <partnerships@example.org>"


def test_tokens_carry_at_least_128_random_bits_and_differ() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(token) >= 43 for token in tokens)


def test_only_a_hash_of_the_token_is_kept() -> None:
    token = new_token()
    assert len(token_hash(token)) == 64
    assert token not in token_hash(token)


def test_a_reply_address_leads_back_to_its_message() -> None:
    address = reply_address(SECRET, 42, SENDER)
    assert address.startswith("partnerships+r42.") and address.endswith("@example.org")
    assert message_of_address(SECRET, f"Someone <{address}>") == 42


def test_a_forged_or_foreign_reply_address_matches_nothing() -> None:
    genuine = reply_address(SECRET, 42, SENDER)
    assert message_of_address(SECRET, genuine.replace("r42.", "r43.")) is None
    assert message_of_address("other" * 10, genuine) is None
    assert message_of_address(SECRET, "partnerships@example.org") is None
    assert message_of_address(SECRET, "partnerships+hello@example.org") is None


def test_message_ids_are_stable_per_row_and_unique_across_rows() -> None:
    assert rfc_message_id(SECRET, 1, SENDER) == rfc_message_id(SECRET, 1, SENDER)
    assert rfc_message_id(SECRET, 1, SENDER) != rfc_message_id(SECRET, 2, SENDER)
    assert rfc_message_id(SECRET, 1, SENDER).endswith("@example.org>")


def test_bounce_and_unsubscribe_addresses_only_match_their_purpose() -> None:
    from tasks.responses.links import bounce_address, unsubscribe_address

    bounce = bounce_address(SECRET, 7, SENDER)
    assert message_of_address(SECRET, bounce, "bounce") == 7
    assert message_of_address(SECRET, bounce, "reply") is None
    assert message_of_address(SECRET, unsubscribe_address(SECRET, 7, SENDER), "unsubscribe") == 7
