"""Helpers shared by the CLI modules: the app's runtime, time options, and the one mapping of
refusals (web.refusals) to a Chinese message and an exit status for every command."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn

import click
from flask.cli import with_appcontext

from web.context import runtime as current_runtime  # noqa: F401  (the runtime the command runs in)
from web.refusals import REFUSALS, reason_line, refusal_of


def fail(exc: Exception) -> NoReturn:
    """Say a refusal in Chinese, field by field or reason by reason, and exit 2 (refused input)
    or 3 (an act refused at the door)."""
    said = refusal_of(exc)
    if said.reasons is not None:
        click.echo(f"{said.title}：{said.detail}", err=True)
        for r in said.reasons:
            click.echo(f"  - {reason_line(r)}", err=True)
    else:
        click.echo(f"错误：{said.detail}", err=True)
        for e in said.errors or []:
            click.echo(f"  - {e['field']}: {e['message']}", err=True)
    sys.exit(said.exit_code)


class Refusing:
    """Mixed into a click group: a refusal raised by any command below it is said by `fail`."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except REFUSALS as exc:
            fail(exc)


class RefusingGroup(Refusing, click.Group):
    """A command group whose commands let refusals rise (see Refusing)."""


def model_option(model: Any, fields: dict[str, Any]) -> Any:
    """A filing's model (registry.inputs) built from a command's options; refused input is said
    field by field in the API's Chinese (exit 2), nothing written."""
    from pydantic import ValidationError

    from registry.errors import FieldError, Invalid
    from registry.inputs.errors import field_errors

    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        fail(Invalid("输入有误", [FieldError(e["field"], e["message"]) for e in field_errors(exc)]))


def file_import(group: click.Group, actor: Any) -> Callable[[Callable[[Any, Path], str]], click.Command]:
    """Make `said = fn(ctx, file)` GROUP's `import FILE` command (its docstring the help): FILE, an
    existing file, imported in one filing as `actor` (all or nothing), then `said` printed."""

    def decorate(fn: Callable[[Any, Path], str]) -> click.Command:
        @group.command("import", help=inspect.getdoc(fn))
        @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
        @with_appcontext
        def import_command(file: Path) -> None:
            with current_runtime().filing(actor) as ctx:
                said = fn(ctx, file)
            click.echo(said)

        return import_command

    return decorate


def time_option(value: str | None):
    """A --at style option: ISO-8601, read as Asia/Shanghai without an offset; None stays None."""
    if value is None:
        return None
    from registry.inputs.types import parse_time

    try:
        return parse_time(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
