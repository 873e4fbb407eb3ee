"""CLI for operators: `keys check` (the key table against the log's key records), `logs logrotate`,
`backup DIR` and `restore DIR` (registry.backup)."""

from __future__ import annotations

import sys
from typing import Any, Callable
from pathlib import Path

import click
from flask.cli import with_appcontext

from web.cli_common import RefusingGroup, current_runtime


@click.command("check")
@with_appcontext
def keys_check() -> None:
    """核对数据库中的密钥表与日志中的密钥记录（由日志密钥签名）：私自放入或改动的密钥会被找出。"""
    from registry.custody import check_against_log

    rt = current_runtime()
    if not hasattr(rt.keys, "signer_in"):
        click.echo("密钥保存在文件中（ONEHALL_KEY_STORE=files）：没有可核对的密钥表", err=True)
        sys.exit(2)
    with rt.reading() as session:
        problems = check_against_log(session)
    for line in problems:
        click.echo(f"不一致：{line}")
    if problems:
        click.echo(f"密钥核对失败：{len(problems)} 处问题", err=True)
        sys.exit(1)
    click.echo("密钥表与日志中的密钥记录一致")


@click.command("logrotate")
@with_appcontext
def logrotate_command() -> None:
    """打印 JSON 日志文件的 logrotate 配置，按 ONEHALL_LOG_RETENTION_DAYS 保留（不少于六个月）。"""
    from web.jsonlog import logrotate_config

    settings = current_runtime().settings
    if not settings.log_file:
        click.echo("未设置 ONEHALL_LOG_FILE：日志写到标准错误，由 journald 等按其保留期保存", err=True)
        sys.exit(2)
    click.echo(logrotate_config(settings.log_file, settings.log_retention_days), nl=False)


@click.group("logs", cls=RefusingGroup)
def logs_group() -> None:
    """运行日志（JSON 行）。"""


logs_group.add_command(logrotate_command)


def register(main: click.Group) -> None:
    keys = main.commands["keys"]
    keys.add_command(keys_check)  # type: ignore[attr-defined]
    keys.add_command(keys_import_files)  # type: ignore[attr-defined]
    main.add_command(logs_group)
    main.add_command(backup_command)
    main.add_command(restore_command)


def _backup_step(step: str, directory: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """registry.backup's `backup` or `restore` of the runtime's database: its manifest and the
    log checkpoint it holds; a refusal is said in Chinese, exit 2."""
    from registry import backup

    try:
        manifest = getattr(backup, step)(current_runtime().engine, directory)
    except backup.BackupError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    return manifest, manifest["checkpoint"]


def _backup_command(step: str, help: str, said: Callable[..., str], *, exists: bool) -> click.Command:
    """The `backup` or `restore` command: registry.backup's `step` with DIRECTORY, then `said(manifest,
    checkpoint, directory)` printed."""

    @click.command(step, help=help)
    @click.argument("directory", type=click.Path(exists=exists, file_okay=False, path_type=Path))
    @with_appcontext
    def command(directory: Path) -> None:
        manifest, cp = _backup_step(step, directory)
        click.echo(said(manifest, cp, directory))

    return command


def _backed_up(manifest: dict[str, Any], cp: dict[str, Any] | None, directory: Path) -> str:
    rows = sum(t["rows"] for t in manifest["tables"].values())
    done = f"已备份 {len(manifest['tables'])} 张表、{rows} 行到 {directory}"
    return done + (f"；最新检查点：{cp['tree_size']} 条记录" if cp else "")


def _restored(manifest: dict[str, Any], cp: dict[str, Any] | None, directory: Path) -> str:
    done = f"已恢复备份（{manifest['created_at']}）"
    return done + (f"：日志 {cp['tree_size']} 条记录，与备份时的检查点一致" if cp else "")


backup_command = _backup_command(
    "backup", "在服务运行时备份整个登记库（一致快照）到空目录 DIRECTORY；私钥仍以口令加密。", _backed_up, exists=False
)
restore_command = _backup_command(
    "restore",
    "把备份 DIRECTORY 恢复到空数据库（ONEHALL_DATABASE_URL / SCHEMA），核对检查点后升级到当前版本。",
    _restored,
    exists=True,
)


@click.command("import-files")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def keys_import_files(directory: Path) -> None:
    """把旧版本保存在文件夹中的密钥（keys.json、*.pem、commitment.key）导入数据库保管，并记入日志。

    升级时先于 onehall init 运行：init 的签名补录由导入的密钥签名。"""
    from registry.custody import import_key_files
    from signing.errors import KeyStoreError

    keys = current_runtime().keys
    if not hasattr(keys, "signer_in"):
        click.echo("当前 ONEHALL_KEY_STORE=files：无需导入", err=True)
        sys.exit(2)
    from registry import migrate
    from registry.custody import CUSTODY_REVISION

    migrate.upgrade(current_runtime().engine, CUSTODY_REVISION)  # the key table, before any signed backfill
    try:
        imported = import_key_files(keys, directory)
    except KeyStoreError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    click.echo(f"已导入 {len(imported)} 把密钥（每把一条日志记录）")
