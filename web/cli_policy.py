"""CLI for rules: `pack check|publish|diff`, `decide`, `compliance`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from web.cli_common import RefusingGroup, current_runtime, time_option

from rules.pack import check_pack, diff_packs, load_pack


@click.group("pack", cls=RefusingGroup)
def pack_group() -> None:
    """规则包。"""


@pack_group.command("check")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def pack_check(directory: str) -> None:
    """校验规则包，逐条列出错误（文件、行号、原因）。"""
    errors = check_pack(directory)
    for e in errors:
        click.echo(str(e), err=True)
    if errors:
        click.echo(f"规则包有 {len(errors)} 处错误，不能发布", err=True)
        sys.exit(1)
    pack = load_pack(directory)
    click.echo(f"规则包 {pack.id} {pack.version} 校验通过：{len(pack.rules)} 条规则，摘要 {pack.digest[:16]}")


@pack_group.command("publish")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--publisher", default="reform_office", show_default=True)
@with_appcontext
def pack_publish(directory: str, publisher: str) -> None:
    """发布规则包：通过校验后存入登记库，并在所有进程中原子地切换生效。"""
    from application.packs import PackRefused, publish

    try:
        row = publish(current_runtime(), directory, publisher)
    except PackRefused as exc:
        for e in exc.errors:
            click.echo(str(e), err=True)
        click.echo("规则包未发布，原规则包继续生效", err=True)
        sys.exit(1)
    click.echo(f"已发布并生效：{row.pack} {row.version}（{row.digest[:16]}），日志序号 {row.log_index}")


@pack_group.command("diff")
@click.argument("a", type=click.Path(exists=True, file_okay=False))
@click.argument("b", type=click.Path(exists=True, file_okay=False))
@click.option("--effect", is_flag=True, help="列出新规则包会改变的、基于当前登记库的判定")
@with_appcontext
def pack_diff(a: str, b: str, effect: bool) -> None:
    """逐条比较两个规则包。"""
    pa, pb = load_pack(a), load_pack(b)
    changes = diff_packs(pa, pb)
    labels = {"added": "新增", "removed": "删除", "changed": "修改"}
    for c in changes:
        keys = f"（{', '.join(c.keys)}）" if c.keys else ""
        click.echo(f"{labels.get(c.change, c.change)} {c.rule} [{c.clause or '-'}]{keys}")
    if not changes:
        click.echo("两个规则包的规则相同")
    if effect:
        try:
            from application.analysis import decision_effect
        except ImportError:
            click.echo("（--effect 尚未实现）", err=True)
            sys.exit(2)
        for line in decision_effect(current_runtime(), pa, pb):
            click.echo(line)


@click.command("decide")
@click.option("--person", required=True, type=int)
@click.option("--action", required=True)
@click.option("--item", required=True)
@click.option("--at", default=None, help="时间（ISO-8601，无时区按北京时间）")
@click.option("--known-at", default=None)
@click.option("--place", default=None)
@click.option("--seal", default=None)
@with_appcontext
def decide_command(
    person: int, action: str, item: str, at: str | None, known_at: str | None, place: str | None, seal: str | None
) -> None:
    """一次判定，输出 JSON。"""
    import vocab

    try:
        action = vocab.to_code(vocab.DECISION_ACTIONS, action)
    except ValueError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    host = current_runtime().policy
    answer = host.decide(
        person, action, item, at=time_option(at), known_at=time_option(known_at), place=place, seal=seal
    )
    host.flush_decisions()
    click.echo(json.dumps(answer, ensure_ascii=False, indent=2, default=str))


@click.command("replay")
@click.argument("decision_id")
@with_appcontext
def replay_command(decision_id: str) -> None:
    """重放一次已记录的判定：用当时的规则包、按当时的 at 与 known_at 重新判定并比对。"""
    from registry.decision_log import find_decision
    from registry.facts import export_facts
    from registry.models import PackVersion
    from rules.replay import replay, same_decision
    from sqlalchemy import select
    from application.packs import load_stored_pack

    rt = current_runtime()
    with rt.reading() as session:
        record = find_decision(session, decision_id)
        if record is None:
            click.echo(f"错误：判定“{decision_id}”不存在（判定记录分批写入，请稍后再试）", err=True)
            sys.exit(2)
        row = session.scalar(select(PackVersion).where(PackVersion.digest == record.pack_digest).limit(1))
        if row is None:
            click.echo(f"错误：规则包 {record.pack_digest[:16]} 不在登记库中", err=True)
            sys.exit(2)
        pack = load_stored_pack(row, session)
        snapshot = export_facts(session)
    again = replay(pack, snapshot, record.request)
    logged = json.loads(json.dumps(record.answer))
    fresh = json.loads(json.dumps(again, default=str))
    same = same_decision(logged, fresh)
    click.echo(
        json.dumps(
            {"decision_id": decision_id, "same": same, "logged": logged, "replayed": fresh},
            ensure_ascii=False,
            indent=2,
        )
    )
    sys.exit(0 if same else 1)


@click.command("compliance")
@click.option("--department", default=None)
@click.option("--at", default=None)
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx", "text"]), default="text", show_default=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="xlsx 的输出文件（默认 compliance.xlsx）",
)
@with_appcontext
def compliance_command(department: str | None, at: str | None, fmt: str, output: Path | None) -> None:
    """合规报告。"""
    from application.compliance import as_text, report, write_xlsx

    result = report(current_runtime(), department=department, at=time_option(at))
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    elif fmt == "xlsx":
        path = output or Path("compliance.xlsx")
        write_xlsx(result, path)
        click.echo(f"已写入 {path}")
    else:
        click.echo(as_text(result))


COMMANDS = [pack_group, decide_command, replay_command, compliance_command]
