"""The public log endpoints (docs/design.md §8): checkpoint, entries, proofs, keys, receipt checks;
and the acts that append to it: seal uses."""

from __future__ import annotations

import base64

from flask import g, request
from sqlalchemy import select

from registry.ledger import node_getter, tree_size
from registry.models import Checkpoint, LogEntry
from signing import merkle
from web.api import schemas as s
from web.api.problems import invalid, problem
from web.api.routing import ANONYMOUS, filing, route
from web.input_guard import MAX_ID
from application.limits import receipt_check_allowed
from web.context import runtime

HASHES = {
    "type": "object",
    "required": ["hashes"],
    "properties": {"hashes": {"type": "array", "items": {"type": "string"}}},
}
MAX_ENTRIES = 1000


def _int_args(*names: str):
    values, errors = {}, []
    for name in names:
        raw = request.args.get(name, "")
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) >= 2**62:
            errors.append({"field": name, "message": "须为非负整数"})
        else:
            values[name] = int(raw)
    if errors:
        return None, problem(422, "数据校验未通过", "查询参数有误", errors=errors)
    return values, None


def _log_read(path: str, summary: str, **more):
    """Register an anonymous GET of the public log."""
    return route("GET", path, summary, roles=ANONYMOUS, tag="log", **more)


def _proof(names: tuple[str, str], fits, prove, field: str, message: str, detail: str | None = None):
    """The hashes of `prove(a, b, nodes)` for the query's numbers `names` if `fits(a, b, tree size)`;
    else a 422 on `field` (`message` and `detail` may say `{size}`, the tree's size)."""
    args, err = _int_args(*names)
    if err:
        return err
    a, b = (args[n] for n in names)
    with runtime().reading() as session:
        size = tree_size(session)
        if not fits(a, b, size):
            return invalid(field, message.format(size=size), detail and detail.format(size=size))
        proof = prove(a, b, node_getter(session))
    return {"hashes": [h.hex() for h in proof]}


def _latest(session) -> Checkpoint | None:
    return session.scalar(select(Checkpoint).order_by(Checkpoint.tree_size.desc()).limit(1))


@_log_read(
    "/log/checkpoint",
    "最新的已签名检查点（C2SP checkpoint）",
    response={
        "type": "object",
        "properties": {
            "tree_size": {"type": "integer"},
            "root_hash": {"type": "string"},
            "checkpoint": {"type": "string"},
        },
    },
)
def checkpoint():
    with runtime().reading() as session:
        cp = _latest(session)
        if cp is None:
            return problem(404, "尚无检查点", "日志尚未发布检查点")
        return _checkpoint_json(session, cp)


def _checkpoint_json(session, cp: Checkpoint) -> dict:
    from application.witnessing import cosignature_lines

    lines = cosignature_lines(session, cp.tree_size)
    return {
        "tree_size": cp.tree_size,
        "root_hash": cp.root_hash,
        "checkpoint": cp.note,
        "cosigned_checkpoint": cp.note + "".join(lines),
        "cosignatures": len(lines),
        "created_at": cp.created_at.isoformat(),
    }


@_log_read(
    "/log/checkpoints/{size}",
    "某一树大小的检查点，附见证人副署（C2SP cosignature/v1）",
    response={
        "type": "object",
        "properties": {"tree_size": {"type": "integer"}, "cosigned_checkpoint": {"type": "string"}},
    },
)
def checkpoint_of_size(size: str):
    if not (size.isascii() and size.isdigit()) or len(size) > 18:
        return invalid("size", "须为非负整数", "树大小须为非负整数")
    with runtime().reading() as session:
        cp = (
            None
            if int(size) > MAX_ID
            # no log is that long (and PostgreSQL's INTEGER would refuse it)
            else (session.scalar(select(Checkpoint).where(Checkpoint.tree_size == int(size))))
        )
        if cp is None:
            return problem(404, "没有该树大小的检查点", f"日志没有树大小为 {int(size)} 的检查点")
        return _checkpoint_json(session, cp)


