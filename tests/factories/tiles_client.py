"""A small tlog-tiles client written from c2sp.org/tlog-tiles and RFC 6962 alone.

It shares no code with onehall's signing package on purpose: it checks the checkpoint's
Ed25519 note signature itself, reads only tiles and entry bundles, and computes tree
hashes and inclusion proofs with its own RFC 6962 functions.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

Fetch = Callable[[str], bytes]


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def index_path(n: int) -> str:
    digits = f"{n:d}"
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


class TileClient:
    def __init__(self, fetch: Fetch, origin: str, public_key: bytes) -> None:
        self.fetch, self.origin, self.public_key = fetch, origin, public_key
        self.size = 0
        self.root = b""
        self._tiles: dict[tuple[int, int], list[bytes]] = {}

    def read_checkpoint(self) -> tuple[int, bytes]:
        text = self.fetch("/checkpoint").decode()
        body, _, sigs = text.rpartition("\n\n")
        body += "\n"
        key_id = hashlib.sha256(self.origin.encode() + b"\n\x01" + self.public_key).digest()[:4]
        ok = False
        for line in sigs.splitlines():
            _, name, blob = line.split(" ")
            raw = base64.b64decode(blob)
            if name == self.origin and raw[:4] == key_id:
                Ed25519PublicKey.from_public_bytes(self.public_key).verify(raw[4:], body.encode())
                ok = True
        assert ok, "no signature by the log key"
        origin, size, root = body.splitlines()[:3]
        assert origin == self.origin
        self.size, self.root = int(size), base64.b64decode(root)
        return self.size, self.root

    def _tile(self, level: int, index: int) -> list[bytes]:
        """The hashes of tile (level, index) for the current size: full or partial."""
        key = (level, index)
        if key not in self._tiles:
            full_end = (index + 1) << (8 * (level + 1))
            path = f"/tile/{level}/{index_path(index)}"
            if full_end > self.size:
                width = (self.size >> (8 * level)) % 256
                path += f".p/{width}"
            data = self.fetch(path)
            assert len(data) % 32 == 0
            self._tiles[key] = [data[i : i + 32] for i in range(0, len(data), 32)]
        return self._tiles[key]

    def subtree(self, height: int, index: int) -> bytes:
        """MTH of the complete subtree of ``height`` at ``index``, from the tile that holds it."""
        level, rest = divmod(height, 8)
        per = 1 << rest  # hashes of the tile's level it spans
        start = index * per
        hashes = self._tile(level, start // 256)[start % 256 : start % 256 + per]
        assert len(hashes) == per, "tile too short"
        while len(hashes) > 1:
            hashes = [_node(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]

    def mth(self, lo: int, hi: int) -> bytes:
        """RFC 6962 MTH(D[lo:hi]), complete subtrees read from tiles."""
        n = hi - lo
        if n & (n - 1) == 0 and lo % n == 0:
            return self.subtree(n.bit_length() - 1, lo // n)
        k = 1 << ((n - 1).bit_length() - 1)
        return _node(self.mth(lo, lo + k), self.mth(lo + k, hi))

    def inclusion_proof(self, m: int, lo: int = 0, hi: int | None = None) -> list[bytes]:
        """RFC 6962 PATH(m, D[lo:hi]) for leaf ``lo + m``."""
        hi = self.size if hi is None else hi
        n = hi - lo
        if n == 1:
            return []
        k = 1 << ((n - 1).bit_length() - 1)
        if m < k:
            return self.inclusion_proof(m, lo, lo + k) + [self.mth(lo + k, hi)]
        return self.inclusion_proof(m - k, lo + k, hi) + [self.mth(lo, lo + k)]

    def entries(self, bundle: int) -> list[bytes]:
        path = f"/tile/entries/{index_path(bundle)}"
        if (bundle + 1) * 256 > self.size:
            path += f".p/{self.size % 256}"
        data, out, i = self.fetch(path), [], 0
        while i < len(data):
            n = int.from_bytes(data[i : i + 2], "big")
            out.append(data[i + 2 : i + 2 + n])
            i += 2 + n
        return out


def root_from_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2 verification, as a client would write it."""
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise AssertionError("proof too long")
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    assert sn == 0, "proof too short"
    return r
