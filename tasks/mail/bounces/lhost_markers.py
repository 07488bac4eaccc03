"""Each sisimai MTA reader's header checks, transcribed as data from its Lhost/*.pm ``make``.

sisimai 4.25.15's Sisimai::Lhost::<MTA>->make returns nothing unless the bounce's headers
pass these checks (its From:, Subject:, X-Mailer:, Received: and the like); `lhosts.detect`
applies them in sisimai's order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A check is (header, test, value): "has" (present, non-empty), "eq", "starts", "in"
# (substring), "ends" or "re" (search); the header "received" means any Received: line.
Check = tuple[str, str, str]
_EXIM_SUBJECT = (
    r"Mail delivery failed(?:: returning message to sender)?|Warning: message \S+ delayed +"
    r"|Delivery Status Notification|Mail failure|Message frozen"
    r"|error[(]s[)] in forwarding or filtering"
)
_QMAIL_RECEIVED = r"\A[(]qmail +\d+ +invoked +(?:for +bounce|from +network)[)]"
_OUTLOOK_HOST = r".+[.](?:outbound[.]protection|prod)[.]outlook[.]com\b"
_GOOGLE = ("from", "in", "<mailer-daemon@googlemail.com>")
_GOOGLE_SUBJECT = ("subject", "in", "Delivery Status Notification")


@dataclass(frozen=True)
class Marker:
    """One MTA's header checks: all of `every`, then `least` of `some`, and none of `veto`."""

    every: tuple[Check, ...] = ()
    some: tuple[Check, ...] = ()
    least: int = 1
    veto: tuple[Check, ...] = field(default=())


