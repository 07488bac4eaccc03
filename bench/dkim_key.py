"""A throwaway DKIM key for the benchmarks (`--dkim rsa|ed25519`), as `openssl genpkey`
would write it: PKCS#8 PEM, RSA 2048 bits or Ed25519."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

KINDS = ("rsa", "ed25519")


def write_key(folder: Path, kind: str) -> Path:
    """Write a new private key of `kind` (rsa or ed25519) in `folder`; return its path."""
    key = (
        ed25519.Ed25519PrivateKey.generate()
        if kind == "ed25519"
        else rsa.generate_private_key(65537, 2048)
    )
    path = folder / f"dkim-{kind}.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path
