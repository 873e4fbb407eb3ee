"""The Merkle tree of the log: RFC 9162 §2.1 hashing, proofs from stored nodes, verification.

Storage model. A store keeps the hash of every *complete* subtree, addressed ``(level,
index)``: level 0 holds the leaf hashes, and the node ``(level, index)`` covers the leaves
``[index * 2**level, (index + 1) * 2**level)``. Complete subtrees never change once the log
grows past them, so the store is append-only; each append adds one leaf and at most
log2(n) parents (``nodes_completed_by_append``). Any subtree of a tree of size ``n`` that
is *not* complete lies on the right edge and is the fold of at most log2(n) complete parts
(the binary digits of its size), so roots and proofs cost O(log n) reads.

Hashing (RFC 9162 §2.1.1, same as RFC 6962 §2.1): the hash of the empty tree is
SHA-256(""), a leaf is SHA-256(0x00 || data) and an interior node SHA-256(0x01 || left ||
right), where a tree of n > 1 leaves splits at k, the largest power of two below n.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

from .errors import ProofError

__all__ = [
    "HASH_SIZE",
    "EMPTY_ROOT",
    "Get",
    "leaf_hash",
    "node_hash",
    "root_hash",
    "nodes_completed_by_append",
    "subtree_hash",
    "root_at",
    "inclusion_proof",
    "consistency_proof",
    "verify_inclusion",
    "verify_consistency",
    "MemoryTree",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Get = Callable[[int, int], bytes]
"""``get(level, index)`` returns the stored hash of a complete subtree."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: MTH({d0}) = SHA-256(0x00 || d0)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: interior node = SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH (RFC 9162 §2.1.1) of a whole list of leaf hashes, level by level.

    Carrying an unpaired last node up one level unchanged gives the same tree as splitting
    at the largest power of two, because the left part of every split is complete.
    """
    level = list(leaf_hashes)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _split(n: int) -> int:
    """k of RFC 9162 §2.1.1: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def nodes_completed_by_append(size_before: int, new_leaf_hash: bytes, get: Get) -> list[tuple[int, int, bytes]]:
    """The complete-subtree nodes to store when leaf number ``size_before`` is appended.

    Returns ``(0, size_before, new_leaf_hash)`` and every parent the new leaf completes,
    bottom up; ``get`` reads the left siblings, which are complete already.
    """
    if len(new_leaf_hash) != HASH_SIZE:
        raise ValueError("a leaf hash is 32 bytes")
    nodes = [(0, size_before, new_leaf_hash)]
    level, index, h = 0, size_before, new_leaf_hash
    while index & 1:
        h = node_hash(get(level, index - 1), h)
        level, index = level + 1, index >> 1
        nodes.append((level, index, h))
    return nodes


def subtree_hash(start: int, size: int, get: Get) -> bytes:
    """MTH(D[start:start+size]) for a subtree of the log, from complete stored parts.

    ``start`` must be a multiple of the largest power of two not above ``size`` (true for
    every subtree the RFC 9162 recursion visits). The range splits into complete subtrees
    of decreasing size, one per set bit of ``size``; they fold right to left.
    """
    if size == 0:
        if start != 0:
            raise ValueError("an empty subtree only exists as the empty tree")
        return EMPTY_ROOT
    if start % (1 << (size.bit_length() - 1)):
        raise ValueError(f"range [{start}, {start + size}) is not a subtree of the log")
    parts: list[bytes] = []
    while size:
        level = size.bit_length() - 1
        parts.append(get(level, start >> level))
        start += 1 << level
        size -= 1 << level
    h = parts[-1]
    for part in reversed(parts[:-1]):
        h = node_hash(part, h)
    return h


def root_at(size: int, get: Get) -> bytes:
    """The root hash of the tree of the first ``size`` leaves."""
    if size < 0:
        raise ValueError("tree size must not be negative")
    return subtree_hash(0, size, get)


def inclusion_proof(index: int, size: int, get: Get) -> list[bytes]:
    """PATH(index, D[size]) of RFC 9162 §2.1.3.1, leaf-side first.

    Walking down from the root, each step records the sibling subtree. Only the first step
    that goes left may meet an incomplete sibling (the right edge); below it every subtree
    is complete, so the proof costs O(log n) reads.
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of size {size}")
    path: list[bytes] = []
    start, n, m = 0, size, index
    while n > 1:
        k = _split(n)
        if m < k:
            path.append(subtree_hash(start + k, n - k, get))
            n = k
        else:
            path.append(subtree_hash(start, k, get))
            start, m, n = start + k, m - k, n - k
    path.reverse()
    return path


def consistency_proof(m: int, n: int, get: Get) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1, innermost first.

    Empty when ``m`` is 0 or equals ``n`` (nothing to prove).
    """
    if not 0 <= m <= n:
        raise ValueError(f"no consistency proof from size {m} to size {n}")
    if m == 0 or m == n:
        return []
    path: list[bytes] = []
    start, size, b = 0, n, True
    while m != size:
        k = _split(size)
        if m <= k:
            path.append(subtree_hash(start + k, size - k, get))
            size = k
        else:
            path.append(subtree_hash(start, k, get))
            start, m, size, b = start + k, m - k, size - k, False
    if not b:
        path.append(subtree_hash(start, size, get))
    path.reverse()
    return path


