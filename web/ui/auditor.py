"""The auditor's workspace (电子监察, role `auditor`): the log and its checkpoints, each entry
with its inclusion proof, receipt checks, and the alerts (docs/design.md §1, §7)."""

from __future__ import annotations

import base64
import json
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from registry import models as m
from registry.ledger import node_getter
from signing import merkle
from web.context import runtime
from web.ui.common import EXPORT_ROWS, RolePages, bar_chart, exporting, fmt_local, paginate

KIND_LABELS = {
    "authorization": "授权书",
    "revocation": "撤销授权",
    "absence": "缺位",
    "delegation": "事进人不进委托",
    "seal_custody": "印章保管",
    "exemption_request": "不宜进驻申请",
    "exemption_decision": "不宜进驻决定",
    "exception": "例外",
    "staff_filing": "人员备案",
    "staff_acknowledgement": "备案确认",
    "item_filing": "事项申报",
    "item_review": "事项审核",
    "fee_review": "收费审查",
    "hall_approval": "分厅批准",
    "citizens_home_opening": "市民之家启用",
    "seal_registration": "印章登记",
    "seal_use": "用印",
    "case": "办件",
    "case_step": "办件环节",
    "pack_publication": "规则包发布",
    "entry_plan": "进驻方案",
    "entry_plan_step": "进驻方案环节",
    "department": "部门",
    "section": "科室",
    "hall": "大厅",
    "place": "场所",
    "person": "人员",
    "function_section": "功能板块",
    "seal": "印章",
}
from web.ui.names import RECORD_TYPES  # noqa: E402  (every record type the log holds, in words)

pages = RolePages("auditor")
KIND_LABELS = {**RECORD_TYPES, **KIND_LABELS}
ALERT_STATES = {"open": "未处理", "acknowledged": "已确认", "resolved": "已解决"}
ALERT_LEVELS = {"yellow": "黄色", "red": "红色", "info": "提示", "warning": "警告"}


def _latest_checkpoint(session) -> m.Checkpoint | None:
    return session.scalar(select(m.Checkpoint).order_by(m.Checkpoint.tree_size.desc()).limit(1))


ALG_LABELS = {"ed25519": "Ed25519", "sm2": "SM2（国密，SM3 摘要）"}
"""How a signature algorithm is named to a person."""


def log_keys() -> list[Any]:
    keys = runtime().keys
    if keys is None:
        return []
    return [k for k in keys.public_keys() if k.body == "log"]


@pages.get("/audit/")
def audit_home():
    with runtime().reading() as session:
        size = session.scalar(select(func.count()).select_from(m.LogEntry)) or 0
        cp = _latest_checkpoint(session)
        kinds = list(
            session.execute(
                select(m.LogEntry.kind, func.count()).group_by(m.LogEntry.kind).order_by(func.count().desc())
            )
        )
        open_alerts = session.scalar(select(func.count()).select_from(m.Alert).where(m.Alert.state == "open")) or 0
        seal_uses = session.scalar(select(func.count()).select_from(m.SealUse)) or 0
        chart = bar_chart([(KIND_LABELS.get(k, k), n) for k, n in kinds], title="日志记录按类别")
        last_audit = session.scalar(select(m.AuditRun).order_by(m.AuditRun.id.desc()).limit(1))
        return render_template(
            "audit/home.html",
            size=size,
            cp=cp,
            chart=chart,
            open_alerts=open_alerts,
            seal_uses=seal_uses,
            uncovered=size - (cp.tree_size if cp else 0),
            last_audit=last_audit,
        )


@pages.get("/audit/log")
def audit_log():
    kind, q = request.args.get("kind", ""), (request.args.get("q") or "").strip().lower()
    with runtime().reading() as session:
        if exporting():
            return _log_xlsx(session, kind, q)
        stmt = _log_filter(select(m.LogEntry).order_by(m.LogEntry.index.desc()), kind, q)
        page = paginate(session, stmt)
        kinds = [k for (k,) in session.execute(select(m.LogEntry.kind).distinct().order_by(m.LogEntry.kind))]
        return render_template("audit/log.html", page=page, kinds=kinds, kind=kind, q=q, labels=KIND_LABELS)


