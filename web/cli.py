"""The `onehall` command (docs/design.md §8): Flask's click group with onehall's commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup, with_appcontext

from registry.services.context import SYSTEM, Actor
from web.cli_common import Refusing
from web.context import runtime as rt


def _create_app():
    from registry.deployment import SettingConflict
    from web.app import create_app
    from application.config import MissingSettings

    try:
        return create_app()
    except (MissingSettings, SettingConflict) as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


class OnehallGroup(Refusing, FlaskGroup):
    """Flask's command group; a refusal raised by any command is said once (web.cli_common.fail)."""


@click.group(cls=OnehallGroup, create_app=_create_app, add_default_commands=False, add_version_option=False)
def main() -> None:
    """onehall：湘潭市政务服务集中办理的规则引擎与签名授权登记。"""


@main.command("init")
@click.option("--demo", is_flag=True, help="加载演示数据（科室、窗口、人员、事项、授权等）")
@click.option(
    "--scale",
    default=1,
    show_default=True,
    type=click.IntRange(1, 50),
    help="演示数据放大倍数：人员和事项各为演示规模的 N 倍（用于测量页面速度）",
)
@with_appcontext
def init_command(demo: bool, scale: int) -> None:
    """创建或升级数据库，载入方案规定的单位、大厅、平台和现行规则包。"""
    from application.bootstrap import initialise

    if scale > 1 and not demo:
        raise click.UsageError("--scale 只能与 --demo 一起使用")
    summary = initialise(rt(), demo=demo, progress=sys.stderr.isatty() or True, scale=scale)
    for line in summary:
        click.echo(line)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def serve_command(host: str, port: int, workers: int) -> None:
    """以多进程 WSGI 服务器（gunicorn）运行服务。"""
    from web.server import serve

    rt = _create_app().extensions["onehall"]  # refuse here, before forking, what workers would refuse
    rt.close()
    serve(host, port, workers, access_log=rt.settings.access_log)


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--as",
    "as_role",
    default="gov_service",
    show_default=True,
    type=click.Choice(["gov_service", "reform_office"]),
    help="以哪个机构的名义导入",
)
@with_appcontext
def import_command(file: Path, as_role: str) -> None:
    """导入实施清单（xlsx 或 csv）；有任何错误则整份拒绝、不写入。"""
    from registry.catalog_io import import_catalog

    with rt().filing(Actor(name="cli-import", role=as_role)) as ctx:
        result = import_catalog(ctx, file, progress=True)
    click.echo(f"已导入 {getattr(result, 'count', result)} 个事项")


@main.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_command(file: Path) -> None:
    """导出实施清单（按扩展名为 xlsx 或 csv）。"""
    from registry.catalog_io import export_catalog

    with rt().reading() as session:
        n = export_catalog(session, file)
    click.echo(f"已导出 {n} 个事项到 {file}")


@main.group("calendar")
def calendar_group() -> None:
    """工作日历。"""


@calendar_group.command("import")
@click.argument("year", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def calendar_import(year: int, file: Path) -> None:
    """导入某年的节假日与调休安排（国务院办公厅通知）。"""
    from registry import calendar as cal

    try:
        with rt().filing(SYSTEM) as ctx:
            result = cal.import_year(ctx.session, year, file)
    except ValueError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    click.echo(json.dumps(result, ensure_ascii=False, default=str))


@calendar_group.command("status")
@with_appcontext
def calendar_status() -> None:
    """已载入的年份与到期提醒。"""
    from registry import calendar as cal
    from registry.db import utcnow

    with rt().reading() as session:
        status = cal.status(session, utcnow().date())
    click.echo(json.dumps(status, ensure_ascii=False, indent=2, default=str))
    if status.get("warning"):
        click.echo(status["warning"], err=True)


def _register() -> None:
    from web.cli_accounts import COMMANDS as ACCOUNT_COMMANDS
    from web.cli_log import COMMANDS as LOG_COMMANDS
    from web.cli_oversight import COMMANDS as OVERSIGHT_COMMANDS
    from web.cli_platform import COMMANDS as PLATFORM_COMMANDS
    from web.cli_materials import COMMANDS as MATERIAL_COMMANDS
    from web.cli_policy import COMMANDS as POLICY_COMMANDS
    from web.cli_audit import COMMANDS as AUDIT_COMMANDS

    for command in (
        *ACCOUNT_COMMANDS,
        *LOG_COMMANDS,
        *POLICY_COMMANDS,
        *OVERSIGHT_COMMANDS,
        *AUDIT_COMMANDS,
        *PLATFORM_COMMANDS,
        *MATERIAL_COMMANDS,
    ):
        main.add_command(command)
    from web import cli_ops

    cli_ops.register(main)


_register()
