"""The words the portal shows for answers: each field's name, each choice's label and how
a partner message came, as English message ids translated when a page is shown (the
questions themselves are in the page templates)."""

from __future__ import annotations

from typing import Any

from tasks.responses.forms import FormError
from tasks.touchpoints.touchpoint import Reader
from tasks.translations import N_, gettext

# Each answer's name, on the thank-you page and in the list of problems of a form.
FIELDS = {
    "sustained": N_("Results sustained"),
    "capacity": N_("Local capacity"),
    "supporters": N_("Supporters of the impact"),
    "support_needed": N_("Support needed"),
    "news": N_("News"),
    "policy_changes": N_("Changes in policies or priorities"),
    "comment": N_("Comment"),
    "attending": N_("Attending"),
    "join_discussion": N_("Joins the discussion"),
    "status": N_("Status"),
    "decision": N_("Your answer"),
    "changes": N_("Changes proposed"),
}
# The label of each value a choice takes (a form's radio buttons, the thank-you page).
CHOICES = {
    "sustained": {"yes": N_("Yes"), "partly": N_("Partly"), "no": N_("No")},
    "attending": {
        "yes": N_("Yes, I will attend"),
        "no": N_("No, I cannot attend"),
        "maybe": N_("Maybe"),
    },
    "join_discussion": {"yes": N_("Yes"), "no": N_("No")},
    "status": {"done": N_("Done"), "on_track": N_("On track"), "late": N_("Late")},
    "decision": {
        "approve": N_("I approve this text"),
        "changes": N_("I propose changes (write them below)"),
        "withdraw": N_("I prefer that we are not listed"),
    },
    "kind": {"person": N_("Person"), "body": N_("Body")},
}
# The five levels of local capacity, each written after its number ("2 — hardly").
CAPACITY = {
    # Translators: a level of capacity to sustain results, written after "1 — ".
    1: N_("not at all"),
    # Translators: a level of capacity to sustain results, written after "2 — ".
    2: N_("hardly"),
    # Translators: a level of capacity to sustain results, written after "3 — ".
    3: N_("partly"),
    # Translators: a level of capacity to sustain results, written after "4 — ".
    4: N_("mostly"),
    # Translators: a level of capacity to sustain results, written after "5 — ".
    5: N_("fully"),
}
# Who wrote a partner message and how it came, by channel (the handling page).
SOURCES = {
    "email": N_("From %(name)s, %(date)s, by e-mail"),
    "portal": N_("From %(name)s, %(date)s, through the online form"),
    "phone": N_("From %(name)s, %(date)s, by phone"),
    "meeting": N_("From %(name)s, %(date)s, at a meeting"),
    "other": N_("From %(name)s, %(date)s, through another channel"),
}


def field_label(field: str, language: str) -> str:
    """Return the name of the answer `field` ("supporters.0.name": the supporters'), in
    `language`; the field itself when it has none."""
    name = field.split(".")[0]
    return gettext(language, FIELDS[name]) if name in FIELDS else name


def choice_labels(reader: Reader) -> dict[str, dict[str, str]]:
    """Return, per field with choices, the label of each value in the reader's language;
    capacity levels after their number as the reader's language writes it."""
    labels = {
        field: {value: gettext(reader.language, label) for value, label in values.items()}
        for field, values in CHOICES.items()
    }
    labels["capacity"] = {
        str(level): f"{reader.number(level)} — {gettext(reader.language, label)}"
        for level, label in CAPACITY.items()
    }
    return labels


def source(channel: str, name: str, date: str, language: str) -> str:
    """Return who wrote a partner message, when and how, in `language`."""
    return gettext(language, SOURCES.get(channel, SOURCES["other"])) % {"name": name, "date": date}


def problems(error: FormError, reader: Reader) -> list[dict[str, Any]]:
    """Return what is wrong with each field, for the page's list of problems: the field's
    name in the reader's language, the problem's code and the bound it names (as a
    number, and as the reader's language writes it)."""
    return [
        {
            "field": field_label(field, reader.language),
            "code": problem.code,
            "limit": problem.limit,
            "limit_text": reader.number(problem.limit) if problem.limit is not None else "",
        }
        for field, problem in error.problems.items()
    ]
