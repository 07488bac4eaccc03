"""read_report against real bounces, with sisimai's verdicts (expected.json) as the truth."""

from __future__ import annotations

import email
import email.policy
import json
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasks.mail.bounces.reports import HARD_REASONS, SENDER_REASONS, Report, read_report

HERE = Path(__file__).parent / "bounces"
EXPECTED: dict[str, dict[str, Any]] = json.loads((HERE / "expected.json").read_text())
# Every bounce fixture must agree with sisimai; `python -m bench.bounces` lists the
# disagreements that remain on the whole corpora.
BOUNCES = sorted(n for n, v in EXPECTED.items() if v["kind"] == "bounce")


def _mail(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def _read(name: str) -> Report | None:
    return read_report(_mail((HERE / name).read_bytes()))


def _bounce(name: str) -> Report:
    report = _read(name)
    assert report is not None and report.kind == "bounce", name
    return report


@pytest.mark.parametrize("name", BOUNCES)
def test_it_finds_sisimais_failed_addresses_and_their_hardness(name: str) -> None:
    report = _bounce(name)
    ours = {f.address: f for f in report.failures}
    for row in EXPECTED[name]["rows"]:
        assert row["address"] in ours, (name, sorted(ours))
        assert ours[row["address"]].hard == row["hard"], (name, row, ours[row["address"]])


def test_it_reads_the_failed_address_of_an_exim_bounce() -> None:
    [failure] = _bounce("flufl-exim_01.eml").failures
    assert failure.address == "userx@its.example.nl"
    assert failure.reason == "userunknown" and failure.hard
    assert "unknown or illegal user" in failure.diagnostic


def test_it_reads_a_postfix_dsn_with_its_status() -> None:
    [failure] = _bounce("flufl-dsn_10.eml").failures
    assert failure.address == "anne.person@dom.ain"
    assert failure.reason == "userunknown"
    assert failure.status.startswith("5.")


def test_it_calls_a_full_mailbox_soft() -> None:
    [failure] = _bounce("flufl-dsn_01.eml").failures
    assert failure.reason == "mailboxfull" and not failure.hard


def test_it_reads_a_qmail_bounce() -> None:
    [failure] = _bounce("flufl-qmail_04.eml").failures
    assert failure.address == "userx@example.au" and failure.reason == "userunknown"


def test_it_reads_an_exchange_bounce() -> None:
    [failure] = _bounce("flufl-microsoft_01.eml").failures
    assert failure.address == "userx@example.com" and failure.hard


def test_it_reads_every_recipient_of_a_yahoo_bounce() -> None:
    addresses = {f.address for f in _bounce("flufl-yahoo_10.eml").failures}
    assert addresses >= {"userx@example.com", "usery@example.com", "userz@example.com"}


def test_it_calls_an_unknown_domain_hard() -> None:
    [failure] = _bounce("bounced-tt_1234175799.eml").failures
    assert failure.reason == "hostunknown" and failure.hard


def test_it_calls_a_policy_rejection_soft() -> None:
    [failure] = _bounce("flufl-microsoft_03.eml").failures
    # sisimai says policyviolation; we say a soft reason too (onhold), not yet the same word.
    assert EXPECTED["flufl-microsoft_03.eml"]["rows"][0]["reason"] in SENDER_REASONS
    assert not failure.hard


def test_it_calls_a_delayed_delivery_an_expired_soft_bounce() -> None:
    [failure] = _bounce("flufl-dsn_02.eml").failures
    assert failure.reason == "expired" and not failure.hard


def test_it_finds_the_original_message_id() -> None:
    report = _bounce("flufl-exim_01.eml")
    assert report.original_message_ids == ("<19990920022322.A19735@stereo.rotzorg.org>",)


def test_it_reads_an_arf_report_as_a_complaint_not_a_bounce() -> None:
    report = _read("sisimai-arf-03.eml")
    assert report is not None and report.kind == "complaint"
    assert report.feedback_type == "abuse"
    assert report.original_message_ids == ("<f6fbba8a761ce682e1b00a323a21b372@example.net>",)


def test_it_reads_aols_feedback_report_as_a_complaint() -> None:
    report = _read("bounced-bounce-auto-respond.eml")
    assert report is not None and report.kind == "complaint"


@pytest.mark.parametrize(
    "name",
    sorted(
        n for n, v in EXPECTED.items() if n.startswith("bounced-tt_12342") and v["kind"] == "none"
    ),
)
def test_it_ignores_mail_that_is_not_a_report(name: str) -> None:
    assert _read(name) is None


def test_it_names_the_complainant_of_an_arf_report() -> None:
    # Constructed (no real ARF with Original-Rcpt-To was at hand), per RFC 5965's example.
    raw = (
        b"From: fbl@isp.example\nTo: bounces@example.org\nSubject: FW: hi\n"
        b"Content-Type: multipart/report; report-type=feedback-report; boundary=B\n\n"
        b"--B\nContent-Type: text/plain\n\nA complaint.\n--B\n"
        b"Content-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\n"
        b"Original-Rcpt-To: <Someone@Partner.example>\n--B\nContent-Type: message/rfc822\n\n"
        b"From: us@example.org\nTo: someone@partner.example\nMessage-ID: <m1@example.org>\n\n"
        b"hello\n--B--\n"
    )
    report = read_report(_mail(raw))
    assert report is not None and report.kind == "complaint"
    assert [(f.address, f.reason) for f in report.failures] == [
        ("someone@partner.example", "feedback")
    ]
    assert report.original_message_ids == ("<m1@example.org>",)


def test_it_reads_a_successful_delivery_report() -> None:
    # Constructed: a relayed RFC 3464 report (NOTIFY=SUCCESS), as Postfix sends them.
    raw = (
        b"From: MAILER-DAEMON@mx.example\nTo: us@example.org\nSubject: Delivery status\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
        b"--B\nContent-Type: text/plain\n\nYour message was delivered.\n--B\n"
        b"Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
        b"Final-Recipient: rfc822; partner@ngo.example\nAction: relayed\nStatus: 2.0.0\n"
        b"--B--\n"
    )
    report = read_report(_mail(raw))
    assert report is not None and report.kind == "delivery_report"
    assert [(f.address, f.reason) for f in report.failures] == [
        ("partner@ngo.example", "delivered")
    ]


def test_it_reads_an_amazon_ses_json_complaint() -> None:
    # Constructed after AWS's documented notification shape.
    body = json.dumps(
        {
            "notificationType": "Complaint",
            "mail": {"messageId": "abc"},
            "complaint": {
                "complaintFeedbackType": "abuse",
                "complainedRecipients": [{"emailAddress": "x@y.example"}],
            },
        }
    )
    raw = f"From: no-reply@sns.amazonaws.com\nSubject: AWS Notification\n\n{body}\n".encode()
    report = read_report(_mail(raw))
    assert report is not None and report.kind == "complaint"
    assert report.failures[0].address == "x@y.example" and report.feedback_type == "abuse"


def test_hard_reasons_are_only_about_the_address() -> None:
    assert {"userunknown", "hostunknown", "hasmoved", "notaccept"} == HARD_REASONS
    assert not HARD_REASONS & SENDER_REASONS


def test_it_survives_two_thousand_nested_multiparts() -> None:
    # Built as objects: the email parser itself recurses too deeply on such bytes.
    inner = EmailMessage()
    inner.set_content("SMTP error: 550 5.1.1 <x@y.example>: user unknown")
    for _ in range(2000):
        outer = EmailMessage()
        outer["Content-Type"] = "multipart/mixed; boundary=b"
        outer.set_payload([inner])
        inner = outer
    inner["From"] = "MAILER-DAEMON@x.example"
    inner["Subject"] = "Undelivered Mail Returned to Sender"
    result = read_report(inner)
    assert result is None or isinstance(result, Report)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_it_never_raises_on_random_bytes(raw: bytes) -> None:
    result = read_report(_mail(raw))
    assert result is None or isinstance(result, Report)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(BOUNCES), st.integers(0, 4000), st.binary(max_size=50))
