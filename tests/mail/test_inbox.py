from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from db.engine import transaction
from db.models import InboundMail, MessageStatus, Response, TouchpointKind
from tasks.mail.inbox import InboxError, open_inbox
from tasks.responses.collect import collect_mail
from tasks.settings import get_settings
from tests.pipeline import deliver_all, messages, plan, sample_mail

SENT = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def sent(imported: Engine, app_env):
    plan(imported, TouchpointKind.SUSTAINABILITY_CHECKIN, SENT)
    deliver_all(imported, [TouchpointKind.SUSTAINABILITY_CHECKIN], SENT)
    return {m.contact.email: m for m in messages(imported, status=MessageStatus.SENT)}


@pytest.mark.parametrize("scheme", ["imaps", "imap"])
def test_mail_is_collected_over_imap_and_flagged_seen_afterwards(
    sent, imported: Engine, app_env, dovecot, scheme: str
) -> None:
    app_env.setenv("CONTINUITY_INBOX_URL", dovecot.url(scheme))
    get_settings.cache_clear()
    dovecot.deliver(
        sample_mail("reply-fr.eml", sent["a.ndiaye@asef-senegal.example.org"]),
        sample_mail("postfix-dsn-hard.eml", sent["jp.mbarga@enfance-avenir.example.cm"]),
        sample_mail("autoreply-en.eml", sent["g.otieno@kccpn.example.or.ke"]),
    )
    assert collect_mail(imported, get_settings(), SENT + timedelta(days=1)).counts == {
        "reply": 1,
        "bounce": 1,
        "auto_reply": 1,
    }
    assert all(b"\\Seen" in flags for flags in dovecot.flags())
    assert collect_mail(imported, get_settings(), SENT + timedelta(days=1)).counts == {}
    with transaction(imported) as session:
        assert session.scalar(select(func.count()).select_from(InboundMail)) == 3
        assert session.scalar(select(func.count()).select_from(Response)) == 1


def test_a_mail_seen_elsewhere_before_its_flag_was_set_is_not_counted_twice(
    sent, imported: Engine, app_env, dovecot
) -> None:
    app_env.setenv("CONTINUITY_INBOX_URL", dovecot.url())
    get_settings.cache_clear()
    reply = sample_mail("reply-fr.eml", sent["a.ndiaye@asef-senegal.example.org"])
    dovecot.deliver(reply, reply)  # a crash after the commit, then the mail delivered again
    assert collect_mail(imported, get_settings(), SENT).counts == {"reply": 2}
    with transaction(imported) as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1


def test_wrong_credentials_and_unknown_folders_are_clear_errors(dovecot) -> None:
    with (
        pytest.raises(InboxError, match="cannot log in"),
        open_inbox(dovecot.url().replace("imap-test-secret", "wrong")),
    ):
        pass
    with (
        pytest.raises(InboxError, match="cannot open mailbox 'Nowhere'"),
        open_inbox(dovecot.url(folder="Nowhere")),
    ):
        pass


def test_an_untrusted_certificate_is_refused(dovecot, monkeypatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    with pytest.raises(InboxError, match="CERTIFICATE_VERIFY_FAILED"), open_inbox(dovecot.url()):
        pass
