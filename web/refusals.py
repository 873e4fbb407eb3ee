"""The refusals a request or a command can meet, said once in Chinese for every door of the web
layer: the registry's errors (bad input, unknown or foreign records, conflicts), the rules' unknown
references, acts refused at the door (a seal use, an acceptance, a case step), and a worker that
stopped answering because the log's leaves fail their signed checkpoints (503 until an auditor
has looked: docs/design.md §12.3). The API answers
them as problem+json (web.api.problems), the pages as a flash or an error page (web.ui.errors),
the CLI as a message and an exit status (web.cli_common). Nothing was written when one is raised:
the transaction it rose through has rolled back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from application.acts import ActRefused
from registry.errors import RegistryError
from registry.signed_leaves import LogTampered
from rules.errors import UnknownReference

REFUSALS: tuple[type[Exception], ...] = (RegistryError, UnknownReference, ActRefused, LogTampered)


@dataclass
class Refusal:
    status: int
    title: str
    detail: str
    errors: list[dict[str, str]] | None = None  # by field: {"field", "message"}
    reasons: list[dict[str, Any]] | None = None  # an act's reasons (clause, rule, text)
    exit_code: int = 2  # the CLI's: 2 refused input, 3 refused act, 4 log tampered


def refusal_of(exc: Exception) -> Refusal:
    """One of REFUSALS, said for a person."""
    if isinstance(exc, ActRefused):
        return Refusal(403, exc.verdict, exc.detail, reasons=exc.reasons, exit_code=3)
    if isinstance(exc, UnknownReference):
        return Refusal(
            422,
            "引用的对象不存在",
            f"{exc.field}“{exc.value}”不存在",
            errors=[{"field": exc.field, "message": f"“{exc.value}”不存在"}],
        )
    if isinstance(exc, LogTampered):
        return Refusal(
            503,
            "日志校验未通过，暂停办理",
            f"{exc}。为防止依据被改动的记录作出答复，本服务已停止办理，请联系审计人员核查日志。",
            exit_code=4,
        )
    if isinstance(exc, RegistryError):
        return Refusal(exc.status, exc.title, exc.detail, errors=[e.as_dict() for e in exc.errors])
    raise TypeError(f"not a refusal: {exc!r}")


def reason_line(reason: dict[str, Any]) -> str:
    """One reason of a refused act, as a line: `[clause] rule：detail`."""
    return f"[{reason.get('clause')}] {reason.get('rule')}：{reason.get('detail') or reason.get('text')}"
