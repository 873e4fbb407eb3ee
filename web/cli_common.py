"""Helpers shared by the CLI modules: the app's runtime and time options."""
from __future__ import annotations

import sys

import click

from registry.errors import RegistryError
from web.context import runtime as current_runtime  # noqa: F401  (the runtime the command runs in)


def fail(exc: RegistryError) -> None:
    """Say a refusal in Chinese, field by field, and exit 2."""
    click.echo(f"错误：{exc.detail}", err=True)
    for e in exc.errors:
        click.echo(f"  - {e.field}: {e.message}", err=True)
    sys.exit(2)


def time_option(value: str | None):
    """A --at style option: ISO-8601, read as Asia/Shanghai without an offset; None stays None."""
    if value is None:
        return None
    from web.api.types import parse_time
    try:
        return parse_time(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
