"""The render stage: every planned message must render before anything is sent.

Rendering is deterministic given the row, so the deliver stage renders again at send
time (with the real token) instead of storing bodies: memory and storage stay flat.

A campaign sends the same content to thousands of contacts, so the check renders once per
distinct content: messages of the same kind, language, row context, partner and
partnership differ only by their contact's name (and the token, a stand-in here). A
contact's name is text put into the templates; in a subject it is folded to one line and
shortened if need be, so it cannot make the message fail, but it changes what the subject
says: when the subject shows the name, every message of that content is rendered with its
own.
"""

from __future__ import annotations

import json
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from db.models import Message, TouchpointKind
from db.outbox import messages_with_recipients, planned_after
from tasks.outbox.compose import PREVIEW_TOKEN, render_message
from tasks.outbox.render import MIN_SUBJECT_VALUE, RenderedEmail, RenderError, environment
from tasks.privacy import without_name
from tasks.settings import Settings

MAX_ERRORS = 20
# Distinct contents remembered at once: a campaign plans a partner's contacts together, so
# a bounded memory finds the repeats and keeps the check's memory flat.
REMEMBERED_CONTENTS = 4096


@dataclass
class RenderCheck:
    """What the check found. `samples` holds one rendered message per kind and language,
    its recipient's name replaced by their contact number: samples are shown in previews
    and Prefect keeps what runs return and publish."""

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
    ids: Sequence[int] = (),
) -> RenderCheck:
    """Render every planned message of `kinds` (of one campaign, and among `ids`, if
    given); return counts and one sample per kind and language. Raises `RenderError`
    listing the first problems (template and line) if any message does not render, unless
    `raise_errors` is False (previews list them, a failed run holds its rows)."""
    check = RenderCheck()
    env = environment()
    cache: dict[Any, Any] = {}
    # Per distinct content: its result, and whether each message must still be rendered
    # with its own name (the name shows in the subject, or the content failed).
    checked: OrderedDict[tuple[object, ...], tuple[RenderedEmail | str, bool]] = OrderedDict()
    after = 0
    while rows := planned_after(session, kinds, after, batch, campaign_id, ids):
        # Only the first message of each new content is loaded and rendered, then those
        # whose content turned out to depend on the name.
        firsts = _first_of_each(rows, checked)
        results = _rendered(session, env, settings, cache, firsts, checked, check.samples)
        by_name = [r.id for r in rows if r.id not in results and checked[content_key(r)][1]]
        results |= _rendered(session, env, settings, cache, by_name, checked, check.samples)
        for row in rows:
            shared = checked[content_key(row)][0]
            _count(check, row, results.get(row.id, shared))
        _forget_oldest(checked)
        after = rows[-1].id
        session.expunge_all()
    if check.errors and raise_errors:
        raise RenderError("; ".join(check.errors))
    return check


def content_key(message: Message | Row[Any]) -> tuple[object, ...]:
    """Return what rendering `message` (or its row from `planned_after`) depends on apart
    from its contact's name and its token: kind, language, the row's context (which names
    what the touchpoint's loader reads: campaign, event, updates, original message…), the
    partner and partnership rows the shared variables come from, and the due time it is
    rendered for (a date it gives may be past by then). A loader that reads more of the
    row must add it here."""
    partner_id = message.partner_id if isinstance(message, Row) else message.contact.partner_id
    return (
        str(message.kind),
        message.language,
        json.dumps(message.context, sort_keys=True, default=str),
        partner_id,
        message.partnership_id,
        message.due_at,
    )


def _first_of_each(rows: list[Row[Any]], checked: dict[Any, Any]) -> list[int]:
    """Return the ids of the first row of each content not checked yet."""
    firsts: dict[tuple[object, ...], int] = {}
    for row in rows:
        key = content_key(row)
        if key not in checked:
            firsts.setdefault(key, row.id)
    return list(firsts.values())


def _rendered(
    session: Session,
    env: Any,
    settings: Settings,
    cache: dict[Any, Any],
    ids: list[int],
    checked: OrderedDict[tuple[object, ...], tuple[RenderedEmail | str, bool]],
    samples: dict[str, RenderedEmail],
) -> dict[int, RenderedEmail | str]:
    """Render the messages `ids`; return each one's result, remember each new content's,
    and keep the first of each kind and language among `samples`, without its name."""
    results: dict[int, RenderedEmail | str] = {}
    for message in messages_with_recipients(session, ids) if ids else []:
        results[message.id] = result = _rendered_or_error(session, env, message, settings, cache)
        key = content_key(message)
        if key not in checked:
            checked[key] = (result, _depends_on_name(result, message.contact.name))
        if isinstance(result, RenderedEmail):
            sample = f"{message.kind}/{result.language}"
            if sample not in samples:
                samples[sample] = _without_recipient(result, message)
    return results


def _without_recipient(result: RenderedEmail, message: Message) -> RenderedEmail:
    """Return `result` with its recipient's name replaced by their contact number; in the
    subject and text (which previews show) each word of it too, as a subject quoted in
    the text (a reminder's) may shorten the name."""
    name, number = message.contact.name, message.contact_id
    return replace(
        result,
        subject=without_name(result.subject, name, number, words=True),
        html=without_name(result.html, name, number),
        text=without_name(result.text, name, number, words=True),
    )


def _forget_oldest(checked: OrderedDict[Any, Any]) -> None:
    while len(checked) > REMEMBERED_CONTENTS:
        checked.popitem(last=False)


def _rendered_or_error(
    session: Session, env: Any, message: Message, settings: Settings, cache: dict[Any, Any]
) -> RenderedEmail | str:
    try:
        # Rendered as it will read when due: the delivery renders it again when it goes.
        return render_message(session, env, message, settings, PREVIEW_TOKEN, cache, message.due_at)
    except RenderError as error:
        return str(error)


def _depends_on_name(result: RenderedEmail | str, name: str) -> bool:
    """Return True when another contact's name could change `result`, that of a message to
    `name`: it failed (a name may be the cause), or its subject shows the name (folded to
    one line and perhaps shortened there, so its first word is looked for)."""
    if isinstance(result, str):
        return True
    words = name.split()
    return not words or words[0][: MIN_SUBJECT_VALUE // 2] in result.subject


def _count(check: RenderCheck, message: Message | Row[Any], result: RenderedEmail | str) -> None:
    if isinstance(result, str):
        if len(check.errors) < MAX_ERRORS:
            check.errors.append(f"message {message.id} ({message.kind}): {result}")
        return
    check.rendered += 1
    check.by_language[result.language] += 1
    if result.language != message.language:
        check.fallbacks[f"{message.language}→{result.language}"] += 1
