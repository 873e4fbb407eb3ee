"""Filings about the catalog: directory items, items and their review, sections, fee reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

import vocab
from registry.errors import ErrorList, NotFound, invalid
from registry.inputs.filings import DirectoryItemIn, FeeReviewIn, FunctionSectionIn, ItemIn, ItemReviewIn
from registry.models import Department, DirectoryItem, FeeReview, FunctionSection, Hall, ItemReview, ItemVersion
from registry.models.catalog import ITEM_FIELDS
from registry.services._common import code_of, ensure_new, file_coded, latest_item
from registry.services.context import FilingContext, iso
from registry.record_views import log_state
from registry.search import newest_published


def create_directory_item(ctx: FilingContext, body: DirectoryItemIn) -> DirectoryItem:
    ctx.require_role("reform_office", "gov_service")
    ensure_new(ctx.session, DirectoryItem, body.code, "目录")
    row = DirectoryItem(**body.model_dump())
    ctx.session.add(row)
    ctx.session.flush()
    ctx.changed("directory_item", row.code)
    return row


def create_function_section(ctx: FilingContext, body: FunctionSectionIn) -> FunctionSection:
    ctx.require_role("gov_service", "reform_office")
    return file_coded(ctx, FunctionSection, body, "功能板块", "function_section", ("lead_department",))


def set_function_section_chain(ctx: FilingContext, code: str, chain: list[str]) -> FunctionSection:
    ctx.require_role("gov_service", "reform_office")
    row = ctx.session.get(FunctionSection, code)
    if row is None:
        raise NotFound(f"功能板块“{code}”不存在")
    row.chain = list(chain)
    log_state(ctx, "function_section", row)
    return row


def _check_material_entries(ctx: FilingContext, rows: list[dict[str, Any]], errors: ErrorList, prefix: str) -> None:
    """A material's `entry` names an entry of the city material dictionary (docs/design.md §12.2)."""
    from registry.services.materials import known_entries

    wanted = [r.get("entry") for r in rows if r.get("entry")]
    known = known_entries(ctx.session, wanted) if wanted else set()
    for i, row in enumerate(rows):
        if row.get("entry") and row["entry"] not in known:
            errors.add(f"{prefix}materials[{i}].entry", f"材料目录中没有编码为“{row['entry']}”的材料")
        elif not row.get("entry"):
            row.pop("entry", None)


def validate_item(ctx: FilingContext, data: dict[str, Any], errors: ErrorList, prefix: str = "") -> dict[str, Any]:
    """Check one item dict (§3 shape); returns it with enum labels turned into codes."""
    out = {k: data.get(k) for k in ITEM_FIELDS}
    for required in ("code", "name", "department", "item_type", "case_type"):
        if not data.get(required):
            errors.add(prefix + required, "必填")
    out["item_type"] = code_of(errors, vocab.ITEM_TYPES, data.get("item_type"), prefix + "item_type")
    out["case_type"] = code_of(errors, vocab.CASE_TYPES, data.get("case_type"), prefix + "case_type")
    out["complexity"] = code_of(errors, vocab.COMPLEXITY, data.get("complexity") or "simple", prefix + "complexity")
    out["online_depth"] = code_of(
        errors, vocab.ONLINE_DEPTHS, data.get("online_depth") or "on_site", prefix + "online_depth"
    )
    for key in ("statutory_limit", "promised_limit", "promised_limit_2017"):
        limit = data.get(key)
        if limit is None:
            continue
        value = limit.get("value") if isinstance(limit, dict) else None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            errors.add(prefix + key, "时限须为非负数")
            continue
        unit = code_of(errors, vocab.LIMIT_UNITS, limit.get("unit"), prefix + key + ".unit")
        out[key] = {"value": value, "unit": unit}
    if data.get("department") and ctx.session.get(Department, data["department"]) is None:
        errors.add(prefix + "department", f"部门“{data['department']}”不存在")
    entry = data.get("entry")
    if entry is not None:
        if not isinstance(entry, dict) or ctx.session.get(Hall, entry.get("hall")) is None:
            errors.add(prefix + "entry", f"进驻大厅“{entry.get('hall') if isinstance(entry, dict) else entry}”不存在")
    if data.get("function_section") and ctx.session.get(FunctionSection, data["function_section"]) is None:
        errors.add(prefix + "function_section", f"功能板块“{data['function_section']}”不存在")
    for list_key in ("fees", "materials"):
        rows = data.get(list_key) or []
        seen: set[str] = set()
        for i, row in enumerate(rows):
            if not isinstance(row, dict) or not row.get("code") or not row.get("name"):
                errors.add(f"{prefix}{list_key}[{i}]", "须有编码和名称")
            elif row["code"] in seen:
                errors.add(f"{prefix}{list_key}[{i}].code", f"编码“{row['code']}”重复")
            else:
                seen.add(row["code"])
        out[list_key] = [dict(r) for r in rows if isinstance(r, dict)]
    _check_material_entries(ctx, out["materials"], errors, prefix)
    out["partners"] = list(data.get("partners") or [])
    out["joint"] = bool(data.get("joint", bool(out["partners"])))
    out["on_application"] = bool(data.get("on_application", True))
    # the flag and the case type say the same thing: 上报件 is a case type of its own (docs/design.md §12.2)
    out["report_up"] = bool(data.get("report_up", False)) or out.get("case_type") == "report_up"
    if out["report_up"] and out.get("case_type"):
        out["case_type"] = "report_up"
    if not isinstance(data.get("effective_from"), datetime):
        if data.get("effective_from") is not None:
            errors.add(prefix + "effective_from", "须为带时区的时间")
        out["effective_from"] = ctx.now
    return out


