"""CLI for accounts (docs/design.md §12.4): `user create|disable|enable`, `token create|list|revoke`."""

from __future__ import annotations

import sys
from datetime import datetime

import click
from flask.cli import with_appcontext

from web.cli_common import RefusingGroup, current_runtime
from vocab.clock import SHANGHAI


def beijing(value: datetime | None) -> str:
    return "-" if value is None else value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


@click.group("user", cls=RefusingGroup)
def user_group() -> None:
    """用户管理。"""


@user_group.command("create")
@click.argument("name")
@click.option("--role", required=True)
@click.option("--department", default=None)
@click.option("--person", default=None, type=int)
@with_appcontext
def user_create(name: str, role: str, department: str | None, person: int | None) -> None:
    """新建用户；密码在非终端时从标准输入读取，否则提示输入。"""
    from registry.services.accounts import create_user

    if sys.stdin.isatty():
        password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    with current_runtime().filing_session() as session:
        user = create_user(session, name, role, password or None, department=department, person=person)
        click.echo(f"已创建用户 {user.name}（{user.role}）", err=True)


@user_group.command("disable")
@click.argument("name")
@with_appcontext
def user_disable(name: str) -> None:
    """停用用户：其登录会话结束，令牌在各工作进程一秒内失效。"""
    _switch_user(name, enabled=False)


@user_group.command("enable")
@click.argument("name")
@with_appcontext
def user_enable(name: str) -> None:
    """重新启用用户（其旧会话不恢复，令牌仍按各自的撤销与到期状态）。"""
    _switch_user(name, enabled=True)


def _switch_user(name: str, *, enabled: bool) -> None:
    from registry.services.accounts import disable_user, enable_user

    with current_runtime().filing_session() as session:
        (enable_user if enabled else disable_user)(session, name)
    click.echo(f"已{'启用' if enabled else '停用'}用户 {name}")


@click.group("token", cls=RefusingGroup)
def token_group() -> None:
    """接口令牌。"""


@token_group.command("create")
@click.argument("name")
@click.option("--place", default=None, help="令牌绑定的场所编码")
@click.option("--days", default=None, type=click.IntRange(1, 3 * 365), help="有效天数（默认 365 天）")
@click.option("--note", default=None, help="备注（如用途、设备）")
@with_appcontext
def token_create(name: str, place: str | None, days: int | None, note: str | None) -> None:
    """为用户 NAME 签发令牌；标准输出只打印令牌。"""
    from registry.services.tokens import create_token

    with current_runtime().filing_session() as session:
        token = create_token(session, name, place, days=days, note=note)
    click.echo(token)


@token_group.command("list")
@click.option("--user", "user_name", default=None, help="只列出此用户的令牌")
@click.option("--all", "show_all", is_flag=True, help="也列出已撤销、已过期的令牌")
@with_appcontext
def token_list(user_name: str | None, show_all: bool) -> None:
    """列出令牌（编号、用户、场所、签发与到期时间、状态）；不显示令牌本身。"""
    from registry.services.tokens import list_tokens

    with current_runtime().reading() as session:
        rows = list_tokens(session, user_name=user_name, include_ended=show_all)
    for r in rows:
        click.echo(
            "\t".join(
                [
                    str(r.id),
                    r.user,
                    r.place or "-",
                    beijing(r.created_at),
                    beijing(r.expires_at),
                    TOKEN_STATES[r.state],
                    r.note or "",
                ]
            )
        )
    click.echo(f"共 {len(rows)} 个令牌", err=True)


TOKEN_STATES = {"active": "有效", "revoked": "已撤销", "expired": "已过期"}


@token_group.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
@with_appcontext
def token_revoke(token_id: int) -> None:
    """撤销编号为 TOKEN_ID 的令牌（见 token list）；各工作进程一秒内拒绝它。"""
    from registry.services.tokens import revoke_token_id

    with current_runtime().filing_session() as session:
        row = revoke_token_id(session, token_id)
    click.echo(f"已撤销令牌 {row.id}（用户 {row.user}）")


COMMANDS = [user_group, token_group]