def _log_filter(stmt, kind: str, q: str):
    if kind:
        stmt = stmt.where(m.LogEntry.kind == kind)
    if q.isascii() and q.isdigit() and len(q) <= 18:
        return stmt.where(m.LogEntry.index == int(q))
    return stmt.where(m.LogEntry.leaf_hash.startswith(q)) if q else stmt


def _log_xlsx(session, kind: str, q: str):
    """The log as the page lists it (same filters, same columns, names for the kinds, Beijing
    times, whole hashes), up to EXPORT_ROWS newest entries, read as five columns, not as entries
    with their leaves, and streamed to the workbook (the whole log: `onehall log export`)."""
    from web.ui.xlsx import xlsx_response

    cols = select(m.LogEntry.index, m.LogEntry.kind, m.LogEntry.appended_at, m.LogEntry.leaf_hash, m.LogEntry.ref)
    stmt = _log_filter(cols.order_by(m.LogEntry.index.desc()), kind, q).limit(EXPORT_ROWS)
    rows = (
        (i, KIND_LABELS.get(k, k), fmt_local(at, "%Y-%m-%d %H:%M:%S"), h, ref or "")
        for i, k, at, h, ref in session.execute(stmt)
    )
    return xlsx_response("日志.xlsx", [("日志", ["序号", "类别", "时间", "叶哈希", "引用"], rows)])


def entry_check(session, entry: m.LogEntry) -> dict[str, Any]:
    """Decode an entry; check its signature and its inclusion in the latest checkpoint."""
    from signing.note import open_note, parse_checkpoint
    from signing.records import parse_leaf, verify_leaf

    out: dict[str, Any] = {
        "record": None,
        "sig": None,
        "sig_ok": None,
        "sig_error": None,
        "proof": [],
        "cp": None,
        "proof_ok": None,
        "proof_error": None,
        "note_ok": None,
    }
    leaf = bytes(entry.leaf)
    try:
        record, sig = parse_leaf(leaf)
        out["record"] = json.dumps(record, ensure_ascii=False, indent=2)
        out["sig"] = sig
        out["sig_alg"] = ALG_LABELS.get(sig.alg, sig.alg)
    except Exception as exc:  # a damaged leaf is exactly what an auditor needs to see
        out["sig_error"] = f"记录无法解析：{exc}"
        return out
    keys = runtime().keys
    if keys is not None:
        try:
            verify_leaf(leaf, keys.key_for)
            out["sig_ok"] = True
        except Exception as exc:
            out["sig_ok"], out["sig_error"] = False, str(exc)
    if merkle.leaf_hash(leaf).hex() != entry.leaf_hash:
        out["proof_ok"], out["proof_error"] = False, "存储的叶哈希与记录内容不符（记录被改动）"
        return out
    cp = _latest_checkpoint(session)
    out["cp"] = cp
    if cp is None or cp.tree_size <= entry.index:
        return out
    try:
        proof = merkle.inclusion_proof(entry.index, cp.tree_size, node_getter(session))
        out["proof"] = [h.hex() for h in proof]
        merkle.verify_inclusion(
            bytes.fromhex(entry.leaf_hash), entry.index, cp.tree_size, proof, bytes.fromhex(cp.root_hash)
        )
        out["proof_ok"] = True
    except Exception as exc:
        out["proof_ok"], out["proof_error"] = False, str(exc)
    lk = log_keys()
    if lk:
        try:
            body, _ = open_note(cp.note, {runtime().settings.log_origin: [k.public_key for k in lk]})
            out["note_ok"] = parse_checkpoint(body).root.hex() == cp.root_hash
        except Exception:
            out["note_ok"] = False
    from application.witnessing import configured_policy, cosignature_lines

    policy, _ = configured_policy(runtime())
    if policy is not None and policy.quorum:
        out["witness"] = _witness_text(cp.note + "".join(cosignature_lines(session, cp.tree_size)), policy)
    return out


