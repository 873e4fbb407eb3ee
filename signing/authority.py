"""The authority a seal-use receipt carries (docs/design.md §12.3): the authorization and custody records
the decision relied on, each with its inclusion proof under the receipt's own checkpoint.

Offline, with the public keys alone, a verifier proves that each was logged before the use (a
smaller index in the same tree) and names this person, seal and item, in force at the use's time.
That nothing revoked them in between is an online question (`/verify`, `onehall audit`).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .errors import LeafError, ProofError, ReceiptError
from .keys import KeyLookup
from .merkle import leaf_hash, verify_inclusion
from .records import parse_leaf, verify_leaf
from .timeutil import parse_iso

__all__ = ["verify_authority"]

ROLES = {
    "authorization": ("authorization", "authorization_log_index"),
    "custody": ("seal_custody", "custody_log_index"),
}


def verify_authority(
    receipt: dict[str, Any],
    use: dict[str, Any] | None,
    index: int,
    size: int,
    root: bytes,
    record_keys: KeyLookup | None,
) -> list[dict[str, Any]]:
    """Check the receipt's ``authority`` items against the use record; raise ReceiptError."""
    items = receipt.get("authority") or []
    if not isinstance(items, list):
        raise ReceiptError("authority is not a list")
    if use is None or use.get("type") != "seal_use":
        if items:
            raise ReceiptError("authority proofs belong to a seal use only")
        return []
    found: dict[str, dict[str, Any]] = {}
    out = []
    for n, item in enumerate(items):
        role, i, record = _check_item(item, n, index, size, root, record_keys)
        expected_type, index_field = ROLES[role]
        if record.get("type") != expected_type:
            raise ReceiptError(f"authority[{n}]: entry {i} is a {record.get('type')!r} record, not {expected_type}")
        if use.get(index_field) != i:
            raise ReceiptError(f"authority[{n}]: the use names entry {use.get(index_field)} as its {role}, not {i}")
        (_authorization if role == "authorization" else _custody)(record, use, n)
        found[role] = record
        out.append({"role": role, "leaf_index": i, "record": record})
    for role, (_, index_field) in ROLES.items():
        if use.get(index_field) is not None and role not in found:
            raise ReceiptError(
                f"the use relied on entry {use[index_field]} ({role}) but the receipt carries no proof of it"
            )
    return out


def _check_item(
    item: Any, n: int, index: int, size: int, root: bytes, record_keys: KeyLookup | None
) -> tuple[str, int, dict[str, Any]]:
    if not isinstance(item, dict) or item.get("role") not in ROLES:
        raise ReceiptError(f"authority[{n}] must name its role: authorization or custody")
    i = item.get("leaf_index")
    if isinstance(i, bool) or not isinstance(i, int) or i < 0:
        raise ReceiptError(f"authority[{n}].leaf_index is not a non-negative integer")
    if i >= index:
        raise ReceiptError(f"authority[{n}]: entry {i} was not logged before the use (entry {index})")
    try:
        entry = base64.b64decode(item.get("entry") or "", validate=True)
        proof = [bytes.fromhex(h) for h in item.get("inclusion_proof") or []]
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ReceiptError(f"authority[{n}]: entry or proof is malformed") from exc
    h = leaf_hash(entry)
    if item.get("leaf_hash") != h.hex():
        raise ReceiptError(f"authority[{n}]: leaf_hash does not match the entry")
    try:
        verify_inclusion(h, i, size, proof, root)
    except ProofError as exc:
        raise ReceiptError(f"authority[{n}]: inclusion proof: {exc}") from exc
    try:
        record = verify_leaf(entry, record_keys) if record_keys is not None else parse_leaf(entry)[0]
    except LeafError as exc:
        raise ReceiptError(f"authority[{n}]: record: {exc}") from exc
    return item["role"], i, record


def _in_force(record: dict[str, Any], start: str, end: str, at: str, n: int) -> None:
    t = parse_iso(at)
    if parse_iso(record[start]) > t or (record.get(end) is not None and parse_iso(record[end]) <= t):
        raise ReceiptError(f"authority[{n}]: not in force at the use's time {at}")


def _authorization(record: dict[str, Any], use: dict[str, Any], n: int) -> None:
    if record.get("id") != use.get("authorization"):
        raise ReceiptError(f"authority[{n}]: authorization {record.get('id')} is not the one the use names")
    if (record.get("grantee") or {}).get("person") != use.get("person"):
        raise ReceiptError(f"authority[{n}]: the authorization names another person")
    if record.get("grantor") != use.get("department"):
        raise ReceiptError(f"authority[{n}]: the authorization is not the seal's department's")
    if "use_seal" not in (record.get("powers") or []):
        raise ReceiptError(f"authority[{n}]: the authorization does not grant use_seal")
    items = record.get("items")
    if items != "*" and use.get("item") not in (items or []):
        raise ReceiptError(f"authority[{n}]: the authorization does not cover item {use.get('item')}")
    _in_force(record, "valid_from", "valid_to", use["at"], n)


def _custody(record: dict[str, Any], use: dict[str, Any], n: int) -> None:
    if record.get("seal") != use.get("seal"):
        raise ReceiptError(f"authority[{n}]: the custody is of another seal")
    keeper = use.get("acting_for") if use.get("acting_for") is not None else use.get("person")
    if record.get("person") != keeper:
        raise ReceiptError(f"authority[{n}]: the custody names another person")
    _in_force(record, "from", "to", use["at"], n)
