from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tasks.countries import SUPPORTED_LANGUAGES
from tasks.outbox.render import (
    MAX_SUBJECT,
    RenderError,
    environment,
    localized,
    one_line,
    render_email,
    shortened,
    template_language,
)
from tasks.translations import ngettext

KINDS = [
    "sustainability_checkin",
    "consultation_invitation",
    "policy_digest",
    "evaluation_followup",
    "reminder",
    "corrective_action",
    "acknowledgement",
]
NOTICES = ["corrective_escalation", "capacity_alert"]
LANGUAGES = list(SUPPORTED_LANGUAGES)


DIGEST_GROUP = {
    "partner": "ASEF",
    "title": "Maintien des filles à l'école",
    "reference": "SEN/PCA2021001/PD2021004",
    "messages": [
        {
            "id": 7,
            "author": "Awa Ndiaye",
            "address": "a.ndiaye@asef.example.org",
            "mailto": "mailto:a.ndiaye@asef.example.org?subject=Re%3A%20R%C3%A9sultats",
            "received_at": datetime(2026, 12, 1, 13, tzinfo=UTC),
            "channel": "email",
            "kind": "sustainability_checkin",
            "words": "Les cantines continuent.\n\nMerci.",
            "late": True,
            "handled": False,
            "handled_by": "",
        }
    ],
}


def sample_context(**overrides) -> dict:
    context = {
        "contact": {"name": "Awa Ndiaye"},
        "partner": {
            "name": "Association Sénégalaise pour l'Éducation des Filles",
            "short_name": "ASEF",
        },
        "partnership": {
            "title": "Maintien des filles à l'école",
            "reference": "SEN/PCA2021001/PD2021004",
            "start_date": date(2021, 9, 1),
            "end_date": date(2024, 12, 31),
            "status": "ended",
        },
        "links": {
            "respond": "https://portal.example.org/r/TOKEN",
            "opt_out": "https://portal.example.org/opt-out/TOKEN",
            "handled": "https://portal.example.org/handled/TOKEN",
        },
        "time_zone": "Africa/Dakar",
        "sender_name": "UNICEF Sénégal",
        "now": datetime(2025, 6, 1, 9, tzinfo=UTC),
        "event": {
            "title": {"fr": "Consultation régionale", "en": "Regional consultation"},
            "topic": {"fr": "Premier paragraphe.\n\nSecond paragraphe.", "en": "First.\n\nSecond."},
            "starts_at": datetime(2027, 2, 10, 9, 30, tzinfo=UTC),
            "place": "Dakar, Hôtel Terrou-Bi",
            "link": "https://meet.example.org/abc",
            "rsvp_deadline": datetime(2027, 2, 1, tzinfo=UTC),
        },
        "updates": [
            {
                "category": "policy_change",
                "title": {"fr": "Nouvelle politique"},
                "body": {"fr": "Texte."},
                "published_at": datetime(2026, 11, 3, tzinfo=UTC),
            },
            {
                "category": "new_priority",
                "title": {"en": "Priorities for 2027"},
                "body": {"en": "Text."},
                "published_at": datetime(2026, 11, 5, tzinfo=UTC),
            },
        ],
        "evaluation": {
            "completed_on": date(2025, 5, 20),
            "conclusions": {"fr": "Les résultats sont solides."},
            "lessons": {"fr": "Associer les familles tôt."},
            "recommendations": {"fr": "Étendre aux régions voisines."},
            "report_url": "https://reports.example.org/sen-2025.pdf",
            "discussion_at": datetime(2025, 6, 15, 10, tzinfo=UTC),
            "discussion_place": "en ligne",
        },
        "original": {
            "kind": "sustainability_checkin",
            "subject": "Que sont devenus les résultats ?",
            "sent_at": datetime(2026, 11, 20, tzinfo=UTC),
        },
        "reminder": {"number": 1},
        "measure": {
            "id": 1,
            "description": "Recruter un coordinateur",
            "owner": "Jean-Pierre Mbarga",
            "due_on": date(2026, 12, 20),
            "budget_change": -12000.5,
            "currency": "XAF",
            "status": "late",
            "comment": "fonds en retard",
            "plan_reason": "Aucun progrès",
        },
        "days": 1,
        "staff_recipient": False,
        "history": [
            {
                "at": datetime(2026, 12, 13, 7, tzinfo=UTC),
                "actor": "system",
                "action": action,
                "changes": ["status: planned → late"],
                "fields": [{"name": "status", "before": "planned", "after": "late"}],
                "days_before": days,
                "reason": "opted out",
                "to": ["Serge Atangana"],
                "no_address": ["Hélène Fouda"],
            }
            for action, days in [
                ("reminder", 1),
                ("reminder", 7),
                ("reminder not sent", 7),
                ("escalated", None),
                ("status update", None),
            ]
        ],
        "partner_name": "ASEF",
        "level": 2,
        "previous": 4,
        "insufficient": True,
        "answers": [
            {
                "received_at": datetime(2026, 11, 28, tzinfo=UTC),
                "capacity": 2,
                "sustained": "partly",
                "support_needed": "Formation",
                "contact": "Awa Ndiaye",
            }
        ],
        "acknowledgement": {"text": {"fr": "Merci.\n\nDeux paragraphes.", "en": "Thanks."}},
    }
    context.update(overrides)
    return context


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_renders_in_every_language(kind: str, language: str) -> None:
    rendered = render_email(environment(), kind, language, sample_context())
    assert rendered.language == language
    assert rendered.subject and "\n" not in rendered.subject
    for part in (rendered.html, rendered.text):
        assert "https://portal.example.org/opt-out/TOKEN" in part
    assert "https://portal.example.org/r/TOKEN" in rendered.html
    assert f'lang="{language}"' in rendered.html
    assert "<style" not in rendered.html.split("</head>")[1]
    assert 'style="' in rendered.html
    assert "<p" not in rendered.text and "</" not in rendered.text


