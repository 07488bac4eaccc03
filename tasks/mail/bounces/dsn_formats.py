"""Failed recipients in RFC 3464 fields and in the plain-text forms real MTAs send.

Exim, qmail, Sendmail, Postfix, Exchange, Notes, Courier and friends each word their
bounces differently, but nearly all put the failed address at the start of a line,
followed (same line or next lines) by the remote server's words; that shape is what the
text reader looks for.
"""

from __future__ import annotations

import re

from tasks.mail.bounces.feedback import Recipient, field_address

_ADDR = r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+"
_FIELD_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*)$")
_LED_BY_ADDRESS = re.compile(
    # The lead-ins are sisimai's Lhost readers' (Activehunter ">>>", InterScan "Sent <<<",
    # KDDI, X6 and others).
    rf"^[ \t]*(?:(?:(?:Sent <<< )?RCPT[ ]TO:|To:|Recipient(?: address)?:|Failed recipient:"
    rf"|Address:|>>>|Could not be delivered to:"
    rf"|The following recipients returned permanent errors:)[ \t]*)?"
    rf"[<\"']?(?:mailto:)?({_ADDR})[>\"']?(.*)$",
    re.I | re.A,
)
# Where the human-readable part stops and the copy of our original message begins.
_ORIGINAL_STARTS = re.compile(
    r"^[ \t>-]*(?:-+ ?)?(?:original message|this is a copy of the|below this line is a copy"
    r"|the original message|returned message|undelivered message headers|unsent message below"
    r"|original message follows|message headers follow|the header of the original"
    r"|a copy of the original|content-type: message/rfc822|received: from|return-path:"
    r"|the first \d+ lines|text of the original|included is a copy|your message reads)",
    re.I,
)
_ERROR_LINE = re.compile(r"(?:[45]\d\d[ \t]+|<[^@]+@[^@]+>:?[ \t]+)")
_DAEMONS = frozenset(
    {
        "postmaster",
        "mailer-daemon",
        "mailerdaemon",
        "mail-daemon",
        "mmdf",
        "mailer",
        "mail.delivery.system",
        "nobody",
        "root",
        "daemon",
    }
)
_NOT_RECIPIENTS = re.compile(r"^(?:postmaster|mailer-daemon|abuse|root|hostmaster|noreply)@", re.I)


def _unfolded(text: str) -> list[str]:
    lines: list[str] = []
    for line in text.splitlines()[:5000]:
        if line[:1] in {" ", "\t"} and lines and _FIELD_LINE.match(lines[-1]):
            lines[-1] += " " + line.strip()
        else:
            lines.append(line.rstrip())
    return lines


def _recipient_of(block: dict[str, str], reporting: str) -> Recipient | None:
    address = field_address(block.get("final-recipient", ""))
    if not address or "/" in address.split("@")[0]:
        address = field_address(block.get("original-recipient", "")) or address
    if not address:
        return None
    spec, _, said = block.get("diagnostic-code", "").partition(";")
    if not _:
        spec, said = "", spec
    status = block.get("status", "").split(" ")[0].strip("() ")
    return Recipient(
        address,
        status,
        " ".join(said.split()),
        block.get("action", "").lower().split(" ")[0],
        spec=spec.strip().upper(),
        # sisimai takes the Reporting-MTA for the remote host when no Remote-MTA is named.
        rhost=(block.get("remote-mta") or reporting).rpartition(";")[2].strip(),
        category=block.get("x-powermta-bouncecategory", "").strip(),
    )


def dsn_fields(text: str) -> list[Recipient]:
    """Returns the recipients of the RFC 3464 per-recipient field blocks in the text.

    Works on message/delivery-status parts and on DSN fields pasted into plain text alike;
    a block whose Final-Recipient and Original-Recipient hold no address is left out.
    """
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in _unfolded(text):
        found = _FIELD_LINE.match(line.strip())
        if not found:
            if not line.strip() and current:
                blocks.append(current)
                current = {}
            continue
        name, value = found.group(1).lower(), found.group(2).strip()
        if name == "final-recipient" and "final-recipient" in current:
            blocks.append(current)
            current = {}
        current.setdefault(name, value)
    blocks.append(current)
    rows = [b for b in blocks if "final-recipient" in b or "original-recipient" in b]
    reporting = next((b["reporting-mta"] for b in blocks if "reporting-mta" in b), "")
    return [r for b in rows if (r := _recipient_of(b, reporting))]


def error_lines(text: str) -> str:
    """Returns the lines of the text that quote a server's error ("550 User unknown",
    "<x@y>: ..."), joined; "" when there are none. sisimai's RFC 3464 reader takes them
    for the diagnostic of a recipient whose fields carry no Diagnostic-Code."""
    return " ".join(
        line.strip() for line in human_text(text).splitlines() if _ERROR_LINE.match(line)
    )


def human_text(text: str) -> str:
    """Returns the text up to where the copy of the original message begins."""
    lines = text.splitlines()[:3000]
    for number, line in enumerate(lines):
        if number > 2 and _ORIGINAL_STARTS.match(line):
            return "\n".join(lines[:number])
    return "\n".join(lines)


def _following(lines: list[str], start: int, address: str) -> str:
    words: list[str] = []
    for line in lines[start : start + 10]:
        if not line.strip():
            # "because:" and the like announce words that come after a blank line.
            if words and not words[-1].endswith(":"):
                break
            continue
        led = _LED_BY_ADDRESS.match(line)
        if led and led.group(1).lower().rstrip(".") != address:
            break
        words.append(line.strip())
    return " ".join(words)


def text_recipients(text: str, excluded: set[str]) -> list[Recipient]:
    """Returns the addresses that lead a line of the bounce text, with the words about them.

    `excluded` holds addresses never to report (our own sender, the bounce's From:), and
    daemon or postmaster addresses are skipped; each address comes once, first wins.
    """
    lines = human_text(text).splitlines()
    found: dict[str, Recipient] = {}
    for number, line in enumerate(lines):
        led = _LED_BY_ADDRESS.match(line)
        if not led:
            continue
        address = led.group(1).lower().rstrip(".")
        if address in excluded or address in found or _NOT_RECIPIENTS.match(address):
            continue
        said = led.group(2).strip(" .:>")
        said = " ".join(f"{said} {_following(lines, number + 1, address)}".split())
        found[address] = Recipient(address, diagnostic=said)
    return list(found.values())


def is_daemon(address: str) -> bool:
    """True when the address is a mail system's, like MAILER-DAEMON@ or postmaster@."""
    return address.split("@")[0].lower() in _DAEMONS
