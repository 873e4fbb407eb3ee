"""The log served as C2SP tlog-tiles (docs/design.md §12.6): ``/checkpoint``, ``/tile/<L>/<N>[.p/<W>]``,
``/tile/entries/<N>[.p/<W>]``, read from the stored complete-subtree nodes and leaves.

Tiles and bundles are served only within the latest checkpoint, so every byte served is
committed to by a signed tree head; full ones never change and are cacheable forever,
partial ones briefly. The checkpoint carries the witnesses' cosignatures received so far.
"""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import select

from registry.models import Checkpoint, LogEntry, LogNode
from signing.tiles import TileRef, encode_bundle, parse_tile_path
from web.context import runtime

bp = Blueprint("tiles", __name__)
IMMUTABLE = "public, max-age=31536000, immutable"
PARTIAL = "public, max-age=10"
TEXT = "text/plain; charset=utf-8"


def _not_found(why: str) -> Response:
    return Response(why + "\n", 404, content_type=TEXT, headers={"Cache-Control": "no-store"})


@bp.get("/checkpoint")
def checkpoint() -> Response:
    from application.witnessing import cosigned_note

    with runtime().reading() as session:
        cp = session.scalar(select(Checkpoint).order_by(Checkpoint.tree_size.desc()).limit(1))
        if cp is None:
            return _not_found("日志尚未发布检查点")
        note = cosigned_note(session, cp)
    return Response(note, 200, content_type=TEXT, headers={"Cache-Control": "public, max-age=5"})


@bp.get("/tile/<path:rest>")
def tile(rest: str) -> Response:
    try:
        ref = parse_tile_path("tile/" + rest)
    except ValueError as exc:
        return _not_found(f"不是 tlog-tiles 的瓦片路径：{exc}")
    with runtime().reading() as session:
        size = session.scalar(select(Checkpoint.tree_size).order_by(Checkpoint.tree_size.desc()).limit(1)) or 0
        if _end(ref) > size:
            return _not_found(f"该瓦片超出最新检查点（树大小 {size}）")
        first = ref.first()
        if ref.level is None:
            rows = [
                bytes(x)
                for x in session.scalars(
                    select(LogEntry.leaf)
                    .where(LogEntry.index >= first, LogEntry.index < first + ref.count)
                    .order_by(LogEntry.index)
                )
            ]
            try:
                body = encode_bundle(rows)
            except ValueError as exc:
                return Response(f"{exc}\n", 500, content_type=TEXT)
        else:
            rows = [
                bytes(x)
                for x in session.scalars(
                    select(LogNode.hash)
                    .where(LogNode.level == ref.height, LogNode.index >= first, LogNode.index < first + ref.count)
                    .order_by(LogNode.index)
                )
            ]
            body = b"".join(rows)
    if len(rows) != ref.count:
        return Response("存储的日志不完整\n", 500, content_type=TEXT)
    return Response(
        body,
        200,
        content_type="application/octet-stream",
        headers={"Cache-Control": PARTIAL if ref.width else IMMUTABLE},
    )


def _end(ref: TileRef) -> int:
    """The number of leaves the tile's hashes span up to its last one (its end index if full)."""
    return (ref.first() + ref.count) << ref.height