@pytest.mark.parametrize(
    ("kind", "overrides", "shown"),
    [
        ("corrective_escalation", {}, "Jean-Pierre Mbarga"),
        (
            "capacity_alert",
            {
                "history": [
                    {"day": "2026-06-01", "capacity": 4},
                    {"day": "2026-11-28", "capacity": 2},
                ]
            },
            "- 2026-11-28: 2/5",
        ),
        (
            "focal_point_digest",
            {
                "new": [DIGEST_GROUP],
                "reminders": [DIGEST_GROUP],
                "new_count": 1,
                "reminder_count": 1,
                "answer_within_days": 5,
            },
            "continuity response handle 7 --by",
        ),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_notice_to_staff_renders_in_every_language(
    kind: str, overrides: dict, shown: str, language: str
) -> None:
    rendered = render_email(environment(), kind, language, sample_context(**overrides))
    assert rendered.subject and "\n" not in rendered.subject
    assert "https://portal.example.org/r/TOKEN" not in rendered.html
    assert "https://portal.example.org/opt-out/TOKEN" in rendered.text
    assert shown in rendered.text
    assert "<p" not in rendered.text and "</" not in rendered.text


def test_dates_are_written_for_the_locale() -> None:
    env = environment()
    context = sample_context()
    assert "31 décembre 2024" in render_email(env, "sustainability_checkin", "fr", context).text
    assert "December 31, 2024" in render_email(env, "sustainability_checkin", "en", context).text
    assert (
        "31 de diciembre de 2024" in render_email(env, "sustainability_checkin", "es", context).text
    )


def test_event_times_are_shown_in_the_partner_time_zone() -> None:
    bogota = sample_context(time_zone="America/Bogota")
    text = render_email(environment(), "consultation_invitation", "en", bogota).text
    assert "When: February 10, 2027, 4:30\u202fAM (Colombia Standard Time)" in text


def test_staff_text_falls_back_to_another_language() -> None:
    assert localized({"fr": "Bonjour"}, "es") == "Bonjour"
    assert localized({"en": "Hello", "fr": "Bonjour"}, "es") == "Hello"
    assert localized({}, "fr") == ""


def test_partner_text_is_escaped_in_html_but_kept_in_plain_text() -> None:
    hostile = sample_context(contact={"name": '<script>alert("x")</script>'})
    rendered = render_email(environment(), "sustainability_checkin", "en", hostile)
    assert "<script>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert '<script>alert("x")</script>' in rendered.text


LONG_TITLE = (
    "Programme d'appui à la scolarisation des filles dans les régions de Kolda, Sédhiou et"
    " Tambacounda, avec un volet de renforcement des capacités des associations de parents"
    " d'élèves et des comités de gestion scolaire, et un volet de plaidoyer auprès des"
    " collectivités territoriales pour la pérennisation des acquis du programme"
)


@pytest.mark.faults
def test_a_line_break_from_partner_data_is_folded_but_one_from_a_template_refused(
    tmp_path: Path,
) -> None:
    partnership = {**sample_context()["partnership"], "title": "Line\r\nBcc: victim@example.org"}
    rendered = render_email(
        environment(), "sustainability_checkin", "en", sample_context(partnership=partnership)
    )
    assert rendered.subject == 'How are the results of "Line Bcc: victim@example.org" holding up?'
    folder = tmp_path / "email" / "broken"
    folder.mkdir(parents=True)
    (folder / "subject.txt").write_text("Hello {{ contact.name }}\nBcc: x@example.org\n")
    (folder / "body.txt").write_text("Hi\n")
    (folder / "body.html").write_text("<p>Hi</p>\n")
    env = environment.__wrapped__(tmp_path)
    with pytest.raises(RenderError, match=r"subject\.txt: the subject must be one line"):
        render_email(env, "broken", "en", {"contact": {"name": "A"}})


@pytest.mark.faults
@pytest.mark.parametrize("kind", ["sustainability_checkin", "evaluation_followup"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_long_title_is_shortened_on_a_word_to_fit_the_subject(kind: str, language: str) -> None:
    partnership = {**sample_context()["partnership"], "title": LONG_TITLE}
    rendered = render_email(environment(), kind, language, sample_context(partnership=partnership))
    assert len(LONG_TITLE) > MAX_SUBJECT >= len(rendered.subject) > MAX_SUBJECT - 30
    shown = rendered.subject[rendered.subject.index("Programme") : rendered.subject.index("…")]
    assert LONG_TITLE.startswith(shown) and LONG_TITLE[len(shown)] == " "


@pytest.mark.faults
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_value_in_a_pluralized_subject_is_folded_and_shortened_too(language: str) -> None:
    partner = {"name": "ASEF", "short_name": f"Line\r\nBcc: victim@example.org {LONG_TITLE}"}
    rendered = render_email(
        environment(), "policy_digest", language, sample_context(partner=partner)
    )
    # The name is cut, never the sentence around it: the count stays.
    sentence = ngettext(
        language,
        "%(partner)s: %(count)s update from UNICEF",
        "%(partner)s: %(count)s updates from UNICEF",
        2,
    )
    before_name, after_name = (part % {"count": 2} for part in sentence.split("%(partner)s"))
    assert rendered.subject.startswith(f"{before_name}Line Bcc: victim@example.org Programme")
    assert rendered.subject.endswith(f"…{after_name}") and len(rendered.subject) <= MAX_SUBJECT


def test_words_are_kept_whole_when_shortened() -> None:
    assert shortened("one two three", 13) == "one two three"
    assert shortened("one two three", 12) == "one two…"
    assert shortened("x" * 30, 10) == "x" * 9 + "…"
    assert one_line("a\r\n\tb\u2028c") == "a b c"


@pytest.mark.faults
def test_an_undefined_variable_names_template_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "email" / "broken"
    folder.mkdir(parents=True)
    (folder / "subject.txt").write_text("Hello\n")
    (folder / "body.txt").write_text("Line one\n{{ nobody.knows }}\n")
    (folder / "body.html").write_text("<p>{{ contact.name }}</p>\n")
    env = environment.__wrapped__(tmp_path)
    with pytest.raises(RenderError, match=r"email/broken/body.txt:2"):
        render_email(env, "broken", "en", {"contact": {"name": "A"}})


@pytest.mark.faults
def test_an_undefined_variable_in_a_shipped_template_names_it() -> None:
    context = sample_context()
    del context["partnership"]
    with pytest.raises(
        RenderError,
        match=r"email/sustainability_checkin/subject.txt:1: 'partnership' is undefined",
    ):
        render_email(environment(), "sustainability_checkin", "en", context)


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_supported_language_is_written(language: str) -> None:
    assert template_language(language) == language


def test_a_regional_variant_is_written_in_its_language() -> None:
    assert template_language("pt-BR") == "pt"
    assert template_language("FR_sn") == "fr"


@pytest.mark.faults
@pytest.mark.parametrize("wanted", ["de", "zh-Hans", "", None, "../fr", "fr\nBcc: x", "x" * 10_000])
def test_an_unknown_language_falls_back_to_english(wanted: str | None) -> None:
    assert template_language(wanted) == "en"


def test_a_line_break_inside_a_paragraph_stays_in_html_and_text() -> None:
    update = {
        "category": "policy_change",
        "title": {"fr": "Nouvelle politique"},
        "body": {"fr": "Cordialement,\nL'équipe <b>UNICEF</b>"},
        "published_at": datetime(2026, 11, 3, tzinfo=UTC),
    }
    rendered = render_email(environment(), "policy_digest", "fr", sample_context(updates=[update]))
    assert "Cordialement,<br>\nL'équipe &lt;b&gt;UNICEF&lt;/b&gt;" in rendered.html
    assert "Cordialement,\nL'équipe <b>UNICEF</b>" in rendered.text