@pages.get("/audit/log/<int:index>")
def audit_entry(index):
    with runtime().reading() as session:
        entry = session.get(m.LogEntry, index)
        if entry is None:
            from web.ui.common import not_found

            return not_found(f"日志中没有序号 {index}")
        check = entry_check(session, entry)
        summary = _summary(session, entry)
        return render_template(
            "audit/entry.html",
            e=entry,
            c=check,
            label=KIND_LABELS.get(entry.kind, entry.kind),
            summary=summary,
            leaf_b64=base64.b64encode(bytes(entry.leaf)).decode(),
        )


def _summary(session, entry) -> list[tuple[str, str]]:
    """The signed record in words (names, Beijing times), shown above its raw JSON."""
    from signing.records import parse_leaf
    from web.ui.names import Names, summarize

    try:
        record, _ = parse_leaf(bytes(entry.leaf))
    except Exception:  # a leaf that does not parse is shown raw, with the check's own error
        return []
    return summarize(record, Names(session))


@pages.get("/audit/checkpoints")
def audit_checkpoints():
    from application.witnessing import configured_policy, witness_rows

    with runtime().reading() as session:
        page = paginate(session, select(m.Checkpoint).order_by(m.Checkpoint.tree_size.desc()))
        sizes = [cp.tree_size for cp in page.rows]
        cosigs: dict[int, list] = {}
        for c in session.scalars(
            select(m.CheckpointCosignature)
            .where(m.CheckpointCosignature.tree_size.in_(sizes))
            .order_by(m.CheckpointCosignature.witness)
        ):
            cosigs.setdefault(c.tree_size, []).append(c)
        policy, policy_error = configured_policy(runtime())
        witnessed = {cp.tree_size: _witnessed(cp, cosigs.get(cp.tree_size, []), policy) for cp in page.rows}
        return render_template(
            "audit/checkpoints.html",
            page=page,
            keys=log_keys(),
            cosigs=cosigs,
            witnessed=witnessed,
            witnesses=witness_rows(session),
            policy=policy,
            policy_error=policy_error,
        )


# --- receipts ---------------------------------------------------------------------------------


def check_receipt(raw: str | bytes) -> tuple[dict[str, Any] | None, str | None]:
    """Verify a receipt against this system's log keys; (facts, None) or (None, why not)."""
    from signing.receipt import verify_receipt

    try:
        receipt = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None, "回执不是有效的 JSON 文件"
    if not isinstance(receipt, dict):
        return None, "回执不是 JSON 对象"
    keys = runtime().keys
    trusted = None
    for k in log_keys():
        if base64.b64encode(k.public_key).decode() == receipt.get("log_public_key"):
            trusted = k
    if trusted is None:
        return None, "回执中的日志公钥不是本系统的日志公钥（或回执缺少该字段）"
    try:
        result = verify_receipt(
            receipt, trusted_log_key=trusted.public_key, record_keys=keys.key_for if keys is not None else None
        )
    except Exception as exc:
        return None, f"回执核验未通过：{exc}"
    return {
        "leaf_index": result.leaf_index,
        "tree_size": result.tree_size,
        "leaf_hash": result.leaf_hash,
        "root": result.root.hex(),
        "origin": result.origin,
        "record_verified": result.record_verified,
        "record": result.record,
        "log_key_id": trusted.key_id,
        "authority": [{"role": a["role"], "leaf_index": a["leaf_index"]} for a in result.authority],
        "record_alg": ALG_LABELS.get(result.record_alg, result.record_alg),
        "witness": _witness_of(receipt["checkpoint"], result.tree_size, receipt.get("log_name")),
    }, None


def _witnessed(cp, cosigs, policy) -> str:
    """The checkpoint's witness status, its cosignatures verified here under the policy."""
    if not cosigs:
        return "尚未经见证人副署"
    if policy is None:
        return f"{len(cosigs)} 个副署（未配置信任策略，未核验）"
    return _witness_text(cp.note + "".join(c.line for c in cosigs), policy)


