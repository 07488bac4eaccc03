"""Unsubscribing always works from a message that may have reached the partner,
`unconfirmed` included, for `CONTINUITY_OPT_OUT_DAYS` after it went out; the one-click link
is HTTPS wherever the portal is not on this machine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update

import tests.portal.test_app as portal_tests
from db.engine import transaction
from db.models import Contact, Message, MessageStatus
from tasks.clock import Clock
from tasks.settings import SettingsError, get_settings
from tests.portal.test_app import AWA, SENT, checkin_answers, csrf_of, path, responses

# The portal tests' fixtures, shared.
client, links = portal_tests.client, portal_tests.links

ONE_CLICK = {"content": b"List-Unsubscribe=One-Click"}
FORM = {"content-type": "application/x-www-form-urlencoded"}


def left_unconfirmed(engine: Engine, address: str) -> None:
    """Put the contact's message where a delivery that lost the server's answer after the
    whole message was written leaves it: handed over (`handoff_at` kept), never sent."""
    with transaction(engine) as session:
        contact_id = session.scalars(select(Contact.id).where(Contact.email == address)).one()
        session.execute(
            update(Message)
            .where(Message.contact_id == contact_id)
            .values(status=MessageStatus.UNCONFIRMED, sent_at=None)
        )


def opted_out(engine: Engine, address: str) -> bool:
    with transaction(engine) as session:
        contact = session.scalars(select(Contact).where(Contact.email == address)).one()
        return contact.opted_out_at is not None


def test_an_unconfirmed_message_can_be_unsubscribed_from(client, links, imported) -> None:
    left_unconfirmed(imported, AWA)
    link = path(links[AWA]["opt_out"])
    assert client.get(link).status_code == 200
    done = client.post(link, headers=FORM, **ONE_CLICK)
    assert done.status_code == 200 and done.text == "unsubscribed"
    assert opted_out(imported, AWA)


def test_an_unconfirmed_message_can_be_answered(client, links, imported) -> None:
    left_unconfirmed(imported, AWA)
    link = path(links[AWA]["respond"])
    form = client.get(link)
    assert form.status_code == 200
    assert client.post(link, data=checkin_answers(csrf_of(form.text))).status_code == 200
    assert [response.kind for response in responses(imported)] == ["sustainability_checkin"]


def test_the_opt_out_link_outlives_the_answers_then_expires(client, links, imported) -> None:
    portal = client.app.state.portal
    portal.clock = Clock.at(SENT + timedelta(days=729))
    assert client.get(path(links[AWA]["respond"])).status_code == 404
    assert client.get(path(links[AWA]["opt_out"])).status_code == 200
    portal.clock = Clock.at(SENT + timedelta(days=730))
    assert client.post(path(links[AWA]["opt_out"]), headers=FORM, **ONE_CLICK).status_code == 404
    assert not opted_out(imported, AWA)


@pytest.mark.parametrize(
    "url",
    ["http://portal.example.org", "http://10.0.0.5:8080", "http://127.0.0.1.example.org"],
)
def test_a_plain_http_portal_url_off_this_machine_is_refused(settings_env, url: str) -> None:
    settings_env.setenv("CONTINUITY_PORTAL_URL", url)
    with pytest.raises(SettingsError, match=r"CONTINUITY_PORTAL_URL: must be https://.*8058"):
        get_settings()


@pytest.mark.parametrize(
    "url",
    [
        "https://portal.example.org",
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://[::1]:8080",
    ],
)
def test_https_or_a_local_portal_url_is_accepted(settings_env, url: str) -> None:
    settings_env.setenv("CONTINUITY_PORTAL_URL", url)
    assert get_settings().portal_url == url


def test_trusted_proxies_are_checked_and_normalised(settings_env) -> None:
    assert get_settings().forwarded_allow_ips == "127.0.0.1,::1"
    settings_env.setenv("CONTINUITY_FORWARDED_ALLOW_IPS", " 10.0.0.0/8 , 192.0.2.1,")
    get_settings.cache_clear()
    assert get_settings().forwarded_allow_ips == "10.0.0.0/8,192.0.2.1"
    settings_env.setenv("CONTINUITY_FORWARDED_ALLOW_IPS", "10.0.0.1/8")
    get_settings.cache_clear()
    with pytest.raises(SettingsError, match=r"CONTINUITY_FORWARDED_ALLOW_IPS: .10\.0\.0\.1/8."):
        get_settings()
