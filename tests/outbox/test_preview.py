"""What a dry run shows (tasks/outbox/preview.py) and how the progress of a delivery is
counted (tasks/outbox/stages.py)."""

from __future__ import annotations

from collections import Counter

import pytest
from prefect.types.names import raise_on_name_alphanumeric_dashes_only

from db.models import TouchpointKind
from tasks.outbox.preview import preview_key, samples_markdown, shown_samples
from tasks.outbox.render import RenderedEmail
from tasks.outbox.stages import handled_share
from tests.test_artifacts import HOSTILE, live_markup

QUOTING = {
    TouchpointKind.FOCAL_POINT_DIGEST,
    TouchpointKind.CAPACITY_ALERT,
    TouchpointKind.CORRECTIVE_ACTION,
    TouchpointKind.CORRECTIVE_ESCALATION,
}


def sample(text: str = "Bonjour [contact 4],\n\nVoici.") -> RenderedEmail:
    return RenderedEmail(language="fr", subject="Nouvelles", html="<p>x</p>", text=text)


def test_kinds_quoting_other_people_show_their_subject_only() -> None:
    shown = shown_samples({f"{kind}/fr": sample() for kind in TouchpointKind})
    for kind in TouchpointKind:
        expected = {"subject": "Nouvelles"}
        if kind not in QUOTING:
            expected["text"] = "Bonjour [contact 4],\n\nVoici."
        assert shown[f"{kind}/fr"] == expected, kind


def test_a_samples_text_shows_verbatim_in_a_code_block_and_nothing_in_it_is_live() -> None:
    text = f"{HOSTILE}\n```\n# not a heading\n````"
    markdown = "\n".join(samples_markdown(shown_samples({"adhoc/fr": sample(text)})))
    assert live_markup(markdown) == []
    assert "`````\n" in markdown and "# not a heading" in markdown
    assert "x@attacker.example" not in markdown  # addresses are redacted in code too


def test_a_quoting_kinds_sample_says_why_its_text_is_left_out() -> None:
    markdown = "\n".join(samples_markdown(shown_samples({"capacity_alert/en": sample("Awa")})))
    assert "Awa" not in markdown
    assert "Subject only: the text quotes other people than its recipient." in markdown


def test_no_sample_no_section() -> None:
    assert samples_markdown({}) == []


@pytest.mark.parametrize("kind", list(TouchpointKind))
def test_preview_keys_are_valid_prefect_keys_and_name_no_campaign(kind: TouchpointKind) -> None:
    key = preview_key(kind)
    assert raise_on_name_alphanumeric_dashes_only(f"{key}-summary") == f"{key}-summary"
    assert key.startswith("preview-") and not any(digit in key for digit in "0123456789")


@pytest.mark.parametrize(
    ("counts", "due", "shown"),
    [
        (Counter(), 10, 0.0),
        (Counter(retry=10), 10, 0.0),
        (Counter(released=5, lost=3, database_errors=1), 10, 0.0),
        (Counter(sent=999), 1000, 99.9),
        (Counter(sent=9995, failed=4), 10_000, 99.9),
        (Counter(sent=5, failed=1, unconfirmed=1, skipped=1, deferred=1, retry=1), 10, 90.0),
        (Counter(sent=10), 10, 100.0),
        (Counter(sent=12), 10, 100.0),
    ],
)
def test_progress_counts_what_was_handled_of_what_was_due(
    counts: Counter[str], due: int, shown: float
) -> None:
    assert handled_share(counts, due) == shown
