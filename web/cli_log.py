"""CLI for the signed log and keys: `log export`, `verify`, `keys list|rotate|vkey|save`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from web.cli_common import RefusingGroup, current_runtime
from sqlalchemy import select

from registry.ledger import LOG_BODY
from registry.models import Checkpoint, LogEntry
from signing.errors import KeyStoreError, VerificationError
from signing.export import ExportMeta, write_export
from signing.keys import ALG_ED25519, ALG_SM2
from signing.note import vkey
from signing.note_sm2 import LOG_SM2_BODY, sm2_vkey
from signing.receipt import verify_receipt
from signing.verify import verify_export


@click.group("log", cls=RefusingGroup)
def log_group() -> None:
    """签名日志。"""


@log_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def log_export(directory: Path) -> None:
    """导出日志条目、检查点与公钥，供离线核验。"""
    rt = current_runtime()
    keys = rt.signing_keys
    log_key = keys.ensure("log")
    with rt.reading() as session:
        total = session.scalar(select(LogEntry.index).order_by(LogEntry.index.desc()).limit(1))
        total = 0 if total is None else total + 1
        from application.witnessing import cosigned_note  # with the witnesses' cosignatures received

        notes = [
            cosigned_note(session, cp) for cp in session.scalars(select(Checkpoint).order_by(Checkpoint.tree_size))
        ]

        def leaves():
            start = 0
            while start < total:
                rows = session.execute(
                    select(LogEntry.index, LogEntry.leaf)
                    .where(LogEntry.index >= start, LogEntry.index < start + 5000)
                    .order_by(LogEntry.index)
                )
                for index, leaf in rows:
                    yield index, bytes(leaf)
                start += 5000

        n = write_export(
            directory,
            leaves(),
            notes,
            keys.public_keys(),
            ExportMeta(rt.settings.log_origin, log_key.key_id, rt.settings.log_origin),
            progress=True,
            total=total,
        )
    click.echo(f"已导出 {n} 条记录、{len(notes)} 个检查点到 {directory}")


def _trust(keys_file: Path | None, vkeys: tuple[str, ...], policy_file: Path | None):
    """The trust policy the options give, or None when none is given."""
    from signing.policy import PolicyError, TrustPolicy, parse_policy, policy_from_keys, policy_from_vkeys

    parts = []
    try:
        if policy_file is not None:
            parts.append(parse_policy(policy_file.read_text(encoding="utf-8")))
        if keys_file is not None:
            parts.append(policy_from_keys(keys_file.read_bytes()))
        if vkeys:
            parts.append(policy_from_vkeys(list(vkeys)))
    except (OSError, UnicodeDecodeError, PolicyError) as exc:
        click.echo(f"错误：可信公钥无法读取（{exc}）", err=True)
        sys.exit(2)
    if not parts:
        return None
    witnesses = next((p.witnesses for p in parts if p.witnesses), ())
    quorum = next((p.quorum for p in parts if p.witnesses), 0)
    record_keys = next((p.record_keys for p in parts if p.record_keys is not None), None)
    return TrustPolicy(tuple(k for p in parts for k in p.log_keys), witnesses, quorum, record_keys)


NO_TRUST = (
    "未给出可信的日志公钥：请用 --keys（保存的 /api/v1/keys 应答）、--vkey（日志的 C2SP 验证公钥）"
    "或 --policy（信任策略文件）指定。回执或导出自带的公钥不能证明它来自本系统。"
)


@click.command("verify")
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--keys",
    "keys_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="可信公钥：保存的 /api/v1/keys 应答（JSON 文件）",
)
@click.option("--vkey", "vkeys", multiple=True, help="可信的日志验证公钥（C2SP vkey，可多次给出）")
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="信任策略文件：日志公钥、见证人公钥与法定人数",
)
@click.option("--require-witness", is_flag=True, help="未达见证法定人数时判为失败")
@click.option(
    "--checkpoints",
    "external",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="库外保存的检查点（文件或目录，可多次给出），例如见证人目录",
)
@click.option("--workers", type=int, default=None, help="并行进程数（默认为 CPU 核数）")
def verify_command(
    target: Path,
    keys_file: Path | None,
    vkeys: tuple[str, ...],
    policy_file: Path | None,
    require_witness: bool,
    external: tuple[Path, ...],
    workers: int | None,
) -> None:
    """离线核验：TARGET 为导出目录，或一份回执（JSON 文件）。无需数据库；只信任给定的公钥。"""
    policy = _trust(keys_file, vkeys, policy_file)
    if policy is None:
        click.echo(f"核验失败：{NO_TRUST}", err=True)
        sys.exit(2)
    if target.is_dir():
        report = verify_export(
            target, workers=workers, progress=True, external_checkpoints=list(external), policy=policy
        )
        click.echo(report.summary())
        witnessed = report.witnessed_size > 0 and report.witnessed_size >= report.size
        ok = report.ok and not (require_witness and not witnessed)
        if ok:
            click.echo(
                f"核验通过：{report.entries} 条记录、{report.signatures_checked} 个签名、"
                f"{report.checkpoints} 个检查点均一致，日志公钥为可信公钥"
            )
        else:
            click.echo(
                f"核验失败：发现 {len(report.errors) + report.omitted_errors} 处问题（逐条见上，"
                f"entry N 为日志序号，checkpoint 为检查点文件）"
            )
        if report.witness_quorum:
            click.echo(
                f"见证：已由法定人数（{report.witness_quorum}）的见证人副署至树大小 {report.size}"
                if witnessed
                else f"见证：尚未全部经见证人副署（not yet witnessed）：副署至树大小 {report.witnessed_size}，"
                f"日志共 {report.size} 条，法定人数 {report.witness_quorum}"
            )
        sys.exit(0 if ok else 1)
    try:
        receipt = json.loads(target.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        click.echo(f"错误：{target} 不是 JSON 回执（{exc}）", err=True)
        sys.exit(2)
    receipt = receipt.get("receipt", receipt) if isinstance(receipt, dict) else receipt
    if external and isinstance(receipt, dict) and isinstance(receipt.get("checkpoint"), str):
        receipt = _with_cosignatures(receipt, external)
    try:
        result = verify_receipt(receipt, policy=policy)
    except VerificationError as exc:
        click.echo(f"回执核验失败：{exc}", err=True)
        sys.exit(1)
    shown = {"ok": True, **_result_json(result)}
    if result.witnessed is not None:
        shown["witness_status"] = "witnessed" if result.witnessed else "not yet witnessed"
    click.echo(json.dumps(shown, ensure_ascii=False, indent=2, default=str))
    if result.witnessed is not None:
        n, q = len(result.cosigners), result.witness_quorum
        click.echo(
            f"见证：已由 {n} 个可信见证人副署，达到法定人数 {q}"
            if result.witnessed
            else f"见证：尚未经见证人副署（not yet witnessed）：{n} 个可信副署，法定人数 {q}；"
            f"稍后把 /api/v1/log/checkpoints/{result.tree_size} 的 cosigned_checkpoint 存为文件，"
            "以 --checkpoints 文件 再核验",
            err=True,
        )
    sys.exit(1 if require_witness and not result.witnessed else 0)


def _with_cosignatures(receipt: dict, sources: tuple[Path, ...]) -> dict:
    """The receipt with the cosignatures of the same checkpoint found in ``--checkpoints`` notes
    (e.g. the ``cosigned_checkpoint`` of /api/v1/log/checkpoints/<size>, saved as a file)."""
    from signing.errors import NoteError
    from signing.note import merge_signatures, split_note

    paths = [p for s in sources for p in (sorted(s.glob("*.note")) if s.is_dir() else [s])]
    body = receipt["checkpoint"].split("\n\n")[0]
    same = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
            if split_note(text)[0] == body + "\n":
                same.append(text)
        except (OSError, UnicodeDecodeError, NoteError):
            click.echo(f"警告：{path} 不是可读的检查点，已略过", err=True)
    try:
        return {**receipt, "checkpoint": merge_signatures(receipt["checkpoint"], same)} if same else receipt
    except NoteError as exc:
        click.echo(f"警告：副署无法并入回执（{exc}）", err=True)
        return receipt


def _result_json(result) -> dict:
    if hasattr(result, "__dataclass_fields__"):
        out = {}
        for name in result.__dataclass_fields__:
            value = getattr(result, name)
            out[name] = value.hex() if isinstance(value, bytes) else value
        return out
    return {"result": str(result)}


@click.group("keys", cls=RefusingGroup)
def keys_group() -> None:
    """签名密钥。"""


@keys_group.command("list")
@with_appcontext
def keys_list() -> None:
    """列出各机构的公钥（含历史密钥与有效期）。"""
    for info in current_runtime().signing_keys.public_keys():
        click.echo(json.dumps(info.to_json(), ensure_ascii=False))


ALG_NAMES = {"ed25519": "Ed25519", "sm2": "SM2（国密，SM3 摘要）"}


@keys_group.command("rotate")
@click.argument("body")
@click.option(
    "--alg",
    type=click.Choice(sorted(ALG_NAMES)),
    default=None,
    help="新密钥的算法（默认沿用当前密钥的算法；新机构为 ed25519）",
)
@with_appcontext
def keys_rotate(body: str, alg: str | None) -> None:
    """轮换 BODY 的签名密钥：新密钥自此签名，旧签名仍按其当时有效的密钥核验。

    日志密钥（log）须为 Ed25519，以便 C2SP 客户端与见证人核验；检查点的国密签名行用 log.sm2 的 SM2 密钥。
    """
    fixed = {LOG_BODY: ALG_ED25519, LOG_SM2_BODY: ALG_SM2}.get(body)
    if fixed is not None and alg not in (None, fixed):
        click.echo(f"错误：{body} 的密钥只能是 {ALG_NAMES[fixed]}", err=True)
        sys.exit(2)
    try:
        info = current_runtime().signing_keys.rotate(body, alg=alg or fixed)
    except KeyStoreError as exc:
        click.echo(f"错误：无法轮换 {body} 的密钥（{exc}）", err=True)
        sys.exit(1)
    click.echo(json.dumps(info.to_json(), ensure_ascii=False))


@keys_group.command("vkey")
@with_appcontext
def keys_vkey() -> None:
    """打印日志的 C2SP 验证公钥（供 onehall verify --vkey、见证人与信任策略文件使用）。

    日志另有 SM2 密钥（log.sm2）时，第二行是其检查点国密签名行的验证公钥（签名类型 0xff）。
    """
    rt = current_runtime()
    keys = rt.signing_keys
    keys.ensure("log")
    click.echo(vkey(rt.settings.log_origin, keys.current("log").public_key))
    sm2_key = keys.current(LOG_SM2_BODY)
    if sm2_key is not None and sm2_key.alg == ALG_SM2:
        click.echo(sm2_vkey(rt.settings.log_origin, sm2_key.public_key))


@keys_group.command("save")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def keys_save(file: Path) -> None:
    """把公钥表（与 /api/v1/keys 应答相同）保存到 FILE，供 onehall verify --keys 使用。"""
    items = [k.to_json() for k in current_runtime().signing_keys.public_keys()]
    file.write_text(json.dumps({"items": items}, ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(f"已保存 {len(items)} 个公钥到 {file}")


def _commands():
    from web.cli_witness import witness_group

    return [log_group, verify_command, witness_group, keys_group]


COMMANDS = _commands()
