"""Where private keys are kept (docs/design.md §12.5): sealed with a passphrase, or in a PKCS#11 device.

A vault makes new keys and opens stored ones into signers (anything with `alg`, `key_id`,
`public_key_raw` and `sign(data)`: signing.keys.Signer), so a body's key can be Ed25519 here
and another algorithm from another vault. What the registry keeps of a key is the vault's
*handle*: for `PassphraseVault` the PKCS#8 PEM encrypted with the deployment passphrase (the
same format as the key files), for `Pkcs11Vault` the object's CKA_ID in the token: the private
key never leaves the device.

Small secrets (the commitment key) are sealed with the passphrase by `seal_secret`
(scrypt, then AES-256-GCM).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .errors import KeyStoreError
from .signers import ALG_ED25519, Signer, key_id_for, load_signer, new_signer

ED25519_OID = "1.3.101.112"
_SECRET_MAGIC = b"onehall-sealed-v1"


class Vault(Protocol):
    custody: str

    def generate(self, body: str, alg: str = ALG_ED25519) -> tuple[Signer, bytes]:
        """A new key of `alg` for `body`: its signer and the handle to store."""
        ...

    def open(self, key_id: str, alg: str, public_key: bytes, handle: bytes) -> Signer:
        """The signer of a stored key; checks that it is the key the registry names."""
        ...


class PassphraseVault:
    """Keys of any algorithm signing.signers knows (Ed25519, SM2) as PKCS#8 encrypted with the
    passphrase, stored in the database."""

    custody = "database"

    def __init__(self, passphrase: bytes) -> None:
        if not passphrase:
            raise KeyStoreError("the key passphrase is empty (set ONEHALL_KEY_PASSPHRASE)")
        self._passphrase = bytes(passphrase)

    def generate(self, body: str, alg: str = ALG_ED25519) -> tuple[Signer, bytes]:
        signer = new_signer(alg)
        return signer, signer.private_pem(self._passphrase)

    def open(self, key_id: str, alg: str, public_key: bytes, handle: bytes) -> Signer:
        try:
            signer = load_signer(alg, bytes(handle), self._passphrase)
        except (ValueError, TypeError) as exc:
            raise KeyStoreError(f"cannot decrypt key {key_id}: wrong passphrase or damaged key") from exc
        return _checked(signer, key_id, public_key)


class Pkcs11Vault:
    """Ed25519 keys generated and kept in a PKCS#11 token (an HSM; SoftHSM2 in the tests),
    through python-pkcs11. The library is loaded in the process that signs (after a fork,
    anew: a PKCS#11 session does not survive fork)."""

    custody = "pkcs11"

    def __init__(self, module: str, token_label: str, pin: str) -> None:
        if not module or not token_label or not pin:
            raise KeyStoreError("PKCS#11 needs ONEHALL_PKCS11_MODULE, ONEHALL_PKCS11_TOKEN and ONEHALL_PKCS11_PIN")
        self.module, self.token_label, self._pin = module, token_label, pin
        self._lock = threading.RLock()
        self._session: Any = None
        self._pid: int | None = None

    def _open_session(self) -> Any:
        import pkcs11

        with self._lock:
            if self._session is None or self._pid != os.getpid():
                try:
                    token = pkcs11.lib(self.module).get_token(token_label=self.token_label)
                    self._session = token.open(user_pin=self._pin, rw=True)
                except (pkcs11.PKCS11Error, RuntimeError, OSError) as exc:
                    raise KeyStoreError(
                        f"cannot open PKCS#11 token {self.token_label!r} ({self.module}): {type(exc).__name__} {exc}"
                    ) from exc
                self._pid = os.getpid()
            return self._session

    def generate(self, body: str, alg: str = ALG_ED25519) -> tuple[Signer, bytes]:
        from pkcs11 import Attribute, KeyType

        if alg != ALG_ED25519:
            raise KeyStoreError(f"PKCS#11 keys here are Ed25519; {alg} keys need ONEHALL_KEY_STORE=database")
        from pkcs11.util.ec import encode_named_curve_parameters

        object_id = os.urandom(16)
        with self._lock:
            session = self._open_session()
            params = session.create_domain_parameters(
                KeyType.EC_EDWARDS, {Attribute.EC_PARAMS: encode_named_curve_parameters(ED25519_OID)}, local=True
            )
            public, private = params.generate_keypair(store=True, label=f"onehall:{body}", id=object_id)
            raw = _raw_point(public[Attribute.EC_POINT])
        return Pkcs11Signer(self, private, raw), object_id

    def open(self, key_id: str, alg: str, public_key: bytes, handle: bytes) -> Signer:
        from pkcs11 import Attribute, ObjectClass
        from pkcs11.exceptions import NoSuchKey

        if alg != ALG_ED25519:
            raise KeyStoreError(f"key {key_id}: PKCS#11 keys here are Ed25519, not {alg}")
        with self._lock:
            session = self._open_session()
            try:
                private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=bytes(handle))
                public = session.get_key(object_class=ObjectClass.PUBLIC_KEY, id=bytes(handle))
            except NoSuchKey as exc:
                raise KeyStoreError(f"key {key_id} is not in PKCS#11 token {self.token_label!r}") from exc
            raw = _raw_point(public[Attribute.EC_POINT])
        return _checked(Pkcs11Signer(self, private, raw), key_id, public_key)


