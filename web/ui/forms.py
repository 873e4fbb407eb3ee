"""Forms of the pages: errors beside their fields, the one runner of a filing (file_with, submit),
acts decided at the door (act_with), and reading form input (times in Asia/Shanghai, ids, codes)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from flask import Response, current_app, flash, g, redirect

from application.acts import ActRefused
from application.runtime import actor_of
from registry.errors import RegistryError
from vocab.clock import SHANGHAI, as_utc
from web.context import runtime


# --- form errors -----------------------------------------------------------------------------


@dataclass
class FormErrors:
    """Errors of one submitted form: a summary and messages by field name (the service's names)."""

    detail: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)
        if not self.detail:
            self.detail = "表单中有字段不正确"

    def __bool__(self) -> bool:
        return bool(self.detail or self.fields)

    def of(self, name: str) -> list[str]:
        """Messages for `name` and its parts (`items` also shows `items[2]`, `grantee` shows `grantee.person`)."""
        out: list[str] = []
        for key, msgs in self.fields.items():
            if key == name or key.startswith((name + ".", name + "[")):
                out.extend(msgs)
        return out

    @classmethod
    def from_exc(cls, exc: RegistryError) -> "FormErrors":
        errs = cls(detail=exc.detail)
        for e in exc.errors:
            errs.fields.setdefault(e.field, []).append(e.message)
        return errs


def touch_policy() -> None:
    """Let this worker's decision index see a filing at once (as the API does); a worker
    whose engine is not built yet builds it current on first use."""
    host = getattr(runtime(), "policy_if_ready", None)
    if host is not None:
        try:
            host.refresh()
        except Exception:  # pragma: no cover - the index catches up on the next question
            current_app.logger.exception("policy refresh after a filing failed")


def file_with(action: Callable[[Any], Any]) -> tuple[Any, FormErrors | None]:
    """Run one filing in one transaction as the signed-in user. `action(ctx)` returns plain
    values (the ORM rows are closed when the transaction ends). A RegistryError changes
    nothing and comes back as FormErrors."""
    try:
        with runtime().filing(actor_of(g.principal)) as ctx:
            result = action(ctx)
    except RegistryError as exc:
        return None, FormErrors.from_exc(exc)
    touch_policy()
    return result, None


@dataclass
class Outcome:
    """What an act run for a page came to (act_with)."""

    result: Any = None
    errors: FormErrors = field(default_factory=FormErrors)
    refused: ActRefused | None = None
    status: int = 200

    @property
    def done(self) -> bool:
        return self.refused is None and not self.errors


def act_with(act: Callable[[], Any]) -> Outcome:
    """An act decided at the door (application.acts) run for a page: its result; or the refusal, to
    show with its reasons beside the form (403); or the service's field errors (422; 404 for a
    record that is not there). Nothing was written unless it is done."""
    try:
        return Outcome(result=act())
    except ActRefused as exc:
        return Outcome(refused=exc, status=403)
    except RegistryError as exc:
        return Outcome(errors=FormErrors.from_exc(exc), status=404 if exc.status == 404 else 422)


def submit(
    errors: FormErrors, action: Callable[[Any], Any], said: Callable[[Any], str], to: str
) -> tuple[Response | None, FormErrors]:
    """The one runner of a posted form: when the form read cleanly, `action(ctx)` files it (file_with);
    filed, a flash `said(result)` and a redirect to `to`; otherwise no response and the errors to
    show beside the fields (the form's own, or the service's), for a 422 page."""
    if not errors:
        result, refused = file_with(action)
        if refused is None:
            flash(said(result), "ok")
            return redirect(to), errors
        errors = refused
    return None, errors


def from_now(ctx: Any, data: dict[str, Any], name: str = "from") -> dict[str, Any]:
    """`data` with its `name` time defaulting to the filing's own time."""
    data[name] = data[name] or ctx.now
    return data


# --- parsing form input ---------------------------------------------------------------------


def parse_time(
    value: str | None, name: str, errors: FormErrors, *, required: bool = False, default: datetime | None = None
) -> datetime | None:
    """A date or datetime-local input, read in Asia/Shanghai; returned in UTC."""
    text = (value or "").strip()
    if not text:
        if required and default is None:
            errors.add(name, "必填")
        return default
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        errors.add(name, f"“{text}”不是有效的日期或时间（如 2019-01-01 或 2019-01-01T09:00）")
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SHANGHAI)
    return dt.astimezone(timezone.utc)


def parse_int(value: str | None, name: str, errors: FormErrors, *, required: bool = True) -> int | None:
    text = (value or "").strip()
    if not text:
        if required:
            errors.add(name, "必填")
        return None
    from web.input_guard import is_id

    if not is_id(text):
        errors.add(name, "须为编号")
        return None
    return int(text)


def period(form: Any, errors: FormErrors) -> dict[str, datetime | None]:
    """A form's `from` and `to` times (the end may be left empty)."""
    return {"from": parse_time(form.get("from"), "from", errors), "to": parse_time(form.get("to"), "to", errors)}


def split_codes(value: str | None) -> list[str]:
    return [c for c in re.split(r"[\s,，、;；]+", value or "") if c]


def local_input(value: datetime | None) -> str:
    """A UTC time as the value of a datetime-local input (Asia/Shanghai)."""
    if value is None:
        return ""
    return as_utc(value).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
