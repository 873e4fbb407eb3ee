"""The integrated platform's applications, its outages, and the facts the door reads (docs/design.md §12.1).

The platform (role `platform`, or an import of its export) reports each application: its
platform number, the item, the applicant (kept only as the keyed application key) and the time.
Each report and declaration is a signed record. An acceptance is decided at the door on those
records folded (registry.signed_cases), never on these rows, inside the write transaction and
under the log's lock, so two workers or hosts never both accept the same application (两头受理)
and an edited row changes no acceptance (`onehall audit` names it).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from registry.errors import Conflict, ErrorList, invalid
from registry.models import Case, Department
from registry.models.platform import PlatformApplication, PlatformOutage
from registry.services._common import ensure_order, latest_item
from registry.services.context import FilingContext, iso
from registry.signed_cases import CASE_KINDS

SOURCES = {"api": "平台推送", "import": "平台导出导入"}


def application_key(secret: bytes, applicant: str, item: str, application_date: datetime) -> str:
    """HMAC of applicant + item + application date: finds 两头受理 without storing who applied."""
    message = f"{applicant}|{item}|{application_date.date().isoformat()}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


# ------------------------------------------------------------------ what the platform reports


def report_application(
    ctx: FilingContext, data: dict[str, Any], *, secret: bytes, source: str = "api"
) -> PlatformApplication:
    """Record one application the platform reported, and complete the acceptances made for it
    during an outage ("pending platform record")."""
    ctx.require_role("platform", "gov_service")
    errors = ErrorList()
    number = str(data.get("platform_no") or "").strip()
    if not number:
        errors.add("platform_no", "缺少一体化平台申报号")
    item = latest_item(ctx.session, data.get("item") or "", published_only=True)
    if item is None:
        errors.add("item", f"事项“{data.get('item')}”不在实施清单中")
    if not str(data.get("applicant") or "").strip():
        errors.add("applicant", "缺少申请人")
    if data.get("applied_at") is None:
        errors.add("applied_at", "缺少申报时间")
    errors.raise_if_any("平台申报记录不完整")
    if ctx.session.get(PlatformApplication, number) is not None:
        raise Conflict(f"一体化平台申报号“{number}”已报送")
    key = application_key(secret, str(data["applicant"]).strip(), item.code, data["applied_at"])
    row = PlatformApplication(
        platform_no=number,
        item=item.code,
        application_key=key,
        applied_at=data["applied_at"],
        source=source,
        filed_at=ctx.now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    row.log_index = ctx.log(
        "platform_application",
        {
            "platform_no": number,
            "item": item.code,
            "application_key": key,
            "applied_at": iso(row.applied_at),
            "source": source,
        },
        ref=number,
    ).index
    _complete_pending(ctx, row)
    return row


def _complete_pending(ctx: FilingContext, app: PlatformApplication) -> None:
    """The open cases accepted during an outage for this application (as their signed records
    state) now have their platform record."""
    pending = ctx.signed(
        lambda state: [c["number"] for c in state.pending_cases_of(app.application_key, app.platform_no)],
        kinds=CASE_KINDS,
    )
    for number in pending:
        case = ctx.session.get(Case, number)
        if case is not None:
            case.platform_no, case.pending_platform, case.platform_record = app.platform_no, False, True
            ctx.session.flush()
        ctx.log("case_platform_record", {"case": number, "platform_no": app.platform_no}, ref=number)
        ctx.changed("case", number)


# ------------------------------------------------------------------ outages


def declare_outage(ctx: FilingContext, data: dict[str, Any]) -> PlatformOutage:
    """The government service department declares a platform outage [start, end) (signed)."""
    ctx.require_role("gov_service")
    errors = ErrorList()
    for name, label in (("start", "开始时间"), ("end", "结束时间"), ("reason", "停机原因")):
        if not data.get(name):
            errors.add(name, f"缺少{label}")
    errors.raise_if_any("平台停机记录不完整")
    ensure_order(data["start"], data["end"], "start", "end")
    body = ctx.session.scalar(select(Department.code).where(Department.kind == "gov_service").limit(1))
    if body is None:
        raise invalid("declared_by", "没有登记政务服务部门，无法声明平台停机")
    row = PlatformOutage(
        start=data["start"], end=data["end"], reason=str(data["reason"]), declared_by=body, filed_at=ctx.now
    )
    ctx.session.add(row)
    ctx.session.flush()
    row.log_index = ctx.log(
        "platform_outage",
        {"id": row.id, "start": iso(row.start), "end": iso(row.end), "reason": row.reason, "declared_by": body},
        ref=row.id,
    ).index
    return row


# ------------------------------------------------------------------ the door's facts


@dataclass(frozen=True)
class DoorFacts:
    """What an acceptance is decided on, read in the write transaction under the log's lock."""

    platform_no: str | None  # the application's platform number (given, or found by key)
    application: dict | None  # the platform record: {"item", "applied_at"} or None
    open_cases: tuple[dict, ...]  # open cases of the same application: {"number", "place"}
    outage: dict | None  # the declared outage covering an unreported acceptance, if any
    item: str


def door_facts(state, *, item: str, platform_no: str | None, key: str, at: datetime) -> DoorFacts:
    """What the door decides on, from the signed records folded (registry.signed_cases: `state` as
    FilingContext.signed hands it, holding every committed record while this transaction holds the
    log's lock, which every acceptance takes first): never the rows, so an edited or deleted row
    changes no acceptance (docs/design.md §12.3), and nothing can slip in before the case row."""
    app = state.application_of(platform_no, key, item)
    number = platform_no or (app["platform_no"] if app else None)
    keys = {key} | ({app["application_key"]} if app else set())
    others = tuple({"number": c["number"], "place": c["place"]} for c in state.open_cases_of(keys, number))
    outage = state.outage_at(at) if app is None else None  # an outage only excuses a missing record
    return DoorFacts(
        platform_no=number,
        application={"item": app["item"], "applied_at": app["applied_at"]} if app else None,
        open_cases=others,
        item=item,
        outage={"id": outage["id"], "start": outage["start"], "end": outage["end"]} if outage else None,
    )


def mark_step(case: Case, step: str) -> None:
    """An issued case is closed, a returned one returned: neither blocks a new acceptance."""
    if step == "issued":
        case.status = "closed"
    elif step == "returned":
        case.status = "returned"
