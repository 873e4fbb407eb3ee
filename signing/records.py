"""Signed record leaves (docs/design.md §7).

A leaf is the RFC 8785 canonical JSON of ``{"record": {...}, "sig": {"key_id", "alg",
"value"}}``, where ``value`` is base64 of the signature over canonical_json(record) by
the body that makes the record. Verifiers hash and check exactly the stored bytes, so a
leaf that is not itself canonical is refused: one record has one leaf.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from .canonical import canonical_json
from .errors import LeafError
from .keys import KeyInfo, KeyLookup, Signer, resolve_key, verify_signature
from .timeutil import parse_iso, to_iso

__all__ = ["RECORD_TIME_FIELDS", "LeafSignature", "make_leaf", "parse_leaf", "record_time", "verify_leaf"]

RECORD_TIME_FIELDS = ("filed_at", "at")
"""Fields giving when a record was signed, in order of preference (docs/design.md §3 record time)."""

_PREFIX = b'{"record":'
_SIG_MARK = b',"sig":{'


@dataclass(frozen=True)
class LeafSignature:
    """The ``sig`` object of a leaf, with ``value`` decoded."""

    key_id: str
    alg: str
    value: bytes

    def to_json(self) -> dict[str, str]:
        return {"key_id": self.key_id, "alg": self.alg, "value": base64.b64encode(self.value).decode("ascii")}


def make_leaf(record: dict[str, Any], signer: Signer) -> bytes:
    """Sign ``record`` (JSON types only) and return the canonical leaf bytes."""
    if not isinstance(record, dict):
        raise TypeError("a record is a JSON object (dict)")
    body = canonical_json(record)
    value = base64.b64encode(signer.sign(body))
    # RFC 8785 §3.2.3 sorts members by key ("record" < "sig") with no whitespace, so the
    # canonical leaf is the two canonical members joined: no second pass over the record.
    # The base64 alphabet needs no escaping (§3.2.2.2), so the value closes a cached head.
    return b'{"record":' + body + b',"sig":' + _sig_head(signer.key_id, signer.alg) + value + b'"}}'


@lru_cache(maxsize=256)
def _sig_head(key_id: str, alg: str) -> bytes:
    """The canonical ``sig`` object of this key up to its value: ``{"alg":…,"key_id":…,"value":"``."""
    closed = canonical_json(LeafSignature(key_id, alg, b"").to_json())
    if not closed.endswith(b'"value":""}'):  # "value" sorts last; anything else is a bug here
        raise RuntimeError(f"unexpected canonical sig object: {closed!r}")
    return closed[:-2]


def parse_leaf(leaf: bytes) -> tuple[dict[str, Any], LeafSignature]:
    """Split leaf bytes into the record and its signature; refuse malformed leaves."""
    record, sig, _ = _parse(leaf)
    return record, sig


def _parse(leaf: bytes) -> tuple[dict[str, Any], LeafSignature, bytes]:
    """Parse a leaf; also return the exact record bytes that were signed."""
    try:
        obj = json.loads(leaf)
    except (ValueError, UnicodeDecodeError) as exc:
        raise LeafError(f"leaf is not JSON: {exc}") from exc
    if not isinstance(obj, dict) or set(obj) != {"record", "sig"}:
        raise LeafError('leaf must be an object with exactly "record" and "sig"')
    record, sig = obj["record"], obj["sig"]
    if not isinstance(record, dict):
        raise LeafError('leaf "record" is not an object')
    if (
        not isinstance(sig, dict)
        or set(sig) != {"key_id", "alg", "value"}
        or not all(isinstance(v, str) for v in sig.values())
    ):
        raise LeafError('leaf "sig" must hold the strings "key_id", "alg" and "value"')
    try:
        value = base64.b64decode(sig["value"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise LeafError("leaf signature value is not base64") from exc
    try:
        canonical = canonical_json(obj)
    except (TypeError, ValueError) as exc:
        raise LeafError(f"leaf cannot be canonicalized: {exc}") from exc
    if canonical != bytes(leaf):
        raise LeafError("leaf is not in RFC 8785 canonical form")
    # Canonical form puts "record" before "sig", and the "sig" object holds only strings
    # (whose quotes would be escaped), so the last ',"sig":{' ends the record's bytes:
    # these are canonical_json(record), without serializing it a second time.
    end = canonical.rfind(_SIG_MARK)
    record_bytes = canonical[len(_PREFIX) : end]
    return record, LeafSignature(sig["key_id"], sig["alg"], value), record_bytes


def record_time(record: dict[str, Any]) -> datetime | None:
    """When the record was signed (``filed_at``, else ``at``), or None if it says nothing."""
    for field in RECORD_TIME_FIELDS:
        value = record.get(field)
        if value is None:
            continue
        try:
            return parse_iso(value)
        except ValueError as exc:
            raise LeafError(f"record field {field!r} is not an ISO 8601 time: {value!r}") from exc
    return None


def verify_leaf(leaf: bytes, key_lookup: KeyLookup) -> dict[str, Any]:
    """Return the record if its signature verifies under a key valid at the record's time.

    ``key_lookup`` maps a key id to its ``KeyInfo`` (a mapping, or a callable such as
    ``KeyStore.key_for``). Raises ``LeafError`` naming what failed.
    """
    record, sig, record_bytes = _parse(leaf)
    key: KeyInfo | None = resolve_key(key_lookup, sig.key_id)
    if key is None:
        raise LeafError(f"signed by unknown key {sig.key_id}")
    if key.alg != sig.alg:
        raise LeafError(f"signature says {sig.alg} but key {sig.key_id} is {key.alg}")
    when = record_time(record)
    if when is not None and not key.valid_at(when):
        until = "now" if key.valid_to is None else to_iso(key.valid_to)
        raise LeafError(
            f"key {sig.key_id} of {key.body!r} was not valid at the record time {to_iso(when)} "
            f"(valid {to_iso(key.valid_from)} to {until})"
        )
    try:
        ok = verify_signature(sig.alg, key.public_key, record_bytes, sig.value)
    except ValueError as exc:
        raise LeafError(str(exc)) from exc
    if not ok:
        raise LeafError("signature does not verify")
    return record
