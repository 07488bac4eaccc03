"""DKIM (RFC 6376) signing of outgoing mail with dkimpy, and the DNS record that lets a
receiver check it: RSA (2048 bits or more, RFC 8301) or Ed25519 (RFC 8463) keys.

Relaxed/relaxed canonicalisation, so a relay that re-folds headers or re-spaces lines keeps
the signature; only headers a relay leaves alone are signed (never Received, Return-Path),
and From is signed twice (oversigned) so that no one can add a second From after us.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import dkim
import idna
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

MIN_RSA_BITS = 2048
# A PEM private key is a few kilobytes; a bigger file is not one, and is not read whole.
MAX_KEY_FILE = 64 * 1024
# The headers signed when the message has them, in this order; From again at the end.
SIGNED = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Reply-To",
    "Content-Language",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Auto-Submitted",
    "In-Reply-To",
    "References",
)
RELAXED = (b"relaxed", b"relaxed")
# A DNS TXT record holds strings of at most 255 bytes each; a receiver joins them.
TXT_STRING = 255
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


@dataclass(frozen=True, repr=False)
class DkimKey:
    """A private key as dkimpy takes it, and the public half as DNS publishes it."""

    algorithm: bytes  # b"rsa-sha256" or b"ed25519-sha256"
    private: bytes  # PKCS#1 PEM (RSA) or the base64 seed (Ed25519): never shown
    key_type: str  # the record's k= tag: "rsa" or "ed25519"
    public: str  # the record's p= tag, base64
    rsa: rsa.RSAPrivateKey | None = None  # the same RSA key, for OpenSSL to sign with

    def __repr__(self) -> str:
        return f"DkimKey({self.key_type})"


@dataclass(frozen=True)
class _Signature:
    signature: bytes


@dataclass(frozen=True)
class _OpenSslRsa:
    """An RSA key with the interface dkimpy's Ed25519 branch signs through (PyNaCl's
    `SigningKey.sign(digest).signature`), signing that SHA-256 digest by PKCS#1 v1.5."""

    key: rsa.RSAPrivateKey

    def sign(self, digest: bytes) -> _Signature:
        return _Signature(self.key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256())))


class _Dkim(dkim.DKIM):
    """dkimpy, with RSA signed by OpenSSL. dkimpy's own RSA is pure Python (0.36 ms by
    OpenSSL, 8 ms by Python's pow on this machine for a 2048-bit key): its header
    hashing, which signs the digest with the key object it is given when the algorithm
    is Ed25519, gets the RSA key behind that object. PKCS#1 v1.5 signatures are
    deterministic: the bytes are those dkimpy would write, only sooner."""

    def __init__(self, message: bytes, key: DkimKey) -> None:
        super().__init__(message, signature_algorithm=key.algorithm)
        self.rsa = key.rsa

    def gen_header(self, fields: Any, include: Any, canon: Any, name: Any, pk: Any) -> Any:
        if self.rsa is None:
            return super().gen_header(fields, include, canon, name, pk)
        self.signature_algorithm = b"ed25519-sha256"  # the a= tag is written already
        try:
            return super().gen_header(fields, include, canon, name, _OpenSslRsa(self.rsa))
        finally:
            self.signature_algorithm = b"rsa-sha256"


@lru_cache(maxsize=4)
def dkim_key(path: Path) -> DkimKey:
    """Return the key in the PEM file at `path` (read once per process).
    Raises `ValueError` with one line that never quotes the file's content: unreadable,
    not a PEM private key, encrypted, RSA under 2048 bits, or another type of key."""
    try:
        with path.open("rb") as file:
            pem = file.read(MAX_KEY_FILE + 1)
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror or type(error).__name__}") from None
    if len(pem) > MAX_KEY_FILE or b"-----BEGIN" not in pem:
        raise ValueError(f"{path} is not a PEM private key (openssl genpkey writes one)")
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except TypeError:
        raise ValueError(f"{path} is encrypted: store the key without a passphrase") from None
    except (ValueError, UnsupportedAlgorithm):
        raise ValueError(f"{path} is not a PEM private key (openssl genpkey writes one)") from None
    return _dkim_key(key, path)


def _dkim_key(key: object, path: Path) -> DkimKey:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = serialization.Encoding.Raw
        seed = key.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
        public = key.public_key().public_bytes(raw, serialization.PublicFormat.Raw)
        return DkimKey(b"ed25519-sha256", base64.b64encode(seed), "ed25519", _b64(public))
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is neither RSA nor Ed25519, the keys DKIM takes")
    if key.key_size < MIN_RSA_BITS:
        raise ValueError(f"{path} is a {key.key_size}-bit RSA key: DKIM needs {MIN_RSA_BITS}+")
    # PKCS#1, which dkimpy parses at its first try (it reads PKCS#8 only after failing).
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return DkimKey(b"rsa-sha256", private, "rsa", _b64(public), key)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@lru_cache(maxsize=16)
def signing_domain(domain: str) -> str:
    """Return `domain` as DKIM's d= tag names it: its A-label (xn--) form when it is an
    internationalised domain name (RFC 8616 signs with the A-label)."""
    if domain.isascii():
        return domain.lower()
    return idna.encode(domain, uts46=True).decode("ascii")


def signed(data: bytes, selector: str, domain: str, key: DkimKey) -> bytes:
    """Return the message `data` with a DKIM-Signature header before its first line,
    signed for `domain` (an A-label) by `key` under `selector`."""
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    present = [name for name in SIGNED if f"\r\n{name.lower()}:".encode() in b"\r\n" + head]
    header = _Dkim(data, key).sign(
        selector.encode("ascii"),
        domain.encode("ascii"),
        key.private,
        canonicalize=RELAXED,
        include_headers=[name.encode("ascii") for name in [*present, "From"]],
    )
    return bytes(header) + data


def dns_record(selector: str, domain: str, key: DkimKey) -> str:
    """Return the DNS TXT record to publish for `key`, as a zone file line: the name
    `selector._domainkey.domain.` and the value in quoted strings of at most 255 bytes."""
    value = f"v=DKIM1; k={key.key_type}; p={key.public}"
    strings = [value[start : start + TXT_STRING] for start in range(0, len(value), TXT_STRING)]
    quoted = " ".join(f'"{string}"' for string in strings)
    return f"{selector}._domainkey.{signing_domain(domain)}. IN TXT ( {quoted} )"


def checked_selector(selector: str) -> str:
    """Return `selector` lower-cased when it is a DNS name (labels of letters, digits and
    inner hyphens, 63 characters at most, dot-separated); raise `ValueError` otherwise."""
    labels = selector.strip().lower().split(".")
    if len(selector) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError("must be a DNS label such as mail2026 (letters, digits, hyphens)")
    return ".".join(labels)


def checked_key_file(path: Path | None, selector: str | None) -> Path | None:
    """Return `path` once its key loads, None when DKIM is off; raise `ValueError` when
    one of the selector and the key file is set without the other (`selector` None: the
    selector itself was invalid, reported on its own)."""
    if path is None:
        if selector:
            raise ValueError("must be set too when CONTINUITY_DKIM_SELECTOR is (or unset both)")
        return None
    if selector == "":
        raise ValueError("is set but CONTINUITY_DKIM_SELECTOR is not: set both, or neither")
    dkim_key(path)
    return path
