"""CLI of the city material dictionary (材料目录, docs/design.md §12.2): `materials import FILE`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from registry.services.context import Actor
from web.cli_common import RefusingGroup, current_runtime


@click.group("materials", cls=RefusingGroup)
def materials_group() -> None:
    """全市材料目录（政务服务部门维护）。"""


@materials_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path) -> None:
    """导入材料目录（xlsx 或 csv，列：目录编码、材料名称、类别、来源）；有任何错误则整份拒绝、不写入。"""
    from registry.material_io import import_dictionary

    with current_runtime().filing(Actor(name="cli-materials-import", role="gov_service")) as ctx:
        rows, created, changed = import_dictionary(ctx, file)
    click.echo(f"已读取 {rows} 条材料目录：新增 {created} 条，修改 {changed} 条，其余未变")


COMMANDS = (materials_group,)
