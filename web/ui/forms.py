"""Forms of the pages: errors beside their fields, the one runner of a filing (file_with, submit),
acts decided at the door (act_with), and reading form input (times in Asia/Shanghai, ids, codes)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import UnionType
from typing import Annotated, Any, Callable, Literal, TypeVar, Union, get_args, get_origin

from flask import Response, current_app, flash, g, redirect, request
from pydantic import BaseModel, ValidationError

from application.acts import ActRefused
from application.runtime import actor_of
from registry.errors import RegistryError
from registry.inputs.errors import field_errors
from registry.inputs.types import Blank
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


M = TypeVar("M", bound=BaseModel)


def read_form(model: type[M], data: dict[str, Any], errors: FormErrors | None = None) -> tuple[M | None, FormErrors]:
    """A form's fields (named as the filing's model names them) read through the filing's own model
    (registry.inputs): the model, or None and its errors beside their fields, in the API's Chinese.
    Text is stripped; an empty field is a field left out (its default, or 必填). `errors`: what the
    page already found wrong in the form (the model's are added; no model then)."""
    fields = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
    fields = {k: v for k, v in fields.items() if v is not None and v != ""}
    errors = errors if errors is not None else FormErrors()
    try:
        body = model.model_validate(fields)
    except ValidationError as exc:
        for e in field_errors(exc):
            errors.add(e["field"], blank_message(model, e["field"]) if e["message"] == MISSING else e["message"])
        return None, errors
    return (None if errors else body), errors


MISSING = "缺少必填字段"  # registry.inputs.errors: the API's word for a field left out


def blank_message(model: type[BaseModel], name: str) -> str:
    """What the form says of field `name` left empty: the model's Blank, or 必填."""
    info = next((f for n, f in model.model_fields.items() if name in (n, f.alias)), None)
    said = [m.message for m in (info.metadata if info else []) if isinstance(m, Blank)]
    return said[0] if said else "必填"


def form_id(value: str | None) -> int | str | None:
    """A form's row id as a model reads it: digits as the number, blank as None (left out), anything
    else as given (the model refuses it)."""
    from web.input_guard import is_id

    text = (value or "").strip()
    return int(text) if is_id(text) else text or None


def item_scope(form: Any) -> str | list[str]:
    """The items a grant or a delegation covers: "*" (all of the department's) or those ticked."""
    return "*" if form.get("items_scope", "*") == "*" else form.getlist("items")


def form_fields(model: type[BaseModel], form: Any) -> dict[str, Any]:
    """A form's fields read by the filing model's own declaration: each field under its name (or
    alias: `from`); a row id as a number (form_id); a list from its ticked boxes; a field taking "*"
    or a list from the `items_scope` choice (item_scope). Nested models are the page's to read."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key, kinds = info.alias or name, _kinds(info.annotation)
        if any(get_origin(k) is Literal and get_args(k) == ("*",) for k in kinds):
            out[key] = item_scope(form)
        elif any(k is list or get_origin(k) is list for k in kinds):
            out[key] = form.getlist(key)
        elif bool in kinds:  # a checkbox: sent when ticked
            out[key] = form.get(key) in ("1", "on", "true")
        elif int in kinds:
            out[key] = form_id(form.get(key))
        else:
            out[key] = form.get(key)
    return out


def _kinds(annotation: Any) -> list[Any]:
    """The types a field's annotation allows (the arms of a union, without Annotated's metadata)."""
    arms = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
    return [get_args(k)[0] if get_origin(k) is Annotated else k for k in arms]


@dataclass
class Posted:
    """A page's form after its request (take_form): the posted form (None on GET), its errors and
    the page's status; or, filed, the redirect to answer with."""

    form: Any
    errors: FormErrors
    status: int = 200
    response: Response | None = None

    def shown(self, defaults: dict[str, Any]) -> Any:
        """What the form shows: as posted, or on GET its defaults."""
        return defaults if self.form is None else self.form

    def in_row(self, errors_for: Any) -> dict[str, Any]:
        """The page's context where each row of a list holds this form: the row it was posted
        for (`errors_for`), its values and its errors."""
        return {"errors_for": errors_for, "errors": self.errors, "form": self.shown({})}


def not_posted() -> Posted:
    """A page's forms before any is posted."""
    return Posted(None, FormErrors())


def take_form(
    model: type[M], file: Callable[[Any, M], str], to: str, read: Callable[[Any], dict[str, Any]] | None = None
) -> Posted:
    """The one shape of a page's form. GET: nothing to do. POST: the form read through the filing's
    `model` (read_form; `read(form)` gives its fields, by default form_fields); `file(ctx, body)`
    files it and says what it did (file_with), flashed before the redirect to `to`; otherwise the
    posted form with its errors beside the fields (the model's or the service's), for a 422 page."""
    if request.method != "POST":
        return not_posted()
    form = request.form
    body, errors = read_form(model, read(form) if read else form_fields(model, form))
    if body is not None:
        done, errors = submit(errors, lambda ctx: file(ctx, body), lambda said: said, to)
        if done is not None:
            return Posted(form, errors, done.status_code, done)
    return Posted(form, errors, 422)


def filing_form(
    model: type[M], file: Callable[[Any, M], Any], said: str, **from_url: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A page whose form files one filing: the view gets `posted` (take_form) to show. The form is
    read by the model (form_fields), with `from_url` naming the model's fields taken from the page's
    URL (department="dept"); `file(ctx, body)` files it; `said` is flashed, formatted with the filed
    row (`{row.log_index}`); then back to the page."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def page(**kwargs: Any) -> Any:
            given = {name: kwargs[arg] for name, arg in from_url.items()}
            posted = take_form(
                model,
                lambda ctx, body: said.format(row=file(ctx, body)),
                request.path,
                lambda form: {**form_fields(model, form), **given},
            )
            return posted.response or view(**kwargs, posted=posted)

        return page

    return decorate


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


def split_codes(value: str | None) -> list[str]:
    return [c for c in re.split(r"[\s,，、;；]+", value or "") if c]


def local_input(value: datetime | None) -> str:
    """A UTC time as the value of a datetime-local input (Asia/Shanghai)."""
    if value is None:
        return ""
    return as_utc(value).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