class Pkcs11Signer:
    """Signs inside the token (CKM_EDDSA); one operation at a time on the vault's session."""

    alg = ALG_ED25519

    def __init__(self, vault: Pkcs11Vault, private: Any, public_key_raw: bytes) -> None:
        self._vault, self._private = vault, private
        self.public_key_raw = public_key_raw
        self.key_id = key_id_for(self.alg, public_key_raw)

    def sign(self, data: bytes) -> bytes:
        from pkcs11 import Mechanism

        with self._vault._lock:
            return bytes(self._private.sign(bytes(data), mechanism=Mechanism.EDDSA))


def _raw_point(point: bytes) -> bytes:
    """CKA_EC_POINT of an Ed25519 key: the 32 raw bytes, DER OCTET STRING-wrapped or not."""
    point = bytes(point)
    if len(point) == 34 and point[:2] == b"\x04\x20":
        return point[2:]
    if len(point) == 32:
        return point
    raise KeyStoreError(f"unexpected Ed25519 public point of {len(point)} bytes from the token")


def _checked(signer: Signer, key_id: str, public_key: bytes) -> Signer:
    if signer.public_key_raw != bytes(public_key) or signer.key_id != key_id:
        raise KeyStoreError(f"the private key kept for {key_id} does not match its public key")
    return signer


#: scrypt's CPU/memory cost for sealing secrets with the passphrase (RFC 7914 §2: N = 2^15,
#: r = 8 takes about 0.1 s and 32 MiB). A sealed secret records the N it was sealed with
#: (format v2), so a change of cost never strands a secret; the tests lower it, as they lower
#: Argon2's cost, and the servers they start still open what they sealed.
SCRYPT_N = 2**15
_SEALED_V2 = b"onehall-sealed-v2"


def _kdf(passphrase: bytes, salt: bytes, n: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=8, p=1).derive(passphrase)


def seal_secret(passphrase: bytes, secret: bytes) -> bytes:
    """`secret` encrypted with a key derived from the passphrase (scrypt, AES-256-GCM):
    magic, log2(N) (one byte), salt, nonce, ciphertext; the header is the associated data."""
    salt, nonce = os.urandom(16), os.urandom(12)
    header = _SEALED_V2 + bytes([SCRYPT_N.bit_length() - 1])
    return header + salt + nonce + AESGCM(_kdf(passphrase, salt, SCRYPT_N)).encrypt(nonce, secret, header)


def open_secret(passphrase: bytes, sealed: bytes) -> bytes:
    sealed = bytes(sealed)
    if sealed.startswith(_SEALED_V2) and len(sealed) > len(_SEALED_V2):
        header = sealed[: len(_SEALED_V2) + 1]
        n = 1 << header[-1]
    elif sealed.startswith(_SECRET_MAGIC):  # v1: sealed before the cost was recorded
        header, n = _SECRET_MAGIC, 2**15
    else:
        raise KeyStoreError("not a sealed secret")
    if not 2**10 <= n <= 2**17:  # 128 MiB at most: a damaged header cannot exhaust memory
        raise KeyStoreError("sealed secret names an unusable scrypt cost")
    body = sealed[len(header) :]
    salt, nonce, box = body[:16], body[16:28], body[28:]
    try:
        return AESGCM(_kdf(passphrase, salt, n)).decrypt(nonce, box, header)
    except InvalidTag as exc:
        raise KeyStoreError("cannot open the sealed secret: wrong passphrase or damaged value") from exc
