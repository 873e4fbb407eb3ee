"""The city material dictionary (材料目录, docs/design.md §12.2) as the government service department
keeps it: the entries listed and searched, page by page; a dictionary file (xlsx or csv) uploaded,
checked by the same reader as `onehall materials import` (problems by row and column, nothing
written), shown as what it would add and change, then filed, signed, on confirmation through the
same service (registry.material_io)."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select

from registry import material_io
from registry.errors import FieldError, Invalid
from registry.models import MaterialEntry
from registry.services import materials
from registry.table_import import MAX_UPLOAD_BYTES
from web.context import runtime
from web.ui.common import FormErrors, RolePages, file_with, paginate

pages = RolePages("gov_service")

SHOWN = 200  # entries listed in a preview (the counts are always whole)
CARRIED_MAX = 480_000  # the preview's rows carried to the confirmation: a form field under Flask's limit


def carry(rows: list[tuple[int, dict[str, Any]]]) -> str:
    """The checked rows as the confirmation form carries them (compressed JSON)."""
    packed = [[n, *(e[f] for f in materials.FIELDS)] for n, e in rows]
    raw = json.dumps(packed, ensure_ascii=False, separators=(",", ":")).encode()
    return base64.b64encode(gzip.compress(raw)).decode()


def uncarry(text: str) -> list[tuple[int, dict[str, Any]]]:
    """The rows a confirmation carries; Invalid when they cannot be read (they are checked again anyway)."""
    try:
        packed = json.loads(gzip.decompress(base64.b64decode(text.encode(), validate=True)))
        return [(int(r[0]), dict(zip(materials.FIELDS, r[1:]))) for r in packed]
    except (binascii.Error, OSError, EOFError, ValueError, TypeError, IndexError):
        raise Invalid("确认数据无法读取", [FieldError("文件", "请重新上传材料目录文件")]) from None


def _list(q: str):
    """The entries whose code, name, category or source holds `q` (any case, spaces ignored), by code."""
    stmt = select(MaterialEntry).order_by(MaterialEntry.code)
    key = "".join(q.split()).lower()
    if key:
        columns = (MaterialEntry.code, MaterialEntry.name, MaterialEntry.category, MaterialEntry.source)
        stmt = stmt.where(or_(*(func.lower(c).contains(key, autoescape=True) for c in columns)))
    return stmt


def _render(q: str = "", preview: dict[str, Any] | None = None, errors: FormErrors | None = None, status: int = 200):
    with runtime().reading() as session:
        page = paginate(session, _list(q))
        total = session.scalar(select(func.count()).select_from(MaterialEntry)) or 0
        return render_template(
            "gs/materials.html",
            page=page,
            q=q,
            total=total,
            preview=preview,
            errors=errors or FormErrors(),
            max_mb=MAX_UPLOAD_BYTES // 1024 // 1024,
            headers=material_io.HEADERS,
        ), status


@pages.get("/gs/materials")
def gs_materials():
    return _render(request.args.get("q", ""))


@pages.post("/gs/materials")
def gs_materials_import():
    """Step 1 (`check`): the upload read and checked → its problems, or what it adds and changes.
    Step 2 (`import`): the rows carried from step 1 checked again and filed, all or nothing."""
    if request.form.get("step") == "import":
        try:
            rows = uncarry(request.form.get("rows") or "")
        except Invalid as exc:
            return _render(errors=FormErrors.from_exc(exc), status=422)
        result, errors = file_with(lambda ctx: material_io.import_rows(ctx, rows))
        if errors:
            return _render(errors=errors, status=422)
        read, created, changed = result
        flash(f"已导入 {read} 条材料目录：新增 {created} 条，修改 {changed} 条，其余未变", "ok")
        return redirect(url_for("ui.gs.gs_materials"))
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise Invalid("请选择文件", [FieldError("文件", "请选择材料目录文件（xlsx 或 CSV）")])
        rows = material_io.read_upload(upload.stream.read(MAX_UPLOAD_BYTES + 1), upload.filename)
    except Invalid as exc:
        return _render(errors=FormErrors.from_exc(exc), status=422)
    carried = carry(rows)
    if len(carried) > CARRIED_MAX:
        errors = FormErrors("材料目录文件条目过多，无法一次确认导入")
        errors.add("文件", f"共 {len(rows)} 条：请拆分为几个较小的文件分批导入，或用命令 onehall materials import 导入")
        return _render(errors=errors, status=422)
    with runtime().reading() as session:
        changes = materials.changes(session, [e for _, e in rows])
        preview = {
            "filename": upload.filename,
            "rows": len(rows),
            "created": sum(1 for _, old in changes if old is None),
            "changed": sum(1 for _, old in changes if old is not None),
            "shown": [(e, old and {f: getattr(old, f) for f in materials.FIELDS}) for e, old in changes[:SHOWN]],
            "carried": carried,
        }
    return _render(preview=preview)
