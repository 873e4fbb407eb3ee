"""Receipts of a small in-memory log, for the signing tests (no database, no files)."""

from __future__ import annotations

from signing.keys import Signer
from signing.merkle import MemoryTree
from signing.note import format_checkpoint, sign_note
from signing.receipt import build_receipt
from signing.records import make_leaf

LOG = "onehall.example/log"


def seal_use_receipt(log_signer: Signer, dept_signer: Signer, size: int, index: int) -> dict:
    """The receipt of seal use `index` in a log (LOG) of `size` seal uses signed by `dept_signer`,
    under a checkpoint signed by `log_signer`."""
    leaves = [
        make_leaf({"kind": "seal_use", "n": i, "filed_at": "2024-05-01T00:00:00Z"}, dept_signer) for i in range(size)
    ]
    tree = MemoryTree.from_entries(leaves)
    note = sign_note(format_checkpoint(LOG, tree.size, tree.root()), LOG, log_signer)
    return build_receipt(leaves[index], index, tree.inclusion_proof(index), size, note, log_signer.public_key_raw, LOG)
