"""A real IMAP server for tests: Dovecot (Debian's package) on 127.0.0.1, in a throwaway
directory, with a self-signed certificate, IMAPS and IMAP with STARTTLS. It can also play
the servers the collector must cope with: one where the account may not set keywords
(an ACL without the "w" right: PERMANENTFLAGS holds only \\Deleted and \\Seen, as on
Exchange), one that does not offer MOVE, one that does not offer NAMESPACE, one that
answers NO to a FETCH it cannot carry out (`fetch_failure="no-after"`; Dovecot's default
drops the connection instead)."""

from __future__ import annotations

import imaplib
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

from tests.smtp import free_port

USER, PASSWORD = "inbox", "imap-test-secret"
CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/run/state
log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={root}/home/%u
}}
mail_location = maildir:~/Maildir
first_valid_uid = 1
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""
# Rights without "w": the account may set \Seen and \Deleted, no other flag or keyword.
WITHOUT_KEYWORDS = """
mail_plugins = acl
plugin {{
  acl = vfile:{root}/global-acl
}}
"""
# What a client sees after login, when the server offers less than Dovecot does.
CAPABILITIES = "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UIDPLUS"


class Dovecot:
    def __init__(
        self,
        root: Path,
        keywords: bool = True,
        move: bool = True,
        namespace: bool = True,
        fetch_failure: str = "disconnect-immediately",
    ) -> None:
        self.root = root
        self.keywords, self.move, self.namespace = keywords, move, namespace
        self.fetch_failure = fetch_failure
        self.imap_port, self.imaps_port = free_port(), free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def certificate(self) -> Path:
        return self.root / "cert.pem"

    def url(self, scheme: str = "imaps", folder: str = "INBOX") -> str:
        port = self.imaps_port if scheme == "imaps" else self.imap_port
        return f"{scheme}://{USER}:{PASSWORD}@127.0.0.1:{port}/{folder}"

    def start(self) -> None:
        (self.root / "home").mkdir(parents=True)
        shutil.chown(self.root / "home", 65534, 65534)
        (self.root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-keyout",
                str(self.root / "key.pem"),
                "-out",
                str(self.certificate),
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ],
            check=True,
            capture_output=True,
        )
        config = self.root / "dovecot.conf"
        text = CONFIG + f"imap_fetch_failure = {self.fetch_failure}\n"
        if not self.keywords:
            (self.root / "global-acl").write_text("* owner lrstipekxa\n")
            text += WITHOUT_KEYWORDS
        if not (self.move and self.namespace):
            offered = [
                CAPABILITIES,
                "MOVE" if self.move else "",
                "NAMESPACE" if self.namespace else "",
            ]
            text += f"imap_capability = {' '.join(filter(None, offered))}\n"
        config.write_text(text.format(root=self.root, imap=self.imap_port, imaps=self.imaps_port))
        self.process = subprocess.Popen(["/usr/sbin/dovecot", "-F", "-c", str(config)])
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.imaps_port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start: {(self.root / 'dovecot.log').read_text()}")

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=15)

    def client(self) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=str(self.certificate))
        client = imaplib.IMAP4_SSL("127.0.0.1", self.imaps_port, ssl_context=context)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, *mails: bytes, folder: str = "INBOX") -> None:
        client = self.client()
        for raw in mails:
            client.append(folder, None, None, raw)
        client.logout()

    def mail_file(self, holding: bytes) -> Path:
        """Return the file on the server's disk of the one INBOX mail holding `holding`
        (chmod it 0 and the server cannot read it)."""
        (found,) = (
            path
            for path in (self.root / "home" / USER / "Maildir").glob("[nc][eu][wr]/*")
            if holding in path.read_bytes()
        )
        return found

    def flags(self, folder: str = "INBOX") -> list[bytes]:
        """Return each mail's FLAGS in `folder` as a fresh connection sees them, oldest
        first (the folder's name as the server spells it, modified UTF-7)."""
        client = self.client()
        client.select(f'"{folder}"', readonly=True)
        _, data = client.fetch("1:*", "(FLAGS)")
        client.logout()
        return [item for item in data if isinstance(item, bytes)]

    def folders(self) -> list[bytes]:
        """Return the LIST lines of the subscribed folders."""
        client = self.client()
        _, data = client.lsub()
        client.logout()
        return [item for item in data if isinstance(item, bytes)]
