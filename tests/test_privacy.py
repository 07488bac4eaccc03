from __future__ import annotations

import pytest

from tasks.privacy import reason_kind, redacted, without_name


def test_addresses_and_tokens_are_removed_and_the_rest_kept() -> None:
    text = "550 5.1.1 <a.ndiaye@asef-senegal.example.org>: no such user; see https://portal.example.org/r/L37Wa-ua4zq8jghktsd745mGtY90bpfzMKv"
    assert (
        redacted(text) == "550 5.1.1 <<address>>: no such user; see https://portal.example.org/r/…"
    )


def test_text_without_personal_data_is_unchanged() -> None:
    assert redacted("deferred to the sending window (mon-fri 09:00-17:00, Africa/Dakar)") == (
        "deferred to the sending window (mon-fri 09:00-17:00, Africa/Dakar)"
    )


def test_a_name_gives_way_to_the_contact_number_as_written_and_as_html_escapes_it() -> None:
    name = "Grace Achieng' Otieno"
    html = "<p>Dear Grace Achieng&#39; Otieno,</p><p>Grace Achieng&#x27; Otieno</p>"
    assert without_name(html, name, 7) == "<p>Dear [contact 7],</p><p>[contact 7]</p>"
    text = "Dear Grace Achieng' Otieno, write to g.otieno@kccpn.example.or.ke"
    assert without_name(text, name, 7) == "Dear [contact 7], write to <address>"


def test_a_shortened_name_in_a_subject_gives_way_word_by_word() -> None:
    subject = "News for Aminata Diallo-Nd…"
    shown = without_name(subject, "Aminata Diallo-Ndiaye", 3, words=True)
    assert "Aminata" not in shown and "Diallo" not in shown
    assert shown.startswith("News for [contact 3]")


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("suppressed: staff: Awa Ndiaye called, her school closed", "suppressed by staff"),
        ("suppressed: hard bounce: 550 5.1.1 Mailbox of Awa Ndiaye", "suppressed: hard bounce"),
        ("suppressed: 3 soft bounces over 9 days: 452 Awa's box full", "suppressed: soft bounces"),
        ("suppressed: bounces", "suppressed"),
        ("suppressed: whatever an older release wrote", "suppressed"),
        ("opted out", "opted out"),
        ("erased", "erased"),
        ("no e-mail address", "no e-mail address"),
        ("", ""),
    ],
)
def test_an_unreachable_reason_goes_out_as_its_kind_only(reason: str, kind: str) -> None:
    assert reason_kind(reason) == kind


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Li Na", "Reminder: Li N…"),
        ("Li Na", "Reminder: Li..."),
        ("Jean-Paul Sarr", "JEAN-PAUL SARR, your answer"),
        ("Jean-Paul Sarr", "Dear jean-paul sarr"),
        ("Awa N\u2019Diaye", "Reminder: Awa N\u2019Di…"),
    ],
)
def test_a_cut_or_recased_name_is_replaced_too(name: str, text: str) -> None:
    shown = without_name(text, name, 5, words=True)
    assert "[contact 5]" in shown
    assert not any(part.lower() in shown.lower() for part in (name[:4], name.split()[-1][:3]))
