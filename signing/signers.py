"""The signature algorithms of body keys: Ed25519 and SM2, one signer class each.

Keys and records carry their algorithm (docs/design.md §7, §12.6). A signer has ``alg``,
``key_id``, ``public_key_raw`` and ``sign``; the classes here also generate keys and
write/read them as encrypted PKCS#8, so any key store (files here, a database elsewhere)
handles both algorithms through ``new_signer``/``load_signer`` without knowing either.
``verify_signature`` is the one place a signature is checked by algorithm.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Protocol, runtime_checkable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import sm2
from .errors import KeyStoreError

__all__ = [
    "ALG_ED25519",
    "ALG_SM2",
    "SUPPORTED_ALGS",
    "Signer",
    "Ed25519Signer",
    "Sm2Signer",
    "check_alg",
    "key_id_for",
    "load_signer",
    "new_signer",
    "verify_signature",
]

ALG_ED25519 = "ed25519"
ALG_SM2 = sm2.ALG_SM2
SUPPORTED_ALGS = frozenset({ALG_ED25519, ALG_SM2})


def key_id_for(alg: str, public_key_raw: bytes) -> str:
    """Stable key id: ``alg:`` + first 16 hex digits of SHA-256 of the raw public key."""
    return f"{alg}:{hashlib.sha256(public_key_raw).hexdigest()[:16]}"


@runtime_checkable
class Signer(Protocol):
    """Anything that signs bytes with one identified key."""

    key_id: str
    alg: str
    public_key_raw: bytes

    def sign(self, data: bytes) -> bytes: ...


class Ed25519Signer:
    """A signer over an in-memory Ed25519 private key (tests, witnesses, the key store)."""

    alg = ALG_ED25519

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private = private_key
        self.public_key_raw: bytes = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_id: str = key_id_for(self.alg, self.public_key_raw)

    @classmethod
    def generate(cls) -> Ed25519Signer:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> Ed25519Signer:
        """Deterministic key from a 32-byte seed (tests and fixtures only)."""
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)

    def private_pem(self, passphrase: bytes) -> bytes:
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )

    @classmethod
    def from_pem(cls, pem: bytes, passphrase: bytes) -> Ed25519Signer:
        private = serialization.load_pem_private_key(pem, password=passphrase)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError("the PEM does not hold an Ed25519 key")
        return cls(private)


class Sm2Signer:
    """A signer over an SM2 private key (signature over SM3, default signer id, DER)."""

    alg = ALG_SM2

    def __init__(self, private: sm2.Sm2PrivateKey) -> None:
        self._private = private
        self.public_key_raw: bytes = private.public_key_raw
        self.key_id: str = key_id_for(self.alg, self.public_key_raw)

    @classmethod
    def generate(cls) -> Sm2Signer:
        return cls(sm2.generate())

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)

    def private_pem(self, passphrase: bytes) -> bytes:
        return self._private.private_pem(passphrase)

    @classmethod
    def from_pem(cls, pem: bytes, passphrase: bytes | None) -> Sm2Signer:
        return cls(sm2.load_private_pem(pem, passphrase))


KeySigner = Ed25519Signer | Sm2Signer
"""A signer over a key this build generates and stores (it also writes its private PEM)."""

_SIGNER_CLASSES: dict[str, type[Ed25519Signer] | type[Sm2Signer]] = {ALG_ED25519: Ed25519Signer, ALG_SM2: Sm2Signer}
"""What the key store generates and decrypts, by algorithm."""


def check_alg(alg: str) -> str:
    """``alg`` if this build signs with it; ``KeyStoreError`` naming the choices otherwise."""
    if alg not in _SIGNER_CLASSES:
        raise KeyStoreError(f"unknown key algorithm {alg!r} (one of {', '.join(sorted(_SIGNER_CLASSES))})")
    if alg == ALG_SM2 and not sm2.available():
        raise KeyStoreError("SM2 keys need the tongsuopy package, which is not installed")
    return alg


@lru_cache(maxsize=4096)
def _ed25519_public(public_key_raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(public_key_raw)


def verify_signature(alg: str, public_key_raw: bytes, data: bytes, signature: bytes) -> bool:
    """True when ``signature`` over ``data`` verifies under the raw public key.

    Returns False for a wrong signature or a malformed key; raises ``ValueError`` for an
    algorithm this build does not implement (a configuration problem, not a forgery).
    """
    if alg == ALG_SM2:
        return sm2.verify(public_key_raw, data, signature)
    if alg != ALG_ED25519:
        raise ValueError(f"unsupported signature algorithm {alg!r}")
    if len(public_key_raw) != 32 or len(signature) != 64:
        return False
    try:
        _ed25519_public(bytes(public_key_raw)).verify(bytes(signature), bytes(data))
    except (InvalidSignature, ValueError):
        return False
    return True


def new_signer(alg: str) -> KeySigner:
    """A signer over a freshly generated key of ``alg``."""
    return _SIGNER_CLASSES[check_alg(alg)].generate()


def load_signer(alg: str, pem: bytes, passphrase: bytes) -> KeySigner:
    """The signer of an encrypted PKCS#8 PEM of ``alg``; ``ValueError`` when it does not open."""
    return _SIGNER_CLASSES[check_alg(alg)].from_pem(pem, passphrase)
