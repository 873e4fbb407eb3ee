"""Wires the signed log into the runtime: key store, commitment key, checkpoint settings, and the
log's three parts (registry.ledger appends, registry.checkpointer signs and awaits checkpoints,
registry.log_reader builds proofs and receipts with the key store it is given)."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from registry.ledger import LogSettings, SignedLog
from registry.log_reader import LogReader
from signing.keys import KeyStore

if TYPE_CHECKING:
    from application.runtime import Runtime

SIGNING_BODIES = ("government", "gov_service", "reform_office", "drc", "log")


def commitment_key(key_dir: Path) -> bytes:
    """The HMAC key of personal-data commitments: random, kept beside the signing keys."""
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = key_dir / "commitment.key"
    return secret_file(path)


def make_ledger(rt: Runtime) -> SignedLog:
    """The log over the key store the settings name (ONEHALL_KEY_STORE): `database` (default:
    keys sealed with the passphrase in the database, shared by every host), `pkcs11` (keys in
    an HSM, the public halves in the database), or `files` (one host: the key folder)."""
    s = rt.settings
    settings = LogSettings(
        origin=s.log_origin,
        checkpoint_interval_ms=s.checkpoint_interval_ms,
        checkpoint_max_entries=s.checkpoint_max_entries,
        checkpoint_dir=s.key_dir.parent / "checkpoints",
    )
    if s.key_store == "files":
        keys = KeyStore(s.key_dir, s.key_passphrase)
        return _wired(rt, SignedLog(keys, commitment_key(s.key_dir), settings))
    from registry.custody import CustodyKeyStore
    from signing.custody import PassphraseVault, Pkcs11Vault

    vault = (
        Pkcs11Vault(s.pkcs11_module or "", s.pkcs11_token or "", s.pkcs11_pin or "")
        if s.key_store == "pkcs11"
        else PassphraseVault(s.key_passphrase)
    )
    keys = CustodyKeyStore(rt.sessions, vault, s.key_passphrase)
    log = SignedLog(keys, b"", settings)  # the commitment key: read from the database on first use
    keys.ledger = log
    return _wired(rt, log)


def _wired(rt: Runtime, log: SignedLog) -> SignedLog:
    rt.keys = log.keys
    log.reader = LogReader(
        rt.sessions, log.checkpointer, log.keys, rt.settings.log_origin, wait_ms=rt.settings.receipt_wait_ms
    )
    return log


def log_reader(rt: Runtime) -> LogReader:
    """The runtime's log reader (made with its ledger)."""
    reader = getattr(rt.ledger, "reader", None)
    if not isinstance(reader, LogReader):
        raise RuntimeError("this runtime has no signed log (no log reader wired in)")
    return reader


def secret_file(path: Path, content: bytes | None = None) -> bytes:
    """Bytes kept in `path` (mode 0600), made once: `content`, or 32 random bytes. The file is
    written whole under another name and then linked into place, so when two processes race to
    make it one wins and both read its bytes, never a half-written file."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32) if content is None else content)
                fh.flush()
                os.fsync(fh.fileno())
            os.link(draft, path)  # fails if another process made it first
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_bytes()