def _check_hash(name: str, value: bytes) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        raise ProofError(f"{name} is not a {HASH_SIZE}-byte hash")


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Verify an inclusion proof by RFC 9162 §2.1.3.2; raise ``ProofError`` saying why not.

    ``leaf`` is the leaf *hash*. The proof must have exactly the length the tree shape
    requires (step 4.a and the final ``sn == 0`` check of the RFC).
    """
    _check_hash("leaf hash", leaf)
    _check_hash("root", root)
    for i, p in enumerate(proof):
        _check_hash(f"proof hash {i}", p)
    if index < 0 or size < 0:
        raise ProofError("leaf index and tree size must not be negative")
    if index >= size:  # step 1
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    fn, sn = index, size - 1  # step 2
    r = bytes(leaf)  # step 3
    for p in proof:  # step 4
        if sn == 0:  # 4.a
            raise ProofError("inclusion proof is longer than the tree requires")
        if fn & 1 or fn == sn:  # 4.b
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:  # 4.c
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1  # 4.d
    if sn != 0:  # step 5
        raise ProofError("inclusion proof is shorter than the tree requires")
    if r != root:
        raise ProofError("inclusion proof does not lead to the expected root")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Verify a consistency proof by RFC 9162 §2.1.4.2; raise ``ProofError`` saying why not.

    The RFC algorithm covers 0 < size1 < size2. Equal sizes need an empty proof and equal
    roots. A proof from the empty tree is refused (it proves nothing, and RFC 9162 §2.1.4
    defines proofs for 0 < m only): callers treat "no earlier checkpoint" themselves.
    """
    if size1 < 0 or size2 < 0:
        raise ProofError("tree sizes must not be negative")
    if size1 > size2:
        raise ProofError(f"tree shrank from size {size1} to size {size2}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing (size1 = 0)")
    if size1 == size2:
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if bytes(root1) != bytes(root2):
            raise ProofError(f"two different roots for the same tree size {size1}")
        return
    _check_hash("first root", root1)
    _check_hash("second root", root2)
    for i, p in enumerate(proof):
        _check_hash(f"proof hash {i}", p)
    if not proof:  # step 1
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # step 2: size1 is a power of two
        path.insert(0, bytes(root1))
    fn, sn = size1 - 1, size2 - 1  # step 3
    while fn & 1:  # step 4
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]  # step 5
    for c in path[1:]:  # step 6
        if sn == 0:
            raise ProofError("consistency proof is longer than the trees require")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:  # step 7
        raise ProofError("consistency proof is shorter than the trees require")
    if fr != root1:
        raise ProofError(f"consistency proof does not lead to the root at size {size1}")
    if sr != root2:
        raise ProofError(f"consistency proof does not lead to the root at size {size2}")


class MemoryTree:
    """An in-memory log tree over the complete-subtree store (tests, offline verifier).

    Each level is one ``bytearray`` of concatenated 32-byte hashes, so a million leaves
    take about 64 MB.
    """

    def __init__(self) -> None:
        self._levels: list[bytearray] = []
        self.size = 0

    @classmethod
    def from_entries(cls, entries: Iterable[bytes]) -> MemoryTree:
        """A tree whose leaves are ``entries`` (raw leaf data, hashed here)."""
        tree = cls()
        for data in entries:
            tree.append_data(data)
        return tree

    def get(self, level: int, index: int) -> bytes:
        """The stored hash of complete subtree ``(level, index)``; KeyError if absent."""
        if level < 0 or level >= len(self._levels) or index < 0:
            raise KeyError((level, index))
        arr = self._levels[level]
        off = index * HASH_SIZE
        if off + HASH_SIZE > len(arr):
            raise KeyError((level, index))
        return bytes(arr[off : off + HASH_SIZE])

    def append(self, leaf: bytes) -> int:
        """Append a leaf *hash*; return its index."""
        index = self.size
        for level, idx, h in nodes_completed_by_append(index, leaf, self.get):
            if level == len(self._levels):
                self._levels.append(bytearray())
            arr = self._levels[level]
            assert len(arr) == idx * HASH_SIZE, "complete subtrees are appended in order"
            arr += h
        self.size = index + 1
        return index

    def append_data(self, data: bytes) -> int:
        """Append raw leaf data (hashed with ``leaf_hash``); return its index."""
        return self.append(leaf_hash(data))

    def leaf_hash_at(self, index: int) -> bytes:
        return self.get(0, index)

    def root(self, size: int | None = None) -> bytes:
        return root_at(self.size if size is None else self._check_size(size), self.get)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else self._check_size(size), self.get)

    def consistency_proof(self, m: int, n: int | None = None) -> list[bytes]:
        return consistency_proof(m, self.size if n is None else self._check_size(n), self.get)

    def _check_size(self, size: int) -> int:
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is beyond the {self.size} stored leaves")
        return size
