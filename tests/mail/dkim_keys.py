"""PEM private keys written for the DKIM tests (never the project's own)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa


@cache
def pem(kind: str) -> bytes:
    """Return a new private key of `kind` (rsa, rsa1024, ed25519, ec) as PKCS#8 PEM, one
    per kind and test session: an RSA key takes a while to generate."""
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
    if kind == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
    elif kind == "ec":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = rsa.generate_private_key(65537, 1024 if kind == "rsa1024" else 2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def write_key(path: Path, kind: str) -> Path:
    """Write a private key of `kind` to `path`; return the path."""
    path.write_bytes(pem(kind))
    return path
