"""SM2 signatures (GB/T 32918.2) over SM3 with the default signer id: the one door to the binding.

A body's key may be SM2 (docs/design.md §12.6; 商用密码 reviews ask for it). pyca/cryptography has
SM3 but no SM2, so this module wraps tongsuopy (Tongsuo, the OpenAtom 国密 fork of OpenSSL,
shipped as a wheel): it signs at about OpenSSL's own rate (``bench.log``
``sm2_sign_per_s`` beside ``openssl_sm2_sign_per_s``), where pure-Python gmssl manages
about 0.04× and the GmSSL ctypes binding about 0.13×. Nothing else of ours imports
tongsuopy; replacing the binding means rewriting only this file.

Formats, as Debian's ``openssl pkeyutl -rawin -digest sm3 -pkeyopt distid:1234567812345678``
reads them: the signature is the ASN.1 DER ``SEQUENCE {r, s}``; the public key travels as the
65-byte uncompressed point ``04 || x || y``; a private key at rest is PKCS#8 encrypted with
PBES2 (PBKDF2-HMAC-SHA256, SM4-CBC) under the deployment passphrase.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

try:  # without the binding, Ed25519 keeps working and SM2 says why it cannot
    from tongsuopy.crypto import hashes as _hashes
    from tongsuopy.crypto import serialization as _ser
    from tongsuopy.crypto.asymciphers import ec as _ec
    from tongsuopy.crypto.exceptions import InternalError as _InternalError
    from tongsuopy.crypto.exceptions import InvalidSignature as _InvalidSignature
except ImportError:  # pragma: no cover - tongsuopy is a declared dependency
    _ec = None

__all__ = [
    "ALG_SM2",
    "DEFAULT_SIGNER_ID",
    "PUBLIC_KEY_LEN",
    "Sm2Unavailable",
    "Sm2PrivateKey",
    "available",
    "generate",
    "load_private_pem",
    "verify",
    "public_key_pem",
    "public_key_from_pem",
]

ALG_SM2 = "sm2"
DEFAULT_SIGNER_ID = b"1234567812345678"
"""GB/T 32918.2 / GM/T 0009 default distinguishing id; Tongsuo applies it when none is set."""
PUBLIC_KEY_LEN = 65


class _BindingPublicKey(Protocol):
    """What we use of the binding's SM2 public key (tongsuopy ships no type information)."""

    def verify(self, signature: bytes, data: bytes, signature_algorithm: object, /) -> None: ...

    def public_bytes(self, encoding: object, format: object, /) -> bytes: ...


class _BindingPrivateKey(Protocol):
    """What we use of the binding's SM2 private key."""

    def sign(self, data: bytes, signature_algorithm: object, /) -> bytes: ...

    def private_bytes(self, encoding: object, format: object, encryption_algorithm: object, /) -> bytes: ...

    def public_key(self) -> _BindingPublicKey: ...


class Sm2Unavailable(ValueError):
    """SM2 was asked for but the binding (tongsuopy) is not installed."""


def available() -> bool:
    """Whether this installation can make and check SM2 signatures."""
    return _ec is not None


def _need() -> None:
    if _ec is None:
        raise Sm2Unavailable("SM2 needs the tongsuopy package (pip install tongsuopy)")


@lru_cache(maxsize=1)
def _sm3() -> object:
    return _ec.ECDSA(_hashes.SM3())  # Tongsuo: an SM2 key with SM3 signs as GB/T 32918.2


class Sm2PrivateKey:
    """An SM2 private key: signs bytes, says its public key, serializes itself encrypted."""

    def __init__(self, private: _BindingPrivateKey) -> None:
        self._private = private
        self.public_key_raw: bytes = private.public_key().public_bytes(
            _ser.Encoding.X962, _ser.PublicFormat.UncompressedPoint
        )

    def sign(self, data: bytes) -> bytes:
        """The DER signature of ``data`` (SM3 over Z_A || data, Z_A with the default id)."""
        return self._private.sign(bytes(data), _sm3())

    def private_pem(self, passphrase: bytes) -> bytes:
        """PKCS#8 PEM encrypted with ``passphrase`` (PBES2, PBKDF2-HMAC-SHA256, SM4-CBC)."""
        return self._private.private_bytes(
            _ser.Encoding.PEM, _ser.PrivateFormat.PKCS8, _ser.BestAvailableEncryption(bytes(passphrase))
        )


def generate() -> Sm2PrivateKey:
    """A fresh SM2 key from the binding's random generator."""
    _need()
    return Sm2PrivateKey(_ec.generate_private_key(_ec.SM2()))


def load_private_pem(pem: bytes, passphrase: bytes | None) -> Sm2PrivateKey:
    """Load a PKCS#8 (or SEC1) PEM SM2 key; ``ValueError`` for a wrong passphrase or another key."""
    _need()
    try:
        private = _ser.load_pem_private_key(bytes(pem), password=passphrase)
    except (TypeError, _InternalError) as exc:
        raise ValueError(f"cannot load the SM2 private key: {exc}") from exc
    if not isinstance(private, _ec.EllipticCurvePrivateKey) or private.curve.name != "SM2":
        raise ValueError("the PEM does not hold an SM2 private key")
    return Sm2PrivateKey(private)


@lru_cache(maxsize=4096)
def _public(public_key_raw: bytes) -> _BindingPublicKey:
    key: _BindingPublicKey = _ec.EllipticCurvePublicKey.from_encoded_point(_ec.SM2(), public_key_raw)
    return key


def verify(public_key_raw: bytes, data: bytes, signature: bytes) -> bool:
    """True when the DER ``signature`` over ``data`` verifies under the 65-byte public key.

    False for a wrong or malformed signature and for a key that is not a point of the curve.
    """
    _need()
    if len(public_key_raw) != PUBLIC_KEY_LEN or not signature or len(signature) > 80:
        return False
    try:
        key = _public(bytes(public_key_raw))
        key.verify(bytes(signature), bytes(data), _sm3())
    except (_InvalidSignature, _InternalError, ValueError):
        return False
    return True


def public_key_pem(public_key_raw: bytes) -> bytes:
    """The SubjectPublicKeyInfo PEM of a raw public key (what ``openssl pkeyutl -pubin`` reads)."""
    _need()
    return _public(bytes(public_key_raw)).public_bytes(_ser.Encoding.PEM, _ser.PublicFormat.SubjectPublicKeyInfo)


def public_key_from_pem(pem: bytes) -> bytes:
    """The raw 65-byte point of an SM2 SubjectPublicKeyInfo PEM (e.g. one OpenSSL wrote)."""
    _need()
    key = _ser.load_pem_public_key(bytes(pem))
    if not isinstance(key, _ec.EllipticCurvePublicKey) or key.curve.name != "SM2":
        raise ValueError("the PEM does not hold an SM2 public key")
    public: _BindingPublicKey = key
    return public.public_bytes(_ser.Encoding.X962, _ser.PublicFormat.UncompressedPoint)
