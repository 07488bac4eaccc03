"""What a dry run shows: one rendered sample per kind and language, without any person.

A sample comes from the render check with its recipient's name replaced by their contact
number, addresses and personal-link tokens redacted (tasks/outbox/render_check.py). The
text of some kinds quotes other people than the recipient, or what partners wrote: the
focal points' digest (authors, their words and addresses), capacity alerts (who answered,
the support they asked for), corrective measures and their escalations (the owner, their
comments, the plan's history). Redacting every name those texts may hold would rest on
finding each one in free text; showing such a kind's subject only cannot miss one. So a
sample is its subject and text, or for those kinds (`quotes_people`) its subject alone.
"""

from __future__ import annotations

from typing import Any

from db.models import TouchpointKind
from tasks.artifacts import code_block, markdown_text
from tasks.outbox.render import RenderedEmail
from tasks.touchpoints.registry import quotes_people


def shown_samples(samples: dict[str, RenderedEmail]) -> dict[str, dict[str, str]]:
    """Return each sample (keyed "kind/language") as Prefect may keep it: its subject, and
    its text body unless its kind quotes other people."""
    shown = {}
    for key, sample in sorted(samples.items()):
        kind = TouchpointKind(key.split("/", 1)[0])
        shown[key] = {"subject": sample.subject}
        if not quotes_people(kind):
            shown[key]["text"] = sample.text.strip()
    return shown


def samples_markdown(samples: dict[str, dict[str, str]]) -> list[str]:
    """Return the Markdown lines showing `samples`: each subject escaped, each text body
    verbatim in a code block (never read as markup)."""
    lines = ["", "## One sample per kind and language", ""] if samples else []
    for key, sample in samples.items():
        lines += [f"### {markdown_text(key)}", "", f"**{markdown_text(sample['subject'])}**", ""]
        if "text" in sample:
            lines += [*code_block(sample["text"]), ""]
        else:
            lines += ["Subject only: the text quotes other people than its recipient.", ""]
    return lines


def preview_key(kind: TouchpointKind) -> str:
    """Return the artifact key of `kind`'s previews: one per kind, never a campaign's (a
    preview's campaign is rolled back, and its id goes to the next real one)."""
    return f"preview-{kind.replace('_', '-')}"


def preview_result(summary: dict[str, Any]) -> dict[str, Any]:
    """Return the rolled-back campaign's `summary` without its id (the next real campaign
    takes it) and named as rolled back."""
    return {**summary, "campaign_id": None, "campaign": f"{summary['campaign']} (rolled back)"}
