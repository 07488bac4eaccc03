"""The render stage: every planned message must render before anything is sent.

Rendering is deterministic given the row, so the deliver stage renders again at send
time (with the real token) instead of storing bodies: memory and storage stay flat.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from continuity.settings import Settings
from db.models import TouchpointKind
from db.outbox import planned_after
from tasks.compose import PREVIEW_TOKEN, render_message
from tasks.render import RenderedEmail, RenderError, environment

MAX_ERRORS = 20


@dataclass
class RenderCheck:
    rendered: int = 0
    by_language: Counter[str] = field(default_factory=Counter)
    fallbacks: Counter[str] = field(default_factory=Counter)
    samples: dict[str, RenderedEmail] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rendered": self.rendered,
            "by_language": dict(self.by_language),
            "language_fallbacks": dict(self.fallbacks),
            "sample_subjects": {lang: sample.subject for lang, sample in self.samples.items()},
        }


def check_planned(
    session: Session,
    settings: Settings,
    kinds: Iterable[TouchpointKind],
    batch: int = 500,
    campaign_id: int | None = None,
    raise_errors: bool = True,
) -> RenderCheck:
    """Render every planned message of `kinds`; return counts and one sample per kind and
    language. Raises `RenderError` listing the first problems (template and line) if any
    message does not render, unless `raise_errors` is False (previews list them)."""
    check = RenderCheck()
    env = environment()
    cache: dict[Any, Any] = {}
    after = 0
    while messages := planned_after(session, kinds, after, batch, campaign_id):
        for message in messages:
            try:
                rendered = render_message(session, env, message, settings, PREVIEW_TOKEN, cache)
            except RenderError as error:
                if len(check.errors) < MAX_ERRORS:
                    check.errors.append(f"message {message.id} ({message.kind}): {error}")
                continue
            check.rendered += 1
            check.by_language[rendered.language] += 1
            if rendered.language != message.language:
                check.fallbacks[f"{message.language}→{rendered.language}"] += 1
            check.samples.setdefault(f"{message.kind}/{rendered.language}", rendered)
        after = messages[-1].id
        session.expunge_all()
    if check.errors and raise_errors:
        raise RenderError("; ".join(check.errors))
    return check
