"""Small helpers shared by the filing services: lookups that name the field at fault."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

import vocab
from registry.errors import Conflict, ErrorList, NotFound, invalid
from registry.fastsql import run
from registry.models import Department, ItemVersion, Person
from registry.record_views import log_state

T = TypeVar("T")


def get_or_invalid(session: Session, model: type[T], key: Any, field: str, label: str) -> T:
    obj = session.get(model, key) if key is not None else None
    if obj is None:
        raise invalid(field, f"{label}“{key}”不存在")
    return obj


def ensure_new(session: Session, model: type, code: str, label: str) -> None:
    """Conflict when a `model` row under `code` exists already (codes are never reused)."""
    if session.get(model, code) is not None:
        raise Conflict(f"{label}编码“{code}”已存在")


def get_or_404(session: Session, model: type[T], key: Any, label: str) -> T:
    obj = session.get(model, key)
    if obj is None:
        raise NotFound(f"{label}“{key}”不存在")
    return obj


def code_of(errors: ErrorList, vocabulary: dict[str, str], value: Any, field: str) -> str | None:
    if value is None:
        return None
    try:
        return vocab.to_code(vocabulary, value)
    except ValueError as exc:
        errors.add(field, str(exc))
        return None


def file_coded(ctx: Any, model: type[T], body: Any, label: str, kind: str, departments: tuple[str, ...] = ()) -> T:
    """File a new coded row (a hall, a function section) from its model: the departments it names
    exist, its code is new, and its state is logged (registry.record_views.log_state)."""
    for field in departments:
        if getattr(body, field):
            department(ctx.session, getattr(body, field), field)
    ensure_new(ctx.session, model, body.code, label)
    row = model(**body.model_dump())
    log_state(ctx, kind, row)
    return row


def department(session: Session, code: str, field: str = "department") -> Department:
    return get_or_invalid(session, Department, code, field, "部门")


def person(session: Session, person_id: int, field: str = "person") -> Person:
    return get_or_invalid(session, Person, person_id, field, "人员")


def signed_departments(ctx, person_ids: Any) -> dict[Any, str | None]:
    """The department each person's signed record states (FilingContext.signed), never the row's:
    "one of our people" is a precondition an edited `people` row cannot satisfy (docs/design.md §12.3)."""
    ids = set(person_ids)
    return ctx.signed(
        lambda state: {i: (state.tables["people"].get(i) or {}).get("department") for i in ids}, kinds=("person",)
    )


def latest_item(session: Session, code: str, *, published_only: bool = False) -> ItemVersion | None:
    stmt = select(ItemVersion).where(ItemVersion.code == code)
    if published_only:
        stmt = stmt.where(ItemVersion.status == "published")
    return session.scalars(stmt.order_by(ItemVersion.version.desc()).limit(1)).first()


_PUBLISHED_ID = (
    select(ItemVersion.id)
    .where(ItemVersion.code == bindparam("code"), ItemVersion.status == "published")
    .order_by(ItemVersion.version.desc())
    .limit(1)
)


class PublishedItems:
    """`latest_item(..., published_only=True)` for a worker that asks it on every acceptance: which
    version is the newest published one is one indexed read on the driver each time; the version's
    row is loaded once per process, since a version is never updated in place but for its status
    (registry.models.catalog.ItemVersion), which that read checks. The rows given out are detached
    (read-only: no session's rollback expires them)."""

    MAX = 4096

    def __init__(self) -> None:
        self._rows: dict[int, ItemVersion] = {}

    def get(self, session: Session, code: str) -> ItemVersion | None:
        rows = run(session, _PUBLISHED_ID, code=code)
        if not rows:
            return None
        version_id = rows[0][0]
        item = self._rows.get(version_id)
        if item is None:
            item = session.get(ItemVersion, version_id)
            if item is None:  # pragma: no cover - the row just read
                return None
            session.expunge(item)
            if len(self._rows) >= self.MAX:
                self._rows.clear()
            self._rows[version_id] = item
        return item


def require_items(ctx, codes: Any, field: str, department_code: str | None = None) -> None:
    """`"*"` or a list of item codes that exist (and belong to the department, if given), as the
    items' signed filings state them (FilingContext.signed), never the rows: an `item_versions` row
    edited into a department lends it no item (docs/design.md §12.3)."""
    if codes == "*":
        return
    if not isinstance(codes, list) or not codes:
        raise invalid(field, "须为“*”或非空的事项编码列表")
    errors = ErrorList()
    wanted = set(codes)
    known = ctx.signed(
        lambda state: {c: (state._item_any(c) or {}).get("department") for c in wanted if state.versions.get(c)},
        kinds=("item_filing",),
    )
    for i, code in enumerate(codes):
        if code not in known:
            errors.add(f"{field}[{i}]", f"事项“{code}”不存在")
        elif department_code and known[code] != department_code:
            errors.add(f"{field}[{i}]", f"事项“{code}”不属于{department_code}")
    errors.raise_if_any("事项清单有误")


# What a person calls the start of an interval ("须晚于开始时间", never "须晚于from").
START_WORDS = {"valid_from": "生效时间", "from": "开始时间", "effective_from": "生效日期"}


def ensure_order(start, end, field_from: str, field_to: str) -> None:
    if end is not None and start is not None and end <= start:
        raise invalid(field_to, f"须晚于{START_WORDS.get(field_from, '开始时间')}")
