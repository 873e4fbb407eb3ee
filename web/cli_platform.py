"""CLI of the integrated platform and acceptances: `platform import FILE`, `platform outage`,
`case accept` (the same door as POST /api/v1/cases: decided first, refused with reasons)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from registry.services.context import Actor
from web.cli_common import RefusingGroup, current_runtime, file_import, model_option, time_option


@click.group("platform", cls=RefusingGroup)
def platform_group() -> None:
    """一体化平台：申报记录导入、停机声明。"""


@file_import(platform_group, Actor(name="cli-platform-import", role="platform"))
def import_command(ctx, file: Path) -> str:
    """导入一体化平台导出的申报记录（xlsx 或 csv）；有任何错误则整份拒绝、不写入。"""
    from registry.platform_io import import_applications
    from web.api.platform_views import commitment_secret

    n = import_applications(ctx, file, secret=commitment_secret(current_runtime()))
    return f"已导入 {n} 条一体化平台申报记录"


@platform_group.command("outage")
@click.option("--start", required=True, help="停机开始（ISO-8601，无时区按北京时间）")
@click.option("--end", required=True, help="停机结束")
@click.option("--reason", required=True, help="停机原因")
@with_appcontext
def outage_command(start: str, end: str, reason: str) -> None:
    """以政务服务部门名义声明一体化平台停机（签名记入日志）。"""
    from registry.services import platform

    with current_runtime().filing(Actor(name="cli-outage", role="gov_service")) as ctx:
        row = platform.declare_outage(ctx, {"start": time_option(start), "end": time_option(end), "reason": reason})
        out = {"id": row.id, "log_index": row.log_index}
    click.echo(json.dumps(out, ensure_ascii=False))


@click.group("case", cls=RefusingGroup)
def case_group() -> None:
    """办件。"""


@case_group.command("accept")
@click.option("--number", required=True, help="办件编号")
@click.option("--item", required=True, help="事项编码")
@click.option("--place", required=True, help="受理场所代码")
@click.option("--person", required=True, type=int, help="受理人编号")
@click.option("--applicant", required=True, help="申请人")
@click.option("--platform-no", default=None, help="一体化平台申报号")
@click.option("--at", "at", default=None, help="受理时间（默认现在）")
@with_appcontext
def accept_command(
    number: str, item: str, place: str, person: int, applicant: str, platform_no: str | None, at: str | None
) -> None:
    """登记受理：先判定（两头受理、体外循环、内部科室一律拒绝），被拒绝时什么也不写入。"""
    from registry.inputs.filings import CaseIn
    from registry.services.accounts import Principal
    from application.casework import accept_case

    principal = Principal(user_id=0, name="cli-window", role="window", department=None, person=person)
    fields = {"number": number, "item": item, "place": place, "person": person, "applicant": applicant}
    body = model_option(CaseIn, {**fields, "platform_no": platform_no, "accepted_at": time_option(at)})
    case = accept_case(current_runtime(), principal, body)  # refused: said with its reasons, exit 3
    click.echo(
        json.dumps(
            {
                "number": case.number,
                "platform_no": case.platform_no,
                "log_index": case.log_index,
                "pending_platform": case.pending_platform,
            },
            ensure_ascii=False,
        )
    )


COMMANDS = (platform_group, case_group)