def _witness_of(note: str, tree_size: int, log_name: str | None) -> str | None:
    """Whether a quorum of the configured witnesses cosigned the receipt's checkpoint, counting
    the cosignatures received since (the receipt was issued before them); None without a quorum."""
    from application.witnessing import configured_policy, cosignature_lines

    policy, _ = configured_policy(runtime())
    if policy is None or not policy.quorum:
        return None
    with runtime().reading() as session:
        stored = session.scalar(select(m.Checkpoint).where(m.Checkpoint.tree_size == tree_size))
        lines = cosignature_lines(session, tree_size) if stored is not None else []
    if stored is not None and stored.note.split("\n\n")[0] == note.split("\n\n")[0]:
        note += "".join(line for line in lines if line not in note)
    return _witness_text(note, policy, log_name)


def _witness_text(note: str, policy, log_name: str | None = None) -> str:
    """In words: the note's trusted cosignatures, verified here, against the policy's quorum."""
    from signing.errors import NoteError
    from signing.policy import check_checkpoint

    try:
        checked = check_checkpoint(note, policy, log_name)
    except NoteError as exc:
        return f"副署核验失败：{exc}"
    n = len(checked.cosignatures)
    if checked.witnessed:
        return f"已见证：{n} 个可信见证人的副署均已核验（法定人数 {policy.quorum}）"
    return f"尚未经见证人副署：{n} 个有效副署，法定人数 {policy.quorum}，稍后再核验"


@pages.route("/audit/receipt", methods=["GET", "POST"])
def audit_receipt():
    result = error = None
    text = ""
    status = 200
    if request.method == "POST":
        upload = request.files.get("receipt")
        text = request.form.get("receipt_text") or ""
        raw = upload.read() if upload and upload.filename else text.encode()
        if not raw.strip():
            error, status = "请上传回执文件或粘贴回执内容", 422
        else:
            result, error = check_receipt(raw)
            status = 200 if result else 422
    record_text = json.dumps(result["record"], ensure_ascii=False, indent=2) if result and result["record"] else ""
    return render_template("audit/receipt.html", result=result, error=error, text=text, record_text=record_text), status


# --- alerts -----------------------------------------------------------------------------------


def alert_list(*, department: str | None, template: str, **extra):
    state = request.args.get("state", "open")
    dept_filter = department or request.args.get("department") or None
    with runtime().reading() as session:
        stmt = select(m.Alert).order_by(m.Alert.raised_at.desc(), m.Alert.id.desc())
        if state:
            stmt = stmt.where(m.Alert.state == state)
        if dept_filter:
            stmt = stmt.where(m.Alert.department == dept_filter)
        page = paginate(session, stmt)
        names = dict(session.execute(select(m.Department.code, m.Department.name)).all())
        return render_template(
            template,
            page=page,
            state=state,
            names=names,
            department=dept_filter,
            states=ALERT_STATES,
            levels=ALERT_LEVELS,
            scoped=department is not None,
            **extra,
        )


def acknowledge(alert_id: int, *, department: str | None, back: str):
    """Open → acknowledged, through registry.services.cases.acknowledge_alert. Never deleted."""
    from registry.services.cases import acknowledge_alert
    from web.ui.common import file_with, not_found

    with runtime().reading() as session:
        alert = session.get(m.Alert, alert_id)
        if alert is None or (department is not None and alert.department != department):
            return not_found(f"预警 #{alert_id} 不存在")
        before = alert.state
    result, errors = file_with(lambda ctx: acknowledge_alert(ctx, alert_id).state)
    if errors:
        flash(f"未能确认预警 #{alert_id}：{errors.detail}", "error")
    elif before == "open":
        flash(f"预警 #{alert_id} 已确认", "ok")
    else:
        flash(f"预警 #{alert_id} 已是“{ALERT_STATES.get(before, before)}”状态", "warn")
    return redirect(back)


@pages.get("/audit/alerts")
def audit_alerts():
    return alert_list(department=None, template="audit/alerts.html")


@pages.post("/audit/alerts/<int:alert_id>/ack")
def audit_alert_ack(alert_id):
    return acknowledge(alert_id, department=None, back=request.form.get("back") or url_for("ui.audit.audit_alerts"))
