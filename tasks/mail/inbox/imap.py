"""An IMAP mailbox as the collector reads it: without touching `\\Seen`."""

from __future__ import annotations

import base64
import imaplib
import re
from collections.abc import Iterator, Sequence
from typing import Any

from tasks.mail.inbox.protocol import MAX_MAIL_BYTES, InboxError, InboxItem, Recorded, bounded
from tasks.run_context import run_logger

# The collector's own mark, where the server lets a client make up keywords (RFC 9051 2.3.2).
KEYWORD = "$ContinuityCollected"
# UIDs per STORE command, to keep a command line short.
CHUNK = 500
QUOTED = rb'"((?:[^"\\]|\\.)*)"'
NAMESPACE = re.compile(rb"\(\(" + QUOTED + rb" (?:" + QUOTED + rb"|NIL)\)")
LIST_DELIMITER = re.compile(rb"\([^)]*\) (?:" + QUOTED + rb"|NIL) ")


class IMAPInbox:
    """An IMAP folder, read with `BODY.PEEK[]`, which leaves `\\Seen` as it was. Where the
    server allows keywords (`\\*` in PERMANENTFLAGS), the collector keeps its own,
    `$ContinuityCollected`, and asks the server for the mail without it; elsewhere it asks
    for the UIDs above the highest it recorded under this UIDVALIDITY (a new UIDVALIDITY
    is a new mailbox, and `mailbox` names it). Either way the cost of a run follows the new
    mail. `account` (user@host) tells this mailbox apart from others of the same name."""

    def __init__(self, connection: imaplib.IMAP4, folder: str, account: str) -> None:
        self.connection = connection
        status, _ = connection.select(_mailbox_name(folder))
        if status != "OK":
            raise InboxError(f"cannot open mailbox {folder!r}")
        validity = (connection.response("UIDVALIDITY")[1][0] or b"0").decode()
        self.keyword = _allows_keyword(connection.response("PERMANENTFLAGS")[1][0] or b"")
        self.mailbox = bounded(f"imap:{account}/{folder}:{validity}")
        self.prefix = f"imap:{bounded(folder, 300)}:{validity}"
        _, data = connection.capability()
        self.capabilities = set(_line(data).decode("ascii", "replace").upper().split())
        self.folders: dict[tuple[str, ...], str] = {}

    def new_mail(self, recorded: Recorded) -> Iterator[InboxItem]:
        """Yield the mail not recorded yet, by UID. A mail recorded whose keyword a stopped
        run did not store gets it now, unread. A mail the server will not hand out is never
        passed over: with the keyword it is left without one for the next run (a warning
        names its UID); by UID the run stops there with `InboxError`, so no later UID is
        recorded past it, and the next run starts again from it."""
        uids = self._candidates(recorded)
        done = recorded.among([str(uid) for uid in uids])
        if self.keyword and done:
            self._store_keyword([uid for uid in uids if str(uid) in done])
        for uid in uids:
            if str(uid) not in done and (raw := self._fetched_or_left(uid)) is not None:
                yield InboxItem(f"{self.prefix}:{uid}", raw, str(uid), uid)

    def mark_collected(self, item: InboxItem) -> None:
        """Store the collector's keyword on the mail, where the server allows one; no other
        flag changes."""
        if self.keyword and item.uid is not None:
            self._store_keyword([item.uid])

    def file(self, item: InboxItem, folder: Sequence[str]) -> None:
        """Move the mail into `folder` (created and subscribed to when missing): MOVE where
        the server offers it, else COPY, `\\Deleted` and UID EXPUNGE of this mail alone
        (UIDPLUS). Flags go with the mail."""
        target, uid = self._folder(tuple(folder)), str(item.uid)
        if "MOVE" in self.capabilities:
            _ok(self.connection.uid("MOVE", uid, target), "move a mail")
        elif "UIDPLUS" in self.capabilities:
            _ok(self.connection.uid("COPY", uid, target), "copy a mail")
            _ok(self.connection.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)"), "move a mail")
            _ok(self.connection.uid("EXPUNGE", uid), "move a mail")
        else:
            raise InboxError("the server offers neither MOVE nor UIDPLUS: mail cannot be filed")

    def _candidates(self, recorded: Recorded) -> list[int]:
        if self.keyword:
            return self._search("UNKEYWORD", KEYWORD)
        after = recorded.highest_uid()
        # "n:*" always takes in the highest UID in the mailbox, even one below n.
        return [uid for uid in self._search("UID", f"{after + 1}:*") if uid > after]

    def _search(self, *criteria: str) -> list[int]:
        status, data = self.connection.uid("SEARCH", *criteria)
        if status != "OK":
            raise InboxError("IMAP search failed")
        return sorted(int(uid) for line in data if line for uid in bytes(line).split())

    def _fetched_or_left(self, uid: int) -> bytes | None:
        """Return the mail's bytes; None when it is gone, or when the server will not hand
        it out and the keyword leaves it for the next run."""
        try:
            return self._fetched(uid)
        except InboxError as error:
            if not self.keyword:
                raise
            run_logger().warning("%s; it is left for the next run", error)
            return None

    def _fetched(self, uid: int) -> bytes | None:
        """Return the mail's first `MAX_MAIL_BYTES` bytes; None when it is gone (expunged
        meanwhile: nothing about it, or a NIL body); raise `InboxError` naming the UID when
        the server refuses it or answers something else."""
        status, parts = self.connection.uid("FETCH", str(uid), f"(BODY.PEEK[]<0.{MAX_MAIL_BYTES}>)")
        ours = [part for part in parts if _about(part, uid)]
        raw = next((part[1] for part in ours if isinstance(part, tuple)), None)
        if status == "OK" and isinstance(raw, bytes):
            return raw
        # The server's own words on a refusal; an OK's data may hold the mail's.
        said = "" if status == "OK" else _line(parts).decode("ascii", "replace")[:200]
        if _gone(status, ours, said):
            return None
        raise InboxError(f"IMAP could not fetch the mail of UID {uid}: {status} {said}".strip())

    def _store_keyword(self, uids: list[int]) -> None:
        for start in range(0, len(uids), CHUNK):
            chosen = ",".join(str(uid) for uid in uids[start : start + CHUNK])
            reply = self.connection.uid("STORE", chosen, "+FLAGS.SILENT", f"({KEYWORD})")
            _ok(reply, "store the collector's keyword")

    def _folder(self, folder: tuple[str, ...]) -> str:
        """Return the quoted name of `folder` in the personal namespace, creating it and
        subscribing to it (people's clients list subscribed folders) the first time."""
        if folder not in self.folders:
            prefix, delimiter = self._namespace()
            name = prefix + delimiter.join(_utf7(part) for part in folder)
            quoted = _quoted(name)
            self.connection.create(quoted)  # NO when it exists; a MOVE into none fails
            self.connection.subscribe(quoted)
            self.folders[folder] = quoted
        return self.folders[folder]

    def _namespace(self) -> tuple[str, str]:
        """Return the personal namespace's prefix (`INBOX.` on some servers) and hierarchy
        delimiter: NAMESPACE's (RFC 2342) where offered, else "" and LIST's."""
        if "NAMESPACE" in self.capabilities:
            status, data = self.connection.namespace()
            found = NAMESPACE.match(_line(data)) if status == "OK" else None
            if found and found[2]:
                return _unquoted(found[1]), _unquoted(found[2])
        status, data = self.connection.list('""', '""')
        found = LIST_DELIMITER.match(_line(data)) if status == "OK" else None
        if not found or not found[1]:
            raise InboxError("the server has no folder hierarchy: mail cannot be filed")
        return "", _unquoted(found[1])