def test_it_never_raises_on_truncated_or_corrupted_bounces(
    name: str, cut: int, junk: bytes
) -> None:
    raw = (HERE / name).read_bytes()
    result = read_report(_mail(raw[:cut] + junk + raw[cut + len(junk) :]))
    assert result is None or isinstance(result, Report)


def test_it_takes_the_reason_from_the_mtas_own_tables() -> None:
    # Constructed after sisimai's Exchange2003 reader: its error code 000C05A6 means
    # userunknown, though the words beside the address say nothing sisimai's tables know.
    raw = (
        b"From: postmaster@mx.example\nTo: us@example.org\nSubject: Undeliverable: hi\n"
        b"X-MS-Embedded-Report: yes\n\nYour message\n\n  Subject: hi\n\n"
        b"did not reach the following recipient(s):\n\n"
        b"kijitora@example.jp on Thu, 29 Apr 2010 00:00:00 -0000\n"
        b"    MSEXCH:IMS:NNN:KIJITORA:NEKO 0 (000C05A6) Unknown Recipient\n"
    )
    report = read_report(_mail(raw))
    assert report is not None and report.kind == "bounce"
    assert [(f.address, f.reason) for f in report.failures] == [
        ("kijitora@example.jp", "userunknown")
    ]


def test_it_calls_hotmails_untyped_complaint_abuse() -> None:
    # Constructed after Hotmail's pre-ARF complaint form (sisimai's ARF reader: "abuse").
    raw = (
        b"From: staff@hotmail.com\nTo: us@example.org\n"
        b"Subject: complaint about message from 192.0.2.1\n"
        b"Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: message/rfc822\n\n"
        b"From: us@example.org\nTo: someone@hotmail.example\nMessage-ID: <m2@example.org>\n\n"
        b"hello\n--B--\n"
    )
    report = read_report(_mail(raw))
    assert report is not None and report.kind == "complaint"
    assert report.feedback_type == "abuse"


