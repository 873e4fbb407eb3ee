"""Signing keys: one current key per signing body, encrypted at rest (docs/design.md §7, §12.6).

A body's key is Ed25519 or SM2 (GB/T 32918 over SM3, through ``signing.sm2``); keys and
records carry their algorithm (``signing.signers``). The server is custodian of each body's
key. Private keys are PKCS#8 files encrypted with the deployment passphrase; a JSON index
beside them holds only public metadata, so the public key list (``GET /keys``, ``keys.json``
of an export) never needs the passphrase. A rotated key keeps verifying what it signed but can never sign again.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from .errors import KeyStoreError
from .fileutil import atomic_write, interprocess_lock
from .signers import (  # re-exported: the algorithms used to live here
    ALG_ED25519,
    ALG_SM2,
    SUPPORTED_ALGS,  # noqa: F401
    Ed25519Signer,
    Signer,
    Sm2Signer,
    check_alg,
    key_id_for,
    load_signer,
    new_signer,
    verify_signature,
)
from .timeutil import as_utc, parse_iso, to_iso, utcnow

__all__ = [
    "ALG_ED25519",
    "ALG_SM2",
    "KeyInfo",
    "KeyLookup",
    "Signer",
    "Ed25519Signer",
    "Sm2Signer",
    "KeyStore",
    "key_id_for",
    "verify_signature",
    "resolve_key",
]

INDEX_NAME = "keys.json"
LOCK_NAME = ".keys.lock"


@dataclass(frozen=True)
class KeyInfo:
    """Public metadata of one key; ``valid_to`` is None while the key is current."""

    key_id: str
    alg: str
    body: str
    public_key: bytes
    valid_from: datetime
    valid_to: datetime | None = None

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    def valid_at(self, when: datetime) -> bool:
        """Whether the key was in force at ``when`` (half-open ``[valid_from, valid_to)``)."""
        when = as_utc(when)
        if when < self.valid_from:
            return False
        return self.valid_to is None or when < self.valid_to

    def to_json(self) -> dict[str, Any]:
        """The public form of docs/design.md §8 ``GET /keys`` (public key as base64 of raw bytes)."""
        return {
            "key_id": self.key_id,
            "body": self.body,
            "alg": self.alg,
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
            "valid_from": to_iso(self.valid_from),
            "valid_to": None if self.valid_to is None else to_iso(self.valid_to),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KeyInfo:
        """Inverse of ``to_json``; checks that the key id matches the public key."""
        try:
            public_key = base64.b64decode(data["public_key"], validate=True)
            info = cls(
                key_id=str(data["key_id"]),
                alg=str(data["alg"]),
                body=str(data["body"]),
                public_key=public_key,
                valid_from=parse_iso(data["valid_from"]),
                valid_to=None if data.get("valid_to") is None else parse_iso(data["valid_to"]),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"malformed key entry {dict(data)!r}: {exc}") from exc
        if info.key_id != key_id_for(info.alg, info.public_key):
            raise ValueError(f"key {info.key_id}: id does not match its public key")
        return info


KeyLookup = Callable[[str], "KeyInfo | None"] | Mapping[str, KeyInfo]


def resolve_key(lookup: KeyLookup, key_id: str) -> KeyInfo | None:
    """Find ``key_id`` with a mapping or a callable (e.g. ``KeyStore.key_for``)."""
    if isinstance(lookup, Mapping):
        return lookup.get(key_id)
    return lookup(key_id)


class _StoreSigner:
    """A key store signer that re-checks, at each signature, that its key is still current."""

    def __init__(self, store: KeyStore, info: KeyInfo, private: Signer) -> None:
        self._store = store
        self._private = private
        self.alg = info.alg
        self.key_id = info.key_id
        self.body = info.body
        self.public_key_raw = info.public_key

    def sign(self, data: bytes) -> bytes:
        self._store._assert_current(self.key_id)
        return self._private.sign(data)


class KeyStore:
    """Keys of the signing bodies in one directory (mode 0700).

    Layout: ``keys.json`` (public index) and one ``<alg>-<hex>.pem`` per key (mode 0600,
    PKCS#8 encrypted with ``passphrase``). The index is re-read when another process
    replaced it, so every worker sees a rotation; decrypted keys are cached in memory
    because decryption (a password KDF) is deliberately slow.
    """

    def __init__(self, directory: Path | str, passphrase: bytes | str) -> None:
        if isinstance(passphrase, str):
            passphrase = passphrase.encode("utf-8")
        if not passphrase:
            raise KeyStoreError("the key passphrase is empty (set ONEHALL_KEY_PASSPHRASE)")
        self.directory = Path(directory)
        self._passphrase = bytes(passphrase)
        self._mutex = threading.RLock()
        self._index_sig: tuple[int, int, int] | None = None
        self._keys: dict[str, KeyInfo] = {}
        self._files: dict[str, str] = {}
        self._private: dict[str, Signer] = {}
        self._prepared = False

    # -- public API -----------------------------------------------------------------

    def ensure(self, body: str, at: datetime | None = None, alg: str = ALG_ED25519) -> KeyInfo:
        """Return the current key of ``body``, creating it (valid from ``at`` or now) if missing.

        ``alg`` is the algorithm of a key created here; an existing key is returned whatever its.
        """
        _check_body(body)
        check_alg(alg)
        with self._mutex:
            self._refresh()
            current = self._current(body)
            if current is not None:
                return current
            with self._locked():
                current = self._current(body)
                if current is not None:
                    return current
                info = self._create(body, as_utc(at) if at is not None else utcnow(), alg)
                self._write_index()
                return info

    def current(self, body: str) -> KeyInfo | None:
        """The current key of ``body``, or None."""
        with self._mutex:
            self._refresh()
            return self._current(body)

    def signer(self, body: str) -> Signer:
        """A signer with the current key of ``body``; raises if the body has no key."""
        with self._mutex:
            self._refresh()
            info = self._current(body)
            if info is None:
                raise KeyStoreError(f"no current key for body {body!r}; create it with ensure()")
            return _StoreSigner(self, info, self._decrypt(info.key_id))

    def rotate(self, body: str, at: datetime | None = None, alg: str | None = None) -> KeyInfo:
        """Retire the current key of ``body`` at ``at`` (default now) and create its successor.

        The old key gets ``valid_to = at`` and the new one ``valid_from = at``; ``at`` may be
        in the past (not before the old key's start) but not in the future, since the new key
        signs from now on. The successor uses ``alg``, by default the old key's algorithm
        (Ed25519 for a body without a key).
        """
        _check_body(body)
        if alg is not None:
            check_alg(alg)
        now = utcnow()
        at = now if at is None else as_utc(at)
        if at > now:
            raise KeyStoreError(f"cannot rotate {body!r} at {to_iso(at)}: that is in the future")
        with self._mutex, self._locked():
            old = self._current(body)
            if old is not None:
                if at < old.valid_from:
                    raise KeyStoreError(
                        f"cannot rotate {body!r} at {to_iso(at)}: before its current key "
                        f"{old.key_id} became valid ({to_iso(old.valid_from)})"
                    )
                self._keys[old.key_id] = replace(old, valid_to=at)
            new_alg = alg or (old.alg if old is not None else ALG_ED25519)
            info = self._create(body, at, check_alg(new_alg))
            self._write_index()
            return info

    def public_keys(self) -> list[KeyInfo]:
        """Every key, current and retired, sorted by body then start of validity."""
        with self._mutex:
            self._refresh()
            return sorted(self._keys.values(), key=lambda k: (k.body, k.valid_from, k.key_id))

    def key_for(self, key_id: str) -> KeyInfo | None:
        """The key with this id, or None (usable directly as a record key lookup)."""
        with self._mutex:
            self._refresh()
            return self._keys.get(key_id)

    # -- internals ------------------------------------------------------------------

    def _prepare_dir(self) -> None:
        if self._prepared:
            return
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        mode = stat.S_IMODE(self.directory.stat().st_mode)
        if mode != 0o700:
            os.chmod(self.directory, 0o700)
        self._prepared = True

    def _locked(self) -> _RefreshingLock:
        self._prepare_dir()
        lock = interprocess_lock(self.directory / LOCK_NAME)
        return _RefreshingLock(lock, self)

    def _refresh(self, force: bool = False) -> None:
        """Reload the index when its file changed (another worker may have rotated a key)."""
        path = self.directory / INDEX_NAME
        try:
            st = path.stat()
        except FileNotFoundError:
            self._index_sig = None
            self._keys, self._files = {}, {}
            return
        sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        if sig == self._index_sig and not force:
            return
        try:
            data = json.loads(path.read_bytes())
            keys: dict[str, KeyInfo] = {}
            files: dict[str, str] = {}
            for item in data["keys"]:
                info = KeyInfo.from_json(item)
                keys[info.key_id] = info
                files[info.key_id] = str(item["file"])
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyStoreError(f"key index {path} is unreadable: {exc}") from exc
        self._keys, self._files, self._index_sig = keys, files, sig

    def _current(self, body: str) -> KeyInfo | None:
        for info in self._keys.values():
            if info.body == body and info.valid_to is None:
                return info
        return None

    def _create(self, body: str, valid_from: datetime, alg: str) -> KeyInfo:
        signer = new_signer(alg)
        info = KeyInfo(signer.key_id, alg, body, signer.public_key_raw, valid_from)
        filename = signer.key_id.replace(":", "-") + ".pem"
        atomic_write(self.directory / filename, signer.private_pem(self._passphrase), mode=0o600)
        self._keys[info.key_id] = info
        self._files[info.key_id] = filename
        self._private[info.key_id] = signer
        return info

    def _write_index(self) -> None:
        items = []
        for info in sorted(self._keys.values(), key=lambda k: (k.body, k.valid_from, k.key_id)):
            item = info.to_json()
            item["file"] = self._files[info.key_id]
            items.append(item)
        data = json.dumps({"version": 1, "keys": items}, indent=1, sort_keys=True).encode()
        path = self.directory / INDEX_NAME
        atomic_write(path, data + b"\n", mode=0o600)
        st = path.stat()
        self._index_sig = (st.st_ino, st.st_mtime_ns, st.st_size)

    def _decrypt(self, key_id: str) -> Signer:
        cached = self._private.get(key_id)
        if cached is not None:
            return cached
        path = self.directory / self._files[key_id]
        try:
            pem = path.read_bytes()
        except FileNotFoundError as exc:
            raise KeyStoreError(f"private key file of {key_id} is missing: {path}") from exc
        alg = self._keys[key_id].alg
        try:
            private = load_signer(alg, pem, self._passphrase)
        except (ValueError, TypeError) as exc:
            raise KeyStoreError(
                f"cannot decrypt key {key_id} ({path.name}): wrong passphrase, damaged file or not an {alg} key"
            ) from exc
        if private.public_key_raw != self._keys[key_id].public_key:
            raise KeyStoreError(f"key file {path.name} does not match the index entry {key_id}")
        self._private[key_id] = private
        return private

    def _assert_current(self, key_id: str) -> None:
        with self._mutex:
            self._refresh()
            info = self._keys.get(key_id)
            if info is None:
                raise KeyStoreError(f"key {key_id} is no longer in the key store")
            if info.valid_to is not None:
                raise KeyStoreError(
                    f"key {key_id} of {info.body!r} was retired at {to_iso(info.valid_to)} "
                    "and can no longer sign; get a new signer"
                )


class _RefreshingLock:
    """Take the inter-process lock, then force a reload so decisions use the latest index."""

    def __init__(self, lock: AbstractContextManager[None], store: KeyStore) -> None:
        self._lock = lock
        self._store = store

    def __enter__(self) -> None:
        self._lock.__enter__()
        self._store._refresh(force=True)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._lock.__exit__(exc_type, exc, tb)


def _check_body(body: str) -> None:
    if not isinstance(body, str) or not body or any(c.isspace() for c in body):
        raise KeyStoreError(f"invalid body name {body!r}")