def _line(data: list[Any]) -> bytes:
    """Return the first line of a command's untagged data, b"" when there is none."""
    return next((line for line in data if isinstance(line, bytes)), b"")


def _about(part: object, uid: int) -> bool:
    """True for a FETCH answer (a line, or a literal's header and bytes) about `uid`: a
    server may slip in answers about other mail (a flag a person changed, say)."""
    line = part[0] if isinstance(part, tuple) else part
    return isinstance(line, bytes) and re.search(rb"\bUID %d\b" % uid, line) is not None


def _gone(status: str, ours: list[Any], said: str) -> bool:
    """True when the server says the mail was expunged meanwhile: nothing about it, or a
    NIL body (Dovecot), or NO [EXPUNGEISSUED] (RFC 9051)."""
    if status != "OK":
        return said.upper().startswith("[EXPUNGEISSUED]")
    return all(isinstance(part, bytes) and part.rstrip().endswith(b" NIL)") for part in ours)


def _allows_keyword(permanent_flags: bytes) -> bool:
    flags = permanent_flags.decode("ascii", "replace").strip("()").lower().split()
    return "\\*" in flags or KEYWORD.lower() in flags


def _ok(reply: tuple[str, list[object]], doing: str) -> None:
    status, data = reply
    if status != "OK":
        said = next((bytes(d).decode("ascii", "replace") for d in data if isinstance(d, bytes)), "")
        raise InboxError(f"IMAP could not {doing}: {said[:200]}")


def _mailbox_name(folder: str) -> str:
    return _quoted(_utf7(folder))


def _quoted(name: str) -> str:
    """Return `name` as an IMAP quoted string; refuse line breaks and other controls,
    which would end the command and start another."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in name):
        raise InboxError("a mailbox name holds control characters")
    return '"' + re.sub(r'(["\\])', r"\\\1", name) + '"'


def _unquoted(quoted: bytes) -> str:
    return re.sub(rb"\\(.)", rb"\1", quoted).decode("ascii", "replace")


def _utf7(name: str) -> str:
    """Return `name` in IMAP's modified UTF-7 (RFC 3501 5.1.3): printable ASCII as it is
    ("&" as "&-"), other characters base64-coded UTF-16 between "&" and "-"."""
    out: list[str] = []
    for run in re.findall(r"[\x20-\x7e]+|[^\x20-\x7e]+", name):
        if "\x20" <= run[0] <= "\x7e":
            out.append(run.replace("&", "&-"))
        else:
            coded = base64.b64encode(run.encode("utf-16-be")).rstrip(b"=").replace(b"/", b",")
            out.append(f"&{coded.decode()}-")
    return "".join(out)