def file_item(ctx: FilingContext, body: ItemIn, *, publish: bool | None = None) -> ItemVersion:
    """A new version of an item. Departments file for review; gov_service and the reform office
    may file directly, which publishes the version at once. The model's fields are checked again
    against the registry (validate_item: departments, halls, sections, material entries)."""
    ctx.require_role("department", "gov_service", "reform_office")
    errors = ErrorList()
    clean = validate_item(ctx, body.model_dump(), errors)
    errors.raise_if_any("事项数据有误")
    ctx.require_department(clean["department"])
    previous = latest_item(ctx.session, clean["code"])
    if previous is not None and previous.department != clean["department"]:
        raise invalid("code", f"事项编码“{clean['code']}”已属于{previous.department}")
    version = (previous.version + 1) if previous else 1
    direct = ctx.actor.role in ("gov_service", "reform_office") if publish is None else publish
    row = ItemVersion(
        **clean,
        version=version,
        status="published" if direct else "filed",
        filed_at=ctx.now,
        filed_by=ctx.actor.body,
        published_at=ctx.now if direct else None,
        late_filed=ctx.is_late(clean["effective_from"]),
    )
    ctx.record(
        row,
        "item_filing",
        lambda: {"item": row.code, "version": row.version, "status": row.status, **_item_record(row)},
        ref=row.code,
        feed="item",
        feed_key=row.code,
    )
    return row


def _item_record(row: ItemVersion) -> dict[str, Any]:
    data = {k: getattr(row, k) for k in ITEM_FIELDS if k not in ("code",)}
    data["effective_from"] = iso(row.effective_from)
    return data


def review_item(ctx: FilingContext, code: str, body: ItemReviewIn) -> ItemReview:
    """The reform office approves (publishes) or returns the newest filed version of an item."""
    result, reasons = body.result, body.reasons
    ctx.require_role("reform_office")
    row = ctx.session.scalars(
        select(ItemVersion)
        .where(ItemVersion.code == code, ItemVersion.status == "filed")
        .order_by(ItemVersion.version.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"事项“{code}”没有待审核的版本")
    if result not in ("approved", "returned"):
        raise invalid("result", "审核结果须为“通过”（approved）或“退回”（returned）")
    if result == "returned" and not reasons:
        raise invalid("reasons", "退回须写明理由")
    row.status = "published" if result == "approved" else "returned"
    row.published_at = ctx.now if result == "approved" else None
    review = ItemReview(
        item_version=row.id, result=result, reasons=list(reasons or []), reviewer=ctx.actor.name, filed_at=ctx.now
    )
    ctx.record(
        review,
        "item_review",
        lambda: {
            "id": review.id,
            "item": code,
            "version": row.version,
            "result": result,
            "reasons": review.reasons,
            "reviewer": review.reviewer,
        },
        ref=code,
        feed="item",
        feed_key=code,
    )
    return review


def review_fee(ctx: FilingContext, item_code: str, body: FeeReviewIn) -> FeeReview:
    """The DRC checks a fee's basis and standard (XT-4.2); the fee may go unnamed where the item has one."""
    ctx.require_role("drc")
    item = latest_item(ctx.session, item_code)
    if item is None:
        raise NotFound(f"事项“{item_code}”不存在")
    fee_codes = {f["code"] for f in item.fees}
    fee = body.fee or (next(iter(fee_codes)) if len(fee_codes) == 1 else None)
    if fee not in fee_codes:
        raise invalid("fee", f"事项“{item_code}”没有收费项目“{fee}”")
    basis_ok, standard_ok = body.basis_ok, body.standard_ok
    if body.result == "approved" and not (basis_ok and standard_ok):
        missing = "、".join(x for x, ok in (("收费依据合法", basis_ok), ("收费标准合规", standard_ok)) if not ok)
        raise invalid("result", f"未确认{missing}，不能审查通过：请逐项核对并勾选，或选择“退回”并写明意见")
    if not (basis_ok and standard_ok) and not (body.note or "").strip():
        raise invalid("note", "依据或标准未通过核对，请写明审查意见（哪一项不符合、应如何改正）")
    body = body.model_copy(update={"fee": fee})
    row = FeeReview(**body.model_dump(), item=item_code, reviewer=ctx.actor.name, filed_at=ctx.now)
    ctx.record(
        row,
        "fee_review",
        lambda: {
            "id": row.id,
            "item": item_code,
            "fee": fee,
            "result": row.result,
            "basis_ok": row.basis_ok,
            "standard_ok": row.standard_ok,
            "note": row.note,
        },
    )
    return row


def published_items(session) -> list[ItemVersion]:
    """The implementation list: the newest published version of every item."""
    newest = newest_published()
    stmt = select(ItemVersion).join(newest, (ItemVersion.code == newest.c.code) & (ItemVersion.version == newest.c.v))
    return list(session.scalars(stmt.order_by(ItemVersion.department, ItemVersion.code)))