@_log_read(
    "/log/entries",
    "日志条目（start 含，end 不含；每次至多 1000 条）",
    query={"start": "起始序号", "end": "结束序号（不含）"},
    response={"type": "object", "properties": {"items": {"type": "array"}}},
)
def entries():
    args, err = _int_args("start", "end")
    if err:
        return err
    start = min(args["start"], MAX_ID)  # no log is longer (and the index column is INTEGER)
    end = min(args["end"], start + MAX_ENTRIES, MAX_ID)
    if end < start:
        return invalid("end", "须 ≥ start", "end 须不小于 start")
    with runtime().reading() as session:
        rows = session.scalars(
            select(LogEntry).where(LogEntry.index >= start, LogEntry.index < end).order_by(LogEntry.index)
        )
        items = [
            {"index": r.index, "leaf": base64.b64encode(r.leaf).decode(), "leaf_hash": r.leaf_hash, "kind": r.kind}
            for r in rows
        ]
    return {"items": items}


@_log_read("/log/proofs/inclusion", "包含证明", query={"index": "条目序号", "size": "树的大小"}, response=HASHES)
def inclusion():
    return _proof(
        ("index", "size"),
        lambda index, n, size: index < n <= size,
        merkle.inclusion_proof,
        "size",
        "须不大于当前树大小 {size}，且大于 index",
        "须 index < size ≤ {size}",
    )


@_log_read(
    "/log/proofs/consistency", "一致性证明", query={"first": "较早的树大小", "second": "较晚的树大小"}, response=HASHES
)
def consistency():
    return _proof(
        ("first", "second"),
        lambda first, second, size: 0 < first <= second <= size,
        merkle.consistency_proof,
        "second",
        "须 0 < first ≤ second ≤ {size}",
    )


KEY_ITEM = {
    "type": "object",
    "required": ["key_id", "body", "alg", "public_key", "valid_from", "valid_to"],
    "properties": {
        "key_id": {"type": "string", "description": "算法:公钥 SHA-256 的前 16 位十六进制"},
        "body": {"type": "string", "description": "签名机构（如 dept:FGW、log）"},
        "alg": {
            "type": "string",
            "enum": ["ed25519", "sm2"],
            "description": "签名算法：ed25519，或 sm2（GB/T 32918，SM3 摘要，默认用户标识 1234567812345678，DER 编码）",
        },
        "public_key": {"type": "string", "description": "公钥的 base64：Ed25519 为 32 字节，SM2 为 65 字节非压缩点"},
        "valid_from": {"type": "string"},
        "valid_to": {"type": ["string", "null"]},
    },
}


@_log_read(
    "/keys",
    "各机构的公钥（含算法与有效期）",
    response={"type": "object", "properties": {"items": {"type": "array", "items": KEY_ITEM}}},
)
def keys():
    store = runtime().keys
    return {"items": [k.to_json() for k in store.public_keys()] if store else []}


@_log_read("/verify/{leaf_hash}", "核验回执：是否已用印、何时、哪个部门（不含个人信息）")
def verify(leaf_hash: str):
    from application.sealing import find_seal_use

    if len(leaf_hash) != 64 or any(c not in "0123456789abcdef" for c in leaf_hash):
        return invalid("leaf_hash", "须为 64 位小写十六进制", "回执哈希须为 64 位小写十六进制")
    if not receipt_check_allowed(runtime(), request.remote_addr or "?"):
        return problem(429, "请求过于频繁", "请稍后再试", headers={"Retry-After": "60"})
    with runtime().reading() as session:
        found = find_seal_use(session, leaf_hash)
    return found or {"sealed": False}


@filing(
    "/seal-uses",
    "用印（保管人本人）：先判定，允许则记入日志并返回回执",
    body=s.SealUseIn,
    tag="log",
    response={"type": "object", "properties": {"receipt": {"type": "object"}}},
)
def seal_use(body: s.SealUseIn):
    from application.sealing import use_seal

    return use_seal(runtime(), g.principal, body), 201
