"""Pages without sign-in: the public list of chief representatives (首席代表公示) and /verify,
where a citizen checks a sealed document's receipt. No personal data beyond a name and post."""

from __future__ import annotations

from datetime import datetime

import re

from flask import redirect, render_template, request, url_for
from sqlalchemy import select

from registry import models as m
from web.context import runtime
from web.ui import bp
from application.limits import receipt_check_allowed
from web.ui.common import auth_status, client_address, matches, paginate_list
from vocab.clock import as_utc, utcnow

HASH_IN_TEXT = re.compile(r"[0-9a-fA-F]{64}")


@bp.get("/public/chief-representatives")
def public_reps():
    q, dept = request.args.get("q", ""), request.args.get("department", "")
    now = utcnow()
    with runtime().reading() as session:
        names = dict(session.execute(select(m.Department.code, m.Department.name)).all())
        auths = list(
            session.scalars(
                select(m.Authorization)
                .where(m.Authorization.grantee_person.is_not(None))
                .order_by(m.Authorization.grantor, m.Authorization.post, m.Authorization.id)
            )
        )
        revoked = {r.authorization: r for r in session.scalars(select(m.Revocation))}
        people = (
            {
                p.id: p.name
                for p in session.scalars(select(m.Person).where(m.Person.id.in_({a.grantee_person for a in auths})))
            }
            if auths
            else {}
        )
        absent = _absent_now(session, {a.grantee_person for a in auths}, now)
        valid = [a for a in auths if auth_status(a, revoked.get(a.id), now) == "valid"]
        backing = {}  # an A post's id -> the valid B posts backing it
        for a in valid:
            if a.post == "B" and a.backs:
                backing.setdefault(a.backs, []).append(a)
        by_id = {a.id: a for a in valid}
        rows = []
        for a in valid:
            row = {
                "department": a.grantor,
                "department_name": names.get(a.grantor, a.grantor),
                "name": people.get(a.grantee_person, ""),
                "post": a.post,
                "valid_from": a.valid_from,
                "valid_to": a.valid_to,
                "absent_until": absent.get(a.grantee_person, False),
                "acting": "",
            }
            if a.post == "A" and a.grantee_person in absent:
                subs = [
                    people.get(b.grantee_person, "") for b in backing.get(a.id, ()) if b.grantee_person not in absent
                ]
                row["acting"] = f"由B岗{'、'.join(subs)}代行" if subs else "B岗也不在岗：A岗空缺"
            elif (
                a.post == "B"
                and a.backs in by_id
                and by_id[a.backs].grantee_person in absent
                and a.grantee_person not in absent
            ):
                row["acting"] = f"正在代行A岗{people.get(by_id[a.backs].grantee_person, '')}的职权"
            if (not dept or a.grantor == dept) and matches(q, row["name"], row["department_name"]):
                rows.append(row)
        departments = sorted({(a.grantor, names.get(a.grantor, a.grantor)) for a in auths})
    return render_template(
        "public/reps.html",
        page=paginate_list(rows, per_page=50),
        q=q,
        department=dept,
        departments=departments,
        now=now,
    )


def _absent_now(session, people: set, now) -> dict:
    """Who of `people` has an absence holding now (filed by now): person -> its end (None: open)."""
    if not people:
        return {}
    out: dict = {}
    for r in session.scalars(
        select(m.Absence).where(m.Absence.person.in_(people), m.Absence.from_ <= now, m.Absence.filed_at <= now)
    ):
        if r.to is None or as_utc(r.to) > now:
            out[r.person] = r.to
    return out


def _lookup(leaf_hash: str) -> dict | None:
    """Sealed or not, when, which department, which seal kind, on which authority — nothing
    personal. Read from the signed leaves, never from the seal_uses row."""
    from application.sealing import authority_of, find_seal_use

    with runtime().reading() as session:
        found = find_seal_use(session, leaf_hash)
        if found is not None:
            return {
                **found,
                "at": found["at"] and datetime.fromisoformat(found["at"].replace("Z", "+00:00")),
                "department": found["department_name"],
                "basis": authority_of(runtime(), session, found),
            }
        entry = session.scalar(select(m.LogEntry).where(m.LogEntry.leaf_hash == leaf_hash))
        if entry is not None:
            from web.ui.auditor import KIND_LABELS

            return {
                "sealed": False,
                "logged": True,
                "kind": KIND_LABELS.get(entry.kind, "登记记录"),
                "at": entry.appended_at,
                "log_index": entry.index,
            }
    return None


def _render_verify(leaf_hash: str | None, *, receipt_check=None, receipt_error=None, text="", status=200):
    result = _lookup(leaf_hash) if leaf_hash else None
    return render_template(
        "public/verify.html",
        leaf_hash=leaf_hash,
        result=result,
        text=text,
        receipt_check=receipt_check,
        receipt_error=receipt_error,
        document_sha256=request.form.get("document_sha256", "").strip().lower() if request.method == "POST" else "",
    ), status


def _limited():
    if not receipt_check_allowed(runtime(), client_address()):
        return render_template(
            "error.html", title="请求过于频繁", status=429, message="核验请求过于频繁，请稍后再试。"
        ), 429
    return None


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    if request.method == "GET" and not request.args.get("hash"):
        return _render_verify(None)
    limited = _limited()
    if limited:
        return limited
    if request.method == "GET":
        found = HASH_IN_TEXT.search(request.args.get("hash", ""))
        if found:
            return redirect(url_for("ui.verify_hash", leaf_hash=found.group(0).lower()))
        return _render_verify(
            None, receipt_error="请输入64位十六进制的哈希", text=request.args.get("hash", ""), status=422
        )
    upload = request.files.get("receipt")
    text = (request.form.get("hash") or "").strip()
    if upload is not None and upload.filename:
        from web.ui.auditor import check_receipt

        checked, error = check_receipt(upload.read())
        if error:
            return _render_verify(None, receipt_error=error, status=422)
        return _render_verify(checked["leaf_hash"], receipt_check=checked)
    found = HASH_IN_TEXT.search(text)
    if not found:
        return _render_verify(
            None, receipt_error="请输入回执上的64位十六进制哈希，或上传回执文件", text=text, status=422
        )
    return _render_verify(found.group(0).lower(), text=text)


@bp.get("/verify/<leaf_hash>")
def verify_hash(leaf_hash):
    limited = _limited()
    if limited:
        return limited
    found = HASH_IN_TEXT.fullmatch(leaf_hash or "")
    if not found:
        return _render_verify(None, receipt_error="哈希格式不正确：应为64位十六进制", text=leaf_hash, status=422)
    return _render_verify(leaf_hash.lower(), text=leaf_hash.lower())
