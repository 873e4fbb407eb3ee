"""CLI for oversight: `scheduler` (clocks, alerts, checkpoints, findings) and `findings sync|list`."""

from __future__ import annotations

import json
import signal
import sys
import threading

import click
from flask.cli import with_appcontext

from web.cli_common import RefusingGroup, current_runtime, time_option


def _logging() -> None:
    """The scheduler's lines, and its signed acts (checkpoints), as JSON lines (web.jsonlog)."""
    from web import jsonlog

    jsonlog.configure(current_runtime().settings)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="只运行一轮（测试与运维检查用），输出 JSON")
@click.option("--interval", default=30.0, show_default=True, type=float, help="两轮之间的秒数")
@click.option(
    "--findings-every", default=10, show_default=True, type=int, help="每隔几轮同步一次问题清单（合规报告较耗时）"
)
@click.option("--at", default=None, help="只与 --once 同用：按此时间运行一轮（ISO-8601，无时区按北京时间）")
@with_appcontext
def scheduler_command(once: bool, interval: float, findings_every: int, at: str | None) -> None:
    """运行计时、预警、检查点与问题清单同步（每个部署只运行一个）。"""
    from application.scheduler import AlreadyRunning, LeaseLost, Scheduler, single_instance

    _logging()
    if at and not once:
        raise click.BadParameter("--at 只能与 --once 同用", param_hint="--at")
    rt = current_runtime()
    scheduler = Scheduler(rt, interval=interval, findings_every=findings_every)
    try:
        with single_instance(rt) as lease:
            scheduler.lease = lease
            if once:
                result = scheduler.run_once(time_option(at), findings=True)
                click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2, default=str))
                if result.errors:
                    sys.exit(1)
                return
            stop = threading.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
            scheduler.run_forever(stop)
    except (AlreadyRunning, LeaseLost) as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(1)


@click.group("findings", cls=RefusingGroup)
def findings_group() -> None:
    """问题清单（合规报告的问题及其处理经过）。"""


@findings_group.command("sync")
@click.option("--at", default=None, help="按此时间运行合规报告（默认现在）")
@with_appcontext
def findings_sync(at: str | None) -> None:
    """运行全市合规报告，同步问题清单并通知责任部门，输出 JSON 摘要。"""
    from application.scheduler import sync_findings

    _logging()
    result = sync_findings(current_runtime(), time_option(at))
    click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))


@findings_group.command("list")
@click.option("--state", default=None, help="open、notified、answered、escalated、closed")
@click.option("--department", default=None)
@with_appcontext
def findings_list(state: str | None, department: str | None) -> None:
    """列出问题清单。"""
    from sqlalchemy import select

    from registry.models import Finding
    from registry.services.findings import STATES

    stmt = select(Finding).order_by(Finding.department, Finding.clause, Finding.id)
    if state:
        stmt = stmt.where(Finding.state == state)
    if department:
        stmt = stmt.where(Finding.department == department)
    with current_runtime().reading() as session:
        rows = list(session.scalars(stmt))
    for f in rows:
        click.echo(f"{f.id}  [{STATES.get(f.state, f.state)}] [{f.clause}] {f.department or '全市'} · {f.text}")
    click.echo(f"共 {len(rows)} 项", err=True)


COMMANDS = [scheduler_command, findings_group]
