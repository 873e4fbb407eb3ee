"""CLI of the city material dictionary (材料目录, docs/design.md §12.2): `materials import FILE`."""

from __future__ import annotations

from pathlib import Path

import click

from registry.services.context import Actor
from web.cli_common import RefusingGroup, file_import


@click.group("materials", cls=RefusingGroup)
def materials_group() -> None:
    """全市材料目录（政务服务部门维护）。"""


@file_import(materials_group, Actor(name="cli-materials-import", role="gov_service"))
def import_command(ctx, file: Path) -> str:
    """导入材料目录（xlsx 或 csv，列：目录编码、材料名称、类别、来源）；有任何错误则整份拒绝、不写入。"""
    from registry.material_io import import_dictionary

    rows, created, changed = import_dictionary(ctx, file)
    return f"已读取 {rows} 条材料目录：新增 {created} 条，修改 {changed} 条，其余未变"


COMMANDS = (materials_group,)
