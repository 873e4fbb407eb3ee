"""`onehall audit`: the registry against the log's signed records (registry.audit)."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import with_appcontext

from web.cli_common import current_runtime


@click.command("audit")
@click.option("--full", is_flag=True, help="重新核验全部签名（默认只核验上次审计之后的记录）")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出全部结果")
@click.option("--workers", type=int, default=None, help="并行核验签名的进程数（默认：CPU 核数）")
@with_appcontext
def audit_command(full: bool, as_json: bool, workers: int | None) -> None:
    """从日志重建登记库状态，核验每条签名，并与数据库逐行逐字段比对；有不符则以非零状态退出。"""
    from application.auditing import audit_pass

    report, run_id = audit_pass(current_runtime(), incremental=not full, workers=workers)
    if as_json:
        click.echo(json.dumps({**report.to_json(), "run": run_id}, ensure_ascii=False, default=str))
    else:
        for problem in report.problems:
            click.echo(f"日志问题：{problem}")
        for difference in report.differences:
            click.echo(f"不符：{difference.text()}")
        click.echo(report.summary())
    sys.exit(0 if report.ok else 1)


COMMANDS = [audit_command]
