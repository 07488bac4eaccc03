"""Composing one outbox row into the e-mail its recipient gets: text, links and headers."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime, formataddr
from functools import lru_cache
from typing import Any

from jinja2 import Environment
from sqlalchemy.orm import Session

from db.models import Message, TouchpointKind
from tasks.mail.dkim import dkim_key, signed, signing_domain
from tasks.mail.mime import alternative_message
from tasks.outbox.context import base_context
from tasks.outbox.render import RenderedEmail, render_email, template_language
from tasks.responses.links import (
    bounce_address,
    handled_link,
    opt_out_link,
    reply_address,
    respond_link,
    rfc_message_id,
    sender_parts,
    unsubscribe_address,
)
from tasks.settings import Settings
from tasks.touchpoints.registry import template_context

# Headers that carry the recipient's address, raw UTF-8 when it is not ASCII.
UTF8_HEADERS = frozenset({"To"})
# Stands in for the real token when a message is rendered to check it, not to send it.
PREVIEW_TOKEN = "preview-token-not-valid"


def render_message(
    session: Session,
    env: Environment,
    message: Message,
    settings: Settings,
    token: str,
    cache: dict[Any, Any],
    now: datetime,
) -> RenderedEmail:
    """Return `message` rendered for its contact, in their language or the fallback, as
    it reads at `now` (when it is sent, or for a check, when it is due)."""
    links = {
        "respond": respond_link(settings.portal_url, token),
        "opt_out": opt_out_link(settings.portal_url, token),
    }
    if message.kind == TouchpointKind.FOCAL_POINT_DIGEST:
        links["handled"] = handled_link(settings.portal_url, token)
    context = base_context(message, links, settings.sender, now)
    context.update(template_context(session, message, cache))
    # Staff-written content may exist in fewer languages than the templates around it.
    wanted = context.pop("content_language", message.language)
    language = template_language(wanted)
    return render_email(env, str(message.kind), language, context)


def mime_bytes(
    message: Message,
    rendered: RenderedEmail,
    settings: Settings,
    token: str,
    now: datetime,
    recipient: str,
) -> bytes:
    """Return the RFC 5322 bytes of `message` to `recipient` (the contact's address as
    its route carries it, `tasks.mail.addresses.routed`), with every header a recipient's
    mail system needs: threading, reply matching, language and one-click unsubscribe
    (RFC 8058), DKIM-signed when a key is configured. A recipient that is not ASCII goes
    in a UTF-8 To header (RFC 6532)."""
    secret = settings.required_secret_key()
    unsubscribe = unsubscribe_address(secret, message.id, settings.sender)
    headers = [
        ("From", from_header(settings.sender)),
        ("To", to_header(message.contact.name, recipient)),
        ("Subject", rendered.subject),
        ("Date", date_header(now.replace(microsecond=0))),
        ("Message-ID", rfc_message_id(secret, message.id, settings.sender)),
        ("Reply-To", reply_address(secret, message.id, settings.sender)),
        ("Content-Language", rendered.language),
        (
            "List-Unsubscribe",
            f"<{opt_out_link(settings.portal_url, token)}>, "
            f"<mailto:{unsubscribe}?subject=unsubscribe>",
        ),
        ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ("Auto-Submitted", "auto-generated"),
    ]
    if message.in_reply_to:
        headers += [("In-Reply-To", message.in_reply_to), ("References", message.in_reply_to)]
    utf8 = () if recipient.isascii() else UTF8_HEADERS
    return dkim_signed(alternative_message(headers, rendered.text, rendered.html, utf8), settings)


def dkim_signed(data: bytes, settings: Settings) -> bytes:
    """Return `data` signed with DKIM for the sender's domain when a key is configured
    (`CONTINUITY_DKIM_*`), else `data` as it is: every transport carries these bytes."""
    if settings.dkim_key_file is None:
        return data
    domain = signing_domain(sender_parts(settings.sender)[2])
    return signed(data, settings.dkim_selector, domain, dkim_key(settings.dkim_key_file))


def to_header(name: str, address: str) -> str:
    """Return the To header value: the name (an RFC 2047 encoded word when not ASCII, as
    RFC 6532 still allows) and the address as given, which may be UTF-8."""
    if address.isascii():
        return formataddr((name, address), "utf-8")
    if not name:
        return address
    # `formataddr` refuses a non-ASCII address, but its quoting of the name is the one to keep.
    return f"{formataddr((name, '@'), 'utf-8').removesuffix(' <@>')} <{address}>"


@lru_cache(maxsize=16)
def from_header(sender: str) -> str:
    """Return the From header value of `sender` (one per deployment, formatted once)."""
    name, local, domain = sender_parts(sender)
    return formataddr((name, f"{local}@{domain}"), "utf-8")


@lru_cache(maxsize=64)
def date_header(moment: datetime) -> str:
    """Return the Date header value of `moment` (to the second, which is all it shows):
    formatting it cost more than any other header, and a batch sends many a second."""
    return format_datetime(moment)


def envelope_sender(message: Message, settings: Settings) -> str:
    """Return the SMTP MAIL FROM: a per-message bounce address, so bounces find their row."""
    return bounce_address(settings.required_secret_key(), message.id, settings.sender)
