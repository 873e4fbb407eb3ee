"""The right edge of a Merkle log: the root of its first n leaves, extended leaf by leaf.

A tree of n leaves is the fold of at most log2(n) complete subtrees, one per set bit of n
(signing.merkle's storage model). Keeping only their hashes ("the frontier", a compact range
from 0) is enough to append a leaf and to compute the root: who holds the frontier of a size
it trusts and hashes the next leaves' bytes itself computes every later root from those bytes
alone, without trusting any stored node. A worker does this to prove the leaves it folds into
its facts are the ones a signed checkpoint covers (application.snapshot, issue 13.1).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .merkle import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash

__all__ = ["Frontier"]


class Frontier:
    """The hashes of the complete subtrees along the right edge of a tree of `size` leaves,
    largest first (their sizes are the set bits of `size`, high to low)."""

    __slots__ = ("size", "parts")

    def __init__(self, size: int = 0, parts: Iterable[bytes] = ()) -> None:
        self.size = size
        self.parts = [bytes(p) for p in parts]
        if len(self.parts) != bin(size).count("1") or any(len(p) != HASH_SIZE for p in self.parts):
            raise ValueError("a frontier holds one 32-byte hash per set bit of its size")

    def copy(self) -> "Frontier":
        return Frontier(self.size, self.parts)

    def append_hash(self, h: bytes) -> None:
        """Append one leaf, given its leaf hash."""
        parts, size = self.parts, self.size
        while size & 1:  # each trailing one bit is a complete subtree the new leaf pairs with
            h = node_hash(parts.pop(), h)
            size >>= 1
        parts.append(h)
        self.size += 1

    def append(self, leaf: bytes) -> bytes:
        """Append one leaf from its bytes; returns its leaf hash."""
        h = leaf_hash(leaf)
        self.append_hash(h)
        return h

    def root(self) -> bytes:
        """RFC 9162 MTH of the first `size` leaves."""
        if not self.parts:
            return EMPTY_ROOT
        h = self.parts[-1]
        for part in reversed(self.parts[:-1]):
            h = node_hash(part, h)
        return h

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "parts": [p.hex() for p in self.parts]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Frontier":
        return cls(int(data["size"]), [bytes.fromhex(p) for p in data["parts"]])
