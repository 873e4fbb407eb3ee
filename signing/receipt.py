"""Receipts: a log entry with everything needed to check it offline (docs/design.md §7).

A receipt carries the leaf bytes, its index, an RFC 9162 inclusion proof to a checkpoint
of the given size, and that checkpoint as a signed note. With the log's public key alone
anyone can check that the entry is in the log the key vouches for; with the record keys,
also who signed the record.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Sequence

from .errors import LeafError, NoteError, ProofError, ReceiptError
from .keys import KeyLookup
from .merkle import leaf_hash, verify_inclusion
from .note import open_note, parse_checkpoint
from .policy import TrustPolicy, check_checkpoint
from .records import parse_leaf, verify_leaf

__all__ = ["RECEIPT_FIELDS", "ReceiptResult", "build_receipt", "verify_receipt"]

RECEIPT_FIELDS = (
    "entry",
    "leaf_index",
    "leaf_hash",
    "inclusion_proof",
    "tree_size",
    "checkpoint",
    "log_public_key",
    "log_name",
)


@dataclass(frozen=True)
class ReceiptResult:
    """What a verified receipt proves."""

    leaf_index: int
    tree_size: int
    leaf_hash: str
    root: bytes
    origin: str
    log_name: str
    log_key_trusted: bool
    """False when no trusted log key was given: the receipt is only self-consistent."""
    record: dict[str, Any] | None
    record_verified: bool
    authority: tuple[Any, ...] = ()
    """The authorization and custody records the use relied on, proven (signing.authority)."""
    cosigners: tuple[str, ...] = ()
    """Trusted witnesses that cosigned the checkpoint (with a policy naming witnesses)."""
    witness_quorum: int = 0
    witnessed: bool | None = None
    """None: the policy asks for no witnesses; False: not yet witnessed (cosigned later)."""
    record_alg: str | None = None
    """The algorithm the record says it is signed with (``ed25519``, ``sm2``), when readable."""


def build_receipt(
    entry_bytes: bytes,
    leaf_index: int,
    proof_hashes: list[bytes],
    tree_size: int,
    checkpoint_note: str,
    log_public_key_raw: bytes,
    log_name: str,
    authority: Sequence[tuple[str, int, bytes, list[bytes]]] = (),
) -> dict[str, Any]:
    """Assemble the JSON receipt of docs/design.md §7 (no checking: see ``verify_receipt``).

    ``authority`` holds ``(role, leaf index, entry bytes, inclusion proof)`` of the records the
    decision relied on (an authorization, a custody), proven under the same checkpoint."""
    receipt = {
        "entry": base64.b64encode(entry_bytes).decode("ascii"),
        "leaf_index": int(leaf_index),
        "leaf_hash": leaf_hash(entry_bytes).hex(),
        "inclusion_proof": [bytes(h).hex() for h in proof_hashes],
        "tree_size": int(tree_size),
        "checkpoint": checkpoint_note,
        "log_public_key": base64.b64encode(log_public_key_raw).decode("ascii"),
        "log_name": log_name,
    }
    if authority:
        receipt["authority"] = [
            {
                "role": role,
                "leaf_index": int(i),
                "entry": base64.b64encode(entry).decode("ascii"),
                "leaf_hash": leaf_hash(entry).hex(),
                "inclusion_proof": [bytes(h).hex() for h in proof],
            }
            for role, i, entry, proof in authority
        ]
    return receipt


def verify_receipt(
    receipt: dict[str, Any] | str | bytes,
    trusted_log_key: bytes | None = None,
    record_keys: KeyLookup | None = None,
    policy: TrustPolicy | None = None,
) -> ReceiptResult:
    """Check a receipt; raise ``ReceiptError`` naming the check that failed.

    Checks, in order: the leaf hash is the hash of the entry; the checkpoint note is signed
    by the log key (``trusted_log_key`` when given, which must also equal the receipt's
    key; or with ``policy``, a log key it names, and its witnesses' cosignatures are counted);
    the checkpoint's size is the receipt's tree size; the inclusion proof leads from
    the leaf to the checkpoint root (RFC 9162 §2.1.3.2); and, with ``record_keys``, the
    record's own signature under the key valid at its time.
    """
    if isinstance(receipt, (str, bytes)):
        try:
            receipt = json.loads(receipt)
        except ValueError as exc:
            raise ReceiptError(f"receipt is not JSON: {exc}") from exc
    if not isinstance(receipt, dict):
        raise ReceiptError("receipt is not a JSON object")
    missing = [f for f in RECEIPT_FIELDS if f not in receipt]
    if missing:
        raise ReceiptError(f"receipt lacks {', '.join(missing)}")

    entry = _b64(receipt["entry"], "entry")
    index = _int(receipt["leaf_index"], "leaf_index")
    size = _int(receipt["tree_size"], "tree_size")
    claimed = _hex(receipt["leaf_hash"], "leaf_hash")
    proof = receipt["inclusion_proof"]
    if not isinstance(proof, list):
        raise ReceiptError("inclusion_proof is not a list")
    proof_hashes = [_hex(h, f"inclusion_proof[{i}]") for i, h in enumerate(proof)]
    log_key = _b64(receipt["log_public_key"], "log_public_key")
    log_name = receipt["log_name"]
    note = receipt["checkpoint"]
    if not isinstance(log_name, str) or not isinstance(note, str):
        raise ReceiptError("log_name and checkpoint must be text")

    actual = leaf_hash(entry)
    if actual != claimed:
        raise ReceiptError("leaf_hash does not match the entry (entry or hash changed)")
    if trusted_log_key is not None and bytes(trusted_log_key) != log_key:
        raise ReceiptError("the receipt's log_public_key is not the trusted log key")
    if policy is not None and not policy.trusts(log_key):
        raise ReceiptError("the receipt's log_public_key is not a trusted log key (not pinned)")
    cosigners: tuple[str, ...] = ()
    witnessed: bool | None = None
    try:
        if policy is not None:
            checked = check_checkpoint(note, policy, log_name)
            checkpoint = checked.checkpoint
            cosigners = tuple(c.name for c in checked.cosignatures)
            witnessed = checked.witnessed if policy.quorum > 0 else None
        else:
            body, _ = open_note(note, {log_name: log_key})
            checkpoint = parse_checkpoint(body)
    except NoteError as exc:
        raise ReceiptError(f"checkpoint: {exc}") from exc
    if checkpoint.size != size:
        raise ReceiptError(f"checkpoint is for tree size {checkpoint.size}, the receipt says {size}")
    try:
        verify_inclusion(actual, index, size, proof_hashes, checkpoint.root)
    except ProofError as exc:
        raise ReceiptError(f"inclusion proof: {exc}") from exc

    record: dict[str, Any] | None = None
    verified = False
    if record_keys is None and policy is not None:
        record_keys = policy.record_keys
    if record_keys is not None:
        try:
            record = verify_leaf(entry, record_keys)
        except LeafError as exc:
            raise ReceiptError(f"record: {exc}") from exc
        verified = True
    alg = None
    try:
        parsed, sig = parse_leaf(entry)
        record, alg = record or parsed, sig.alg
    except LeafError:  # an unsigned-for check: the entry need not be a record
        pass
    from .authority import verify_authority

    authority = verify_authority(receipt, record, index, size, checkpoint.root, record_keys)
    return ReceiptResult(
        leaf_index=index,
        tree_size=size,
        leaf_hash=actual.hex(),
        root=checkpoint.root,
        origin=checkpoint.origin,
        log_name=log_name,
        log_key_trusted=trusted_log_key is not None or policy is not None,
        record=record,
        record_verified=verified,
        authority=tuple(authority),
        cosigners=cosigners,
        witness_quorum=policy.quorum if policy is not None else 0,
        witnessed=witnessed,
        record_alg=alg,
    )


def _b64(value: Any, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ReceiptError(f"{field} is not base64") from exc


def _hex(value: Any, field: str) -> bytes:
    if not isinstance(value, str):
        raise ReceiptError(f"{field} is not a hex string")
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise ReceiptError(f"{field} is not hex") from exc
    if len(raw) != 32:
        raise ReceiptError(f"{field} is not a 32-byte hash")
    return raw


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReceiptError(f"{field} is not a non-negative integer")
    return value
