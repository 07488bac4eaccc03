from __future__ import annotations

from tasks.privacy import redacted


def test_addresses_and_tokens_are_removed_and_the_rest_kept() -> None:
    text = "550 5.1.1 <a.ndiaye@asef-senegal.example.org>: no such user; see https://portal.example.org/r/L37Wa-ua4zq8jghktsd745mGtY90bpfzMKv"
    assert (
        redacted(text) == "550 5.1.1 <<address>>: no such user; see https://portal.example.org/r/…"
    )


def test_text_without_personal_data_is_unchanged() -> None:
    assert redacted("deferred to the sending window (mon-fri 09:00-17:00, Africa/Dakar)") == (
        "deferred to the sending window (mon-fri 09:00-17:00, Africa/Dakar)"
    )