MARKERS: dict[str, Marker] = {
    "Activehunter": Marker(every=(("x-ahmailid", "has", ""),)),
    "Amavis": Marker(every=(("from", "starts", '"Content-filter at '),)),
    "AmazonSES": Marker(some=(("x-amz-sns-message-id", "has", ""), ("x-ses-outgoing", "has", ""))),
    "AmazonWorkMail": Marker(
        some=(
            ("x-ses-outgoing", "has", ""),
            ("x-mailer", "eq", "Amazon WorkMail"),
            ("x-original-mailer", "eq", "Amazon WorkMail"),
        ),
        least=2,
    ),
    "Aol": Marker(every=(("x-aol-ip", "has", ""),)),
    "ApacheJames": Marker(
        some=(
            ("subject", "eq", "[BOUNCE]"),
            ("message-id", "in", ".JavaMail."),
            ("received", "in", "JAMES SMTP Server"),
        )
    ),
    "Barracuda": Marker(every=(("subject", "re", r"\A.+our bulk email filter"),)),
    "Bigfoot": Marker(some=(("from", "in", "@bigfoot.com>"), ("received", "in", ".bigfoot.com "))),
    "Biglobe": Marker(
        every=(
            ("from", "re", r"postmaster[@](?:biglobe|inacatv|tmtv|ttv)[.]ne[.]jp"),
            ("subject", "starts", "Returned mail:"),
        )
    ),
    "Courier": Marker(
        some=(
            ("from", "in", "Courier mail server at "),
            ("subject", "re", r"NOTICE: mail delivery status[.]|WARNING: delayed mail[.]"),
            ("message-id", "re", r"\A<courier[.][0-9A-F]+[.]"),
        )
    ),
    "Domino": Marker(every=(("subject", "re", r"\ADELIVERY(?: |_)FAILURE:"),)),
    "EZweb": Marker(
        some=(
            ("from", "in", "Postmaster@ezweb.ne.jp"),
            ("from", "in", "Postmaster@au.com"),
            ("subject", "eq", "Mail System Error - Returned Mail"),
            ("received", "in", "ezweb.ne.jp (EZweb Mail) with"),
            ("received", "in", ".au.com ("),
            ("message-id", "ends", ".ezweb.ne.jp>"),
            ("message-id", "ends", ".au.com>"),
        ),
        least=2,
    ),
    "EinsUndEins": Marker(
        every=(
            ("from", "starts", '"Mail Delivery System"'),
            ("subject", "eq", "Mail delivery failed: returning message to sender"),
        )
    ),
    "Exchange2003": Marker(
        some=(
            ("x-ms-embedded-report", "present", ""),
            ("x-mailer", "starts", "Internet Mail Service ("),
            ("x-mailer", "starts", "Microsoft Exchange Server Internet Mail Connector"),
            ("x-mimeole", "starts", "Produced By Microsoft Exchange"),
            ("received", "in", " with Internet Mail Service ("),
        )
    ),
    "Exchange2007": Marker(
        every=(
            ("subject", "re", r"\A(?:Undeliverable|Non_remis_|Non recapitabile):"),
            ("content-language", "re", r"\A[a-z]{2}(?:[-][A-Z]{2})?\Z"),
        ),
        veto=(
            ("x-ms-exchange-crosstenant-originalarrivaltime", "has", ""),
            ("x-ms-exchange-crosstenant-fromentityheader", "has", ""),
        ),
    ),
    "Exim": Marker(
        some=(
            ("from", "starts", "Mail Delivery System"),
            ("message-id", "re", r"\A<\w{7}-\w{6}-\w{2}@"),
            ("subject", "re", _EXIM_SUBJECT),
        ),
        least=2,
        veto=(("from", "re", r"@.+[.]mail[.]ru>?"),),
    ),
    "FML": Marker(
        every=(
            ("x-mlserver", "present", ""),
            ("from", "re", r".+-admin@.+"),
            ("message-id", "re", r"\A<\d+[.]FML.+@.+>\Z"),
        )
    ),
    "Facebook": Marker(
        every=(
            ("from", "eq", "Facebook <mailer-daemon@mx.facebook.com>"),
            ("subject", "eq", "Sorry, your message could not be delivered"),
        )
    ),
    "GMX": Marker(every=(("x-gmx-antispam", "present", ""),)),
    "GSuite": Marker(every=(_GOOGLE, _GOOGLE_SUBJECT, ("x-gm-message-state", "has", ""))),
    "Gmail": Marker(every=(_GOOGLE, _GOOGLE_SUBJECT)),
    "GoogleGroups": Marker(
        every=(
            _GOOGLE,
            _GOOGLE_SUBJECT,
            ("x-failed-recipients", "present", ""),
            ("x-google-smtp-source", "present", ""),
        )
    ),
    "IMailServer": Marker(
        some=(("subject", "re", r"\AUndeliverable Mail *\Z"), ("x-mailer", "starts", "<SMTP32 v"))
    ),
    "InterScanMSS": Marker(
        some=(
            ("from", "starts", '"InterScan MSS"'),
            ("from", "starts", '"InterScan Notification"'),
            ("subject", "eq", "Mail could not be delivered"),
            ("subject", "eq", "メッセージを配信できません。"),
            ("subject", "eq", "メール配信に失敗しました"),
        )
    ),
    "KDDI": Marker(
        some=(
            ("from", "re", r"no-reply@.+[.]dion[.]ne[.]jp"),
            ("reply-to", "eq", "no-reply@app.auone-net.jp"),
            ("received", "in", "ezweb.ne.jp ("),
            ("received", "in", ".au.com ("),
        )
    ),
    "MXLogic": Marker(
        some=(
            ("x-mx-bounce", "present", ""),
            ("x-mxl-hash", "present", ""),
            ("x-mxl-notehash", "present", ""),
            ("from", "starts", "Mail Delivery System"),
            (
                "subject",
                "re",
                r"Mail delivery failed(?:: returning message to sender)?"
                r"|Warning: message \S+ delayed +|Delivery Status Notification",
            ),
        )
    ),
    "MailFoundry": Marker(
        every=(
            ("subject", "eq", "Message delivery has failed"),
            ("received", "in", "(MAILFOUNDRY) id"),
        )
    ),
    "MailMarshalSMTP": Marker(every=(("subject", "starts", 'Undeliverable Mail: "'),)),
    "MailRu": Marker(
        every=(
            ("from", "re", r"(?i)<?mailer-daemon@.*mail[.]ru>?"),
            ("message-id", "re", r"[.](?:mail[.]ru|smailru[.]net)>\Z"),
            ("subject", "re", _EXIM_SUBJECT.replace(r"\S+", ".+")),
        )
    ),
    "McAfee": Marker(
        every=(("x-nai-header", "in", "Modified by McAfee"), ("subject", "eq", "Delivery Status"))
    ),
    "MessageLabs": Marker(
        every=(
            ("x-msg-ref", "present", ""),
            ("from", "in", "MAILER-DAEMON@messagelabs.com"),
            ("subject", "starts", "Mail Delivery Failure"),
        )
    ),
    "MessagingServer": Marker(
        some=(
            ("content-type", "in", "Boundary_(ID_"),
            ("subject", "starts", "Delivery Notification: "),
        )
    ),
    "Notes": Marker(every=(("subject", "starts", "Undeliverable message"),)),
    "Office365": Marker(
        some=(
            ("subject", "in", "Undeliverable:"),
            ("x-ms-exchange-message-is-ndr", "has", ""),
            ("x-microsoft-antispam-prvs", "has", ""),
            ("x-exchange-antispam-report-test", "has", ""),
            ("x-exchange-antispam-report-cfa-test", "has", ""),
            ("x-ms-exchange-crosstenant-originalarrivaltime", "has", ""),
            ("x-ms-exchange-crosstenant-fromentityheader", "has", ""),
            ("x-ms-exchange-transport-crosstenantheadersstamped", "has", ""),
            ("received", "re", _OUTLOOK_HOST),
            ("message-id", "re", _OUTLOOK_HOST),
        ),
        least=2,
    ),
    "OpenSMTPD": Marker(
        every=(
            ("subject", "in", "Delivery status notification"),
            ("from", "in", "Mailer Daemon <"),
            ("received", "in", " (OpenSMTPD) with "),
        )
    ),
    "Outlook": Marker(
        some=(
            ("subject", "in", "Delivery Status Notification"),
            ("x-message-delivery", "has", ""),
            ("x-message-info", "has", ""),
            ("received", "in", ".hotmail.com"),
        ),
        least=2,
    ),
    "Postfix": Marker(
        every=(("subject", "eq", "Undelivered Mail Returned to Sender"),),
        veto=(("x-aol-ip", "has", ""),),
    ),
    "PowerMTA": Marker(every=(("subject", "in", "Delivery report"),)),
    "ReceivingSES": Marker(every=(("x-ses-outgoing", "has", ""),)),
    "SendGrid": Marker(
        every=(
            ("return-path", "eq", "<apps@sendgrid.net>"),
            ("subject", "eq", "Undelivered Mail Returned to Sender"),
        )
    ),
    "Sendmail": Marker(
        every=(("subject", "re", r"see transcript for details\Z|\AWarning: "),),
        veto=(("x-aol-ip", "has", ""),),
    ),
    "SurfControl": Marker(
        every=(("x-sef-processed", "has", ""), ("x-mailer", "eq", "SurfControl E-mail Filter"))
    ),
    "V5sendmail": Marker(every=(("subject", "re", r"\AReturned mail: [A-Z]"),)),
    "Verizon": Marker(
        every=(("received", "in", ".vtext.com ("),),
        some=(
            ("from", "eq", "post_master@vtext.com"),
            ("from", "re", r"<?sysadmin@.+[.]vzwpix[.]com>?\Z"),
        ),
    ),
    "X1": Marker(
        every=(
            ("subject", "starts", "Returned Mail: "),
            ("from", "starts", '"Mail Deliver System" '),
        )
    ),
    "X2": Marker(
        every=(
            ("from", "in", "MAILER-DAEMON@"),
            ("subject", "re", r"\A(?:Delivery failure|fail(?:ure|ed) delivery)"),
        )
    ),
    "X3": Marker(
        every=(
            ("from", "starts", "Mail Delivery System"),
            ("subject", "starts", "Delivery status notification"),
        )
    ),
    "X4": Marker(
        some=(
            ("subject", "starts", "failure notice"),
            ("subject", "starts", "Permanent Delivery Failure"),
            ("received", "re", r"\A[(]qmail +\d+ +invoked +for +bounce[)]"),
        )
    ),
    "X5": Marker(
        every=(("to", "in", "NotificationRecipients"),),
        some=(
            ("from", "in", "Mail Delivery Subsystem"),
            ("subject", "in", "Mail Delivery Subsystem"),
        ),
    ),
    "X6": Marker(every=(("subject", "starts", "There was an error sending your mail"),)),
    "Yahoo": Marker(every=(("x-ymailisg", "has", ""),)),
    "Yandex": Marker(
        every=(("x-yandex-uniq", "has", ""), ("from", "eq", "mailer-daemon@yandex.ru"))
    ),
    "Zoho": Marker(every=(("x-zohomail", "has", ""),)),
    "mFILTER": Marker(every=(("x-mailer", "eq", "m-FILTER"), ("subject", "eq", "failure notice"))),
    "qmail": Marker(
        some=(("subject", "eq", "failure notice"), ("received", "re", _QMAIL_RECEIVED))
    ),
}
