"""`onehall witness`: run a witness of the log (C2SP tlog-witness), outside the database.

A witness is somebody else (the city's audit office, the province): it keeps its own key
and state in its own directory and needs no onehall database. ``init`` makes its key,
``serve`` answers add-checkpoint requests, ``cosign`` cosigns the latest checkpoint of a
local onehall database by hand.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from signing.cosignature import SIG_TYPE_COSIGNATURE_V1
from signing.errors import NoteError, WitnessError
from signing.keys import KeyStore
from signing.note import parse_vkey, vkey
from signing.witness import Witness

DEFAULT_NAME = "onehall.witness"


def open_witness(directory: Path, name: str, logs: dict | None = None) -> Witness:
    """The witness kept in ``directory``: key (created on first use) and state."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = KeyStore(directory / "keys", _passphrase(directory))
    store.ensure("witness")
    return Witness(directory / "state", store.signer("witness"), name, logs or {})


def _passphrase(directory: Path) -> bytes:
    """ONEHALL_WITNESS_PASSPHRASE, or one generated beside the key (a single-machine demo)."""
    env = os.environ.get("ONEHALL_WITNESS_PASSPHRASE")
    if env:
        return env.encode()
    path = directory / "passphrase"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip().encode()


def witness_vkey(w: Witness) -> str:
    return vkey(w.name, w.signer.public_key_raw, SIG_TYPE_COSIGNATURE_V1)


def _logs(log_vkeys: tuple[str, ...]) -> dict:
    """origin -> {key name: keys}; a log's key name is its origin (tlog-checkpoint)."""
    logs: dict[str, dict[str, list[bytes]]] = {}
    for text in log_vkeys:
        try:
            name, key = parse_vkey(text)
        except NoteError as exc:
            raise click.BadParameter(f"日志验证公钥有误：{exc}", param_hint="--log") from exc
        logs.setdefault(name, {}).setdefault(name, []).append(key)
    return logs


@click.group("witness")
def witness_group() -> None:
    """见证人：为日志检查点副署（C2SP tlog-witness / cosignature/v1），状态与密钥保存在库外目录。"""


@witness_group.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default=DEFAULT_NAME, show_default=True, help="见证人名称（密钥名）")
def witness_init(directory: Path, name: str) -> None:
    """生成（或读取）见证人密钥，打印其验证公钥（写入信任策略文件的 witness 行）。"""
    click.echo(witness_vkey(open_witness(directory, name)))


@witness_group.command("serve")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default=DEFAULT_NAME, show_default=True, help="见证人名称（密钥名）")
@click.option(
    "--log",
    "log_vkeys",
    multiple=True,
    required=True,
    help="所见证日志的验证公钥（onehall keys vkey 的输出，可多次给出）",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=0, type=int, help="端口（默认 0：任一空闲端口，启动时打印）")
@click.option("--prefix", default="", help="提交地址前缀，例如 /witness")
def witness_serve(directory: Path, name: str, log_vkeys: tuple[str, ...], host: str, port: int, prefix: str) -> None:
    """按 C2SP tlog-witness 应答 POST <prefix>/add-checkpoint。"""
    from web.witness_server import WitnessServer

    w = open_witness(directory, name, _logs(log_vkeys))
    server = WitnessServer(w, host, port, prefix)
    click.echo(f"见证人 {witness_vkey(w)} 在 {server.url} 接受 add-checkpoint")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


@witness_group.command("cosign")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default=DEFAULT_NAME, show_default=True, help="见证人名称（密钥名）")
@with_appcontext
def witness_cosign(directory: Path, name: str) -> None:
    """在本机副署最新检查点（核对与上次副署检查点的一致性证明），保存在 DIRECTORY/cosigned。"""
    from sqlalchemy import select

    from registry.ledger import node_getter
    from registry.models import Checkpoint
    from signing import merkle
    from web.cli_common import current_runtime

    rt = current_runtime()
    origin = rt.settings.log_origin
    w = open_witness(directory, name, {origin: {origin: rt.signing_keys.current("log").public_key}})
    with rt.reading() as session:
        cp = session.scalar(select(Checkpoint).order_by(Checkpoint.tree_size.desc()).limit(1))
        if cp is None:
            click.echo("日志尚无检查点", err=True)
            sys.exit(1)
        last = w.state(origin)
        proof = []
        if last is not None and 0 < last.size < cp.tree_size:
            proof = merkle.consistency_proof(last.size, cp.tree_size, node_getter(session))
    try:
        cosigned = w.cosign(cp.note, proof)
    except WitnessError as exc:
        click.echo(f"拒绝副署：{exc}", err=True)
        sys.exit(1)
    out = directory / "cosigned"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{cp.tree_size:012d}.note").write_text(cosigned, encoding="utf-8")
    click.echo(f"已副署大小为 {cp.tree_size} 的检查点；见证人公钥 {witness_vkey(w)}")
