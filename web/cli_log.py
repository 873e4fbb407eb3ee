"""CLI for the signed log and keys: `log export`, `verify`, `witness`, `keys list|rotate`."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from web.cli_common import current_runtime
from sqlalchemy import select

from registry.ledger import LOG_BODY, node_getter
from registry.models import Checkpoint, LogEntry
from signing import merkle
from signing.errors import KeyStoreError, VerificationError
from signing.export import ExportMeta, write_export
from signing.keys import ALG_ED25519, ALG_SM2, KeyStore
from signing.note import vkey
from signing.note_sm2 import LOG_SM2_BODY
from signing.receipt import verify_receipt
from signing.verify import verify_export
from signing.witness import Witness, WitnessError



@click.group("log")
def log_group() -> None:
    """签名日志。"""


@log_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def log_export(directory: Path) -> None:
    """导出日志条目、检查点与公钥，供离线核验。"""
    rt = current_runtime()
    keys = rt.extras["keys"]
    log_key = keys.ensure("log")
    with rt.reading() as session:
        total = session.scalar(select(LogEntry.index).order_by(LogEntry.index.desc()).limit(1))
        total = 0 if total is None else total + 1
        notes = list(session.scalars(select(Checkpoint.note).order_by(Checkpoint.tree_size)))

        def leaves():
            start = 0
            while start < total:
                rows = session.execute(select(LogEntry.index, LogEntry.leaf).where(
                    LogEntry.index >= start, LogEntry.index < start + 5000).order_by(LogEntry.index))
                for index, leaf in rows:
                    yield index, bytes(leaf)
                start += 5000

        n = write_export(directory, leaves(), notes, keys.public_keys(),
                         ExportMeta(rt.settings.log_origin, log_key.key_id, rt.settings.log_origin),
                         progress=True, total=total)
    click.echo(f"已导出 {n} 条记录、{len(notes)} 个检查点到 {directory}")


@click.command("verify")
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option("--checkpoints", "external", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="库外保存的检查点（文件或目录，可多次给出），例如见证人目录")
@click.option("--workers", type=int, default=None, help="并行进程数（默认为 CPU 核数）")
def verify_command(target: Path, external: tuple[Path, ...], workers: int | None) -> None:
    """离线核验：TARGET 为导出目录，或一份回执（JSON 文件）。无需数据库。"""
    if target.is_dir():
        report = verify_export(target, workers=workers, progress=True, external_checkpoints=list(external))
        click.echo(report.summary())
        if report.ok:
            click.echo(f"核验通过：{report.entries} 条记录、{report.signatures_checked} 个签名、"
                       f"{report.checkpoints} 个检查点均一致")
        else:
            click.echo(f"核验失败：发现 {len(report.errors) + report.omitted_errors} 处问题（逐条见上，"
                       f"entry N 为日志序号，checkpoint 为检查点文件）")
        sys.exit(0 if report.ok else 1)
    try:
        receipt = json.loads(target.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        click.echo(f"错误：{target} 不是 JSON 回执（{exc}）", err=True)
        sys.exit(2)
    receipt = receipt.get("receipt", receipt) if isinstance(receipt, dict) else receipt
    try:
        result = verify_receipt(receipt)
    except VerificationError as exc:
        click.echo(f"回执核验失败：{exc}", err=True)
        sys.exit(1)
    click.echo(json.dumps({"ok": True, **_result_json(result)}, ensure_ascii=False, indent=2, default=str))


def _result_json(result) -> dict:
    if hasattr(result, "__dataclass_fields__"):
        out = {}
        for name in result.__dataclass_fields__:
            value = getattr(result, name)
            out[name] = value.hex() if isinstance(value, bytes) else value
        return out
    return {"result": str(result)}


@click.command("witness")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="onehall.witness", show_default=True, help="见证人密钥名")
@with_appcontext
def witness_command(directory: Path, name: str) -> None:
    """见证：核对新检查点与上次副署检查点的一致性证明后副署，并保存在 DIRECTORY（库外）。"""
    rt = current_runtime()
    passphrase = os.environ.get("ONEHALL_WITNESS_PASSPHRASE", "").encode() or rt.settings.key_passphrase
    store = KeyStore(directory / "keys", passphrase)
    store.ensure("witness")
    witness = Witness(directory / "state", store.signer("witness"), name)
    log_key = rt.extras["keys"].current("log")
    origin = rt.settings.log_origin
    with rt.reading() as session:
        cp = session.scalar(select(Checkpoint).order_by(Checkpoint.tree_size.desc()).limit(1))
        if cp is None:
            click.echo("日志尚无检查点", err=True)
            sys.exit(1)
        last = witness.state(origin)
        proof = []
        if last is not None and 0 < last.size < cp.tree_size:
            proof = merkle.consistency_proof(last.size, cp.tree_size, node_getter(session))
    try:
        cosigned = witness.cosign(cp.note, proof, {origin: log_key.public_key})
    except WitnessError as exc:
        click.echo(f"拒绝副署：{exc}", err=True)
        sys.exit(1)
    out = directory / "cosigned"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{cp.tree_size:012d}.note").write_text(cosigned, encoding="utf-8")
    click.echo(f"已副署大小为 {cp.tree_size} 的检查点；见证人公钥 {vkey(name, store.current('witness').public_key)}")


@click.group("keys")
def keys_group() -> None:
    """签名密钥。"""


@keys_group.command("list")
@with_appcontext
def keys_list() -> None:
    """列出各机构的公钥（含历史密钥与有效期）。"""
    for info in current_runtime().extras["keys"].public_keys():
        click.echo(json.dumps(info.to_json(), ensure_ascii=False))


ALG_NAMES = {"ed25519": "Ed25519", "sm2": "SM2（国密，SM3 摘要）"}


@keys_group.command("rotate")
@click.argument("body")
@click.option("--alg", type=click.Choice(sorted(ALG_NAMES)), default=None,
              help="新密钥的算法（默认沿用当前密钥的算法；新机构为 ed25519）")
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
        info = current_runtime().extras["keys"].rotate(body, alg=alg or fixed)
    except KeyStoreError as exc:
        click.echo(f"错误：无法轮换 {body} 的密钥（{exc}）", err=True)
        sys.exit(1)
    click.echo(json.dumps(info.to_json(), ensure_ascii=False))


COMMANDS = [log_group, verify_command, witness_command, keys_group]
