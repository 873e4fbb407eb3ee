"""Wires the signed log into the runtime: key store, commitment key, checkpoint settings."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from registry.ledger import LogSettings, SignedLog
from signing.keys import KeyStore

SIGNING_BODIES = ("government", "gov_service", "reform_office", "drc", "log")


def commitment_key(key_dir: Path) -> bytes:
    """The HMAC key of personal-data commitments: random, kept beside the signing keys."""
    key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = key_dir / "commitment.key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
        except FileExistsError:
            pass
    return path.read_bytes()


def make_ledger(rt) -> SignedLog:
    s = rt.settings
    keys = KeyStore(s.key_dir, s.key_passphrase)
    settings = LogSettings(origin=s.log_origin, checkpoint_interval_ms=s.checkpoint_interval_ms,
                           checkpoint_max_entries=s.checkpoint_max_entries,
                           checkpoint_dir=s.key_dir.parent / "checkpoints")
    rt.extras["keys"] = keys
    return SignedLog(keys, commitment_key(s.key_dir), settings)
