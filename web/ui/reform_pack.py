"""The reform office's rule pack pages (issue 12 item 6): the active pack read as rules with their
clause and the plan's sentence; its versions compared; a new version uploaded, checked by the
same bounded loader as `onehall pack check` (problems as file:line), shown against the active
version with its effect on today's decisions, then published, signed, through the same service as
`onehall pack publish`. Every page's footer shows the version the engine serves (`active_policy`),
which changes in every worker as soon as a publication's change signal arrives."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from registry import models as m
from web.context import runtime
from web.input_guard import is_id
from web.ui import bp
from web.ui.common import RolePages, matches
from web.ui.pack_text import change_sentences, parameter_rows, rule_view

pages = RolePages("reform_office")


def active_policy() -> Any:
    """The pack this worker's engine serves, brought up to date with the change feed first
    (cheap: the feed is read only after a change signal). None when the engine is not ready."""
    try:
        host = runtime().policy
        host.refresh()
        return host.engine.pack
    except Exception:
        return None


def active_version() -> m.PackVersion | None:
    """The version published as active, read from the registry (one indexed row): what every
    page's footer names. A publication by any worker shows on the next page of every worker;
    each engine switches to it at its next question (application.policy)."""
    try:
        with runtime().reading() as session:
            row = session.scalar(select(m.PackVersion).where(m.PackVersion.active.is_(True)).limit(1))
            if row is not None:
                session.expunge(row)
            return row
    except Exception:
        return None


@bp.app_context_processor
def _active_pack_footer() -> dict[str, Any]:
    return {"active_version": active_version}


def _clauses(pack, q: str) -> list[tuple[str, dict, list[dict]]]:
    by_clause: dict[str, list] = {}
    for r in pack.rules:
        if matches(q, r.id, r.text, r.clause, r.source_text):
            by_clause.setdefault(r.clause, []).append(rule_view(r))
    return [(cid, c, by_clause.get(cid, [])) for cid, c in pack.clauses.items() if by_clause.get(cid) or not q]


def _pack_xlsx(pack):
    from web.ui.xlsx import xlsx_response

    rows = [
        (
            v["clause"],
            v["id"],
            v["kind"],
            v["strength"],
            v["text"],
            v["source_text"],
            "；".join(v["conditions"]),
            v["explain"],
        )
        for v in map(rule_view, pack.rules)
    ]
    return xlsx_response(
        f"规则包-{pack.id}-{pack.version}.xlsx",
        [
            (
                "规则",
                ("条款", "规则", "类别", "强度", "规则要求", "方案原文", "适用条件", "说明（窗口或合规报告中）"),
                rows,
            ),
            ("参数", ("含义", "取值"), parameter_rows(pack)),
        ],
    )


@pages.get("/reform/pack")
def reform_pack():
    import application.packs as packs
    from rules.pack import diff_packs

    pack = active_policy()
    if pack is not None and request.args.get("format") == "xlsx":
        return _pack_xlsx(pack)
    q = request.args.get("q", "")
    diff = diff_error = None
    a, b = request.args.get("a", ""), request.args.get("b", "")
    with runtime().reading() as session:
        versions = list(session.scalars(select(m.PackVersion).order_by(m.PackVersion.id.desc())))
        if is_id(a) and is_id(b):
            ra, rb = session.get(m.PackVersion, int(a)), session.get(m.PackVersion, int(b))
            if ra is None or rb is None:
                diff_error = "所选版本不存在"
            else:
                try:
                    pa, pb = packs.load_stored_pack(ra, session), packs.load_stored_pack(rb, session)
                    diff = change_sentences(pa, pb, diff_packs(pa, pb))
                except packs.PackTampered as exc:
                    diff_error = f"无法比较：{exc}"
    return render_template(
        "reform/pack.html",
        pack=pack,
        clauses=_clauses(pack, q) if pack else [],
        params=parameter_rows(pack) if pack else [],
        versions=versions,
        diff=diff,
        diff_error=diff_error,
        q=q,
        a=a,
        b=b,
    )


@pages.route("/reform/pack/publish", methods=["GET", "POST"])
def reform_pack_publish():
    """Step 1: upload a bundle → its problems, or its changes and effect. Step 2: publish it."""
    from application import pack_upload as up
    from application.packs import PackRefused

    exam, refused, status = None, None, 200
    if request.method == "POST" and request.form.get("step") == "publish":
        try:
            files = up.files_from_gz(request.form.get("files") or "")
            row = up.publish_files(
                runtime(), files, publisher=g.principal.name, expected_digest=request.form.get("digest") or ""
            )
        except (up.BundleRefused, PackRefused) as exc:
            refused, status = exc.errors, 422
        else:
            active_policy()
            flash(
                f"规则包版本 {row.version} 已签名发布并生效（日志序号 {row.log_index}），各页面与判定即刻使用该版本",
                "ok",
            )
            return redirect(url_for("ui.reform.reform_pack"))
    elif request.method == "POST":
        upload = request.files.get("bundle")
        try:
            if upload is None or not upload.filename:
                raise up.BundleRefused([up.PackError("（上传的文件）", 1, "请选择规则包压缩包（zip 或 tar.gz）")])
            data = upload.stream.read(up.MAX_UPLOAD_BYTES + 1)
            files, ignored = up.read_bundle(data, upload.filename)
            exam = up.examine(runtime(), files, ignored)
        except up.BundleRefused as exc:
            refused = exc.errors
        if refused or (exam is not None and not exam.ok):
            status = 422
    changes = change_sentences(exam.active_pack, exam.pack, exam.changes) if exam and exam.active_pack else []
    from application.pack_wording import problems

    return render_template(
        "reform/pack_publish.html",
        exam=exam,
        changes=changes,
        refused=problems(refused) if refused else None,
        exam_problems=problems(exam.errors, exam.self_check, exam.files) if exam else [],
        max_mb=up.MAX_UPLOAD_BYTES // 1024 // 1024,
    ), status
