"""Keyed commitments for personal data in records (docs/design.md §7).

A record is public once logged, so a person's name or ID number enters it only as
HMAC-SHA-256(key, salt || value): the registry keeps the random per-record salt, and can
later show that a record concerns a given person without the log revealing who it is. The
secret key stops anyone from testing guesses against the public log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["SALT_BYTES", "commit", "new_salt", "verify_commitment"]

SALT_BYTES = 16


def new_salt() -> bytes:
    """A fresh random salt (128 bits) for one record."""
    return secrets.token_bytes(SALT_BYTES)


def commit(value: str, salt: bytes, key: bytes) -> str:
    """Hex HMAC-SHA-256(key, salt || UTF-8 value)."""
    if not isinstance(value, str):
        raise TypeError("the committed value is text")
    if not key:
        raise ValueError("the commitment key is empty")
    return hmac.new(key, bytes(salt) + value.encode("utf-8"), hashlib.sha256).hexdigest()


def verify_commitment(commitment: str, value: str, salt: bytes, key: bytes) -> bool:
    """Whether ``commitment`` opens to ``value`` with this salt and key (constant time)."""
    return hmac.compare_digest(commit(value, salt, key), commitment)
