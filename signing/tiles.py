"""C2SP tlog-tiles: the log as static tiles of hashes and bundles of entries (c2sp.org/tlog-tiles).

A tile at level L, index N holds up to 256 consecutive Merkle tree hashes of height 8·L:
hash i is MTH(D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L]), i.e. the complete-subtree
node (8·L, N·256 + i) the log already stores. A full tile is 256 hashes (8,192 bytes); the
rightmost tile of a level may be partial, ``.p/<W>`` with W = floor(s / 256^L) mod 256 for a
tree of size s. Entry bundles hold the entries of a level-0 tile, each prefixed by its
length as a big-endian uint16. Index N is written as 3-digit path elements, all but the
last prefixed with ``x``: 1234067 -> ``x001/x234/067``.

Paths and encodings only; serving them is web.tiles_views.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "TILE_WIDTH",
    "TileRef",
    "encode_index",
    "tile_path",
    "parse_tile_path",
    "partial_width",
    "encode_bundle",
    "decode_bundle",
]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
MAX_ENTRY = 0xFFFF

_ELEMENT = re.compile(r"x[0-9]{3}")
_LAST = re.compile(r"[0-9]{3}")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")
_LEVEL = re.compile(r"0|[1-9][0-9]?")


@dataclass(frozen=True)
class TileRef:
    """A tile (``level`` >= 0) or an entry bundle (``level`` None); ``width`` None when full."""

    level: int | None
    index: int
    width: int | None = None

    @property
    def count(self) -> int:
        return self.width or TILE_WIDTH

    @property
    def height(self) -> int:
        """Height of each hash in the tile (0 for entry bundles and level-0 tiles)."""
        return TILE_HEIGHT * (self.level or 0)

    def first(self) -> int:
        """Index of the tile's first hash among the nodes of its height."""
        return self.index * TILE_WIDTH

    def path(self) -> str:
        return tile_path(self.level, self.index, self.width)


def encode_index(n: int) -> str:
    """``N`` as tlog-tiles path elements: 3 digits each, all but the last prefixed ``x``."""
    if n < 0:
        raise ValueError("tile index must be non-negative")
    groups = []
    while True:
        groups.append(n % 1000)
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join([f"x{g:03d}" for g in groups[:-1]] + [f"{groups[-1]:03d}"])


def tile_path(level: int | None, index: int, width: int | None = None) -> str:
    """``tile/<L>/<N>[.p/<W>]`` or, for level None, ``tile/entries/<N>[.p/<W>]``."""
    if width is not None and not 1 <= width < TILE_WIDTH:
        raise ValueError("a partial tile has 1 to 255 hashes")
    head = "tile/entries" if level is None else f"tile/{int(level)}"
    return f"{head}/{encode_index(index)}" + (f".p/{width}" if width is not None else "")


def parse_tile_path(path: str) -> TileRef:
    """Inverse of ``tile_path`` (without a leading slash); ``ValueError`` if not canonical."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise ValueError("not a tile path")
    if parts[1] == "entries":
        level = None
    elif _LEVEL.fullmatch(parts[1]) and int(parts[1]) <= MAX_LEVEL:
        level = int(parts[1])
    else:
        raise ValueError("tile level must be 0..63 without leading zeros")
    rest = parts[2:]
    width = None
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        if not _WIDTH.fullmatch(rest[-1]) or int(rest[-1]) >= TILE_WIDTH:
            raise ValueError("partial width must be 1..255 without leading zeros")
        width = int(rest[-1])
        rest = rest[:-2] + [rest[-2][:-2]]
    if not rest or not _LAST.fullmatch(rest[-1]) or not all(_ELEMENT.fullmatch(e) for e in rest[:-1]):
        raise ValueError("tile index must be 3-digit elements, all but the last prefixed with x")
    if len(rest) > 1 and rest[0] == "x000":
        raise ValueError("tile index has a leading zero element")
    index = int("".join(e.lstrip("x") for e in rest))
    return TileRef(level, index, width)


def partial_width(level: int, tree_size: int) -> int:
    """Width of the rightmost (partial) tile of ``level`` for ``tree_size``; 0 when none."""
    return (tree_size >> (TILE_HEIGHT * level)) % TILE_WIDTH


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length and its bytes."""
    out = bytearray()
    for e in entries:
        if len(e) > MAX_ENTRY:
            raise ValueError(f"an entry of {len(e)} bytes does not fit a uint16 length prefix")
        out += len(e).to_bytes(2, "big") + e
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    """Inverse of ``encode_bundle``; ``ValueError`` on a truncated bundle."""
    out, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            raise ValueError("truncated entry length")
        n = int.from_bytes(data[i : i + 2], "big")
        if i + 2 + n > len(data):
            raise ValueError("truncated entry")
        out.append(data[i + 2 : i + 2 + n])
        i += 2 + n
    return out