def test_it_reads_an_address_check_as_a_delivery_report() -> None:
    # Constructed: "Action: deliverable" is an address verification's answer (RFC 3464).
    raw = (
        b"From: MAILER-DAEMON@mx.example\nTo: us@example.org\n"
        b"Subject: Mail Delivery Status Report\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
        b"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
        b"Final-Recipient: rfc822; partner@ngo.example\nAction: deliverable\n"
        b"Status: 2.1.5\n--B--\n"
    )
    report = read_report(_mail(raw))
    assert report is not None and report.kind == "delivery_report"


def _failures(raw: bytes) -> list[tuple[str, str]]:
    report = read_report(_mail(raw))
    assert report is not None and report.kind == "bounce"
    return [(f.address, f.reason) for f in report.failures]


def test_it_reads_a_bounce_no_mta_reader_knows_as_sisimai_does() -> None:
    # Constructed after sisimai's RFC3464 fallback: a null Return-Path and "Delivery
    # failed: <address>" in plain text are enough; nothing else says why, so "onhold".
    raw = (
        b"Return-Path: <>\nFrom: gateway@mx.example\nTo: us@example.org\n"
        b"Subject: Notice\n\nYour delivery to the following address has failed.\n\n"
        b"Delivery failed: Partner@NGO.example\nPlease check the address.\n"
    )
    assert _failures(raw) == [("partner@ngo.example", "onhold")]


def test_it_never_reads_an_auto_reply_as_a_bounce() -> None:
    # Constructed: an out-of-office answer whose subject quotes a bounce-like subject.
    raw = (
        b"From: someone@partner.example\nTo: us@example.org\n"
        b"Subject: Automatic reply: Mail delivery problem\nAuto-Submitted: auto-replied\n"
        b"\nI am away until Monday.\n  deputy@partner.example will answer for me.\n"
    )
    assert read_report(_mail(raw)) is None


def test_it_takes_office365s_status_table() -> None:
    # Constructed after sisimai's Office365 reader: its status list says 5.1.10 is an
    # unknown recipient, though the words alone would read as "filtered" to sisimai.
    raw = (
        b"From: <postmaster@tenant.onmicrosoft.com>\nTo: us@example.org\n"
        b"Subject: Undeliverable: hi\nX-MS-Exchange-Message-Is-NDR: \n"
        b"X-Microsoft-Antispam-PRVS: x\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
        b"--B\nContent-Type: message/delivery-status\n\n"
        b"Reporting-MTA: dns;XX0PR01MB0001.prod.exchangelabs.com\n\n"
        b"Final-Recipient: rfc822;gone@partner.example\nAction: failed\nStatus: 5.1.10\n"
        b"Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not "
        b"found by SMTP address lookup\n--B--\n"
    )
    assert _failures(raw) == [("gone@partner.example", "userunknown")]


def test_it_reads_gmails_session_state() -> None:
    # Constructed after sisimai's Gmail reader: "(state 14)." means RCPT TO was refused.
    raw = (
        b"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\n"
        b"To: us@example.org\nSubject: Delivery Status Notification (Failure)\n\n"
        b"Delivery to the following recipient failed permanently:\n\n"
        b"     gone@partner.example\n\nTechnical details of permanent failure:\n"
        b"The error that the other server returned was:\n"
        b"550 550 Address unknown (state 14).\n"
    )
    assert _failures(raw) == [("gone@partner.example", "userunknown")]


def test_it_takes_a_local_delivery_agents_words() -> None:
    # Constructed after sisimai's MDA table: mail.local's "unknown user" decides.
    raw = (
        b"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example>\nTo: us@example.org\n"
        b"Subject: Returned mail: see transcript for details\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
        b"--B\nContent-Type: text/plain\n\n   ----- Transcript of session follows -----\n"
        b"mail.local: unknown user: gone\n554 <gone@partner.example>... Service unavailable\n"
        b"\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
        b"Final-Recipient: RFC822; gone@partner.example\nAction: failed\nStatus: 5.5.0\n"
        b"--B--\n"
    )
    assert _failures(raw) == [("gone@partner.example", "userunknown")]


def test_it_reads_the_address_behind_an_exim_undisclosed_recipient() -> None:
    # Constructed after sisimai's Exim reader: the alias stands for the hidden address.
    raw = (
        b"From: Mail Delivery System <Mailer-Daemon@mx.example>\nTo: us@example.org\n"
        b"Subject: Mail delivery failed: returning message to sender\n\n"
        b"This message was created automatically by mail delivery software.\n\n"
        b"A message that you sent could not be delivered to one or more of its\n"
        b"recipients. This is a permanent error. The following address(es) failed:\n\n"
        b"  an undisclosed address\n    (generated from partner@ngo.example)\n"
    )
    assert [a for a, _ in _failures(raw)] == ["partner@ngo.example"]
