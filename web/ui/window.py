"""The window's workspace (role `window`): “我能否……” — may person P do action A on item I,
here, now? — and, for a chief representative, the seal-use page with its receipt (docs/design.md §1, §4, §7)."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from flask import Response, g, redirect, render_template, request, url_for
from sqlalchemy import select

from registry import models as m
from registry.inputs.filings import SealUseIn
from registry import search
from registry.search import published_item
from web.context import runtime
from web.input_guard import is_id
from web.ui.window_lookup import arg_page, item_options, person_options
from web.ui.common import FormErrors, RolePages, not_found, paginate, public_url, qr_svg
from web.ui.forms import read_form
from vocab.clock import as_utc, utcnow

pages = RolePages("window")

UNCHECKED_LABELS = {"place": "办理场所", "seal": "印章", "case": "办件", "at": "时间", "known_at": "知悉时间"}
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def policy_host():
    """The policy host, or None with the reason it is not ready."""
    try:
        host = runtime().policy
    except Exception as exc:  # no active pack, or the engine failed to build
        return None, f"规则引擎未就绪：{exc}"
    if host is None:
        return None, "规则引擎未就绪"
    return host, None


def _choices(session, args, person: str, item: str) -> dict[str, Any]:
    """The lists of the form: a page of the people and items found (registry.search), the
    chosen ones kept in; places and seals (short lists) by name."""
    names = dict(session.execute(select(m.Department.code, m.Department.name)).all())
    return {
        "people": person_options(
            session,
            args.get("person_q", "")[:50],
            arg_page("person_page"),
            chosen=int(person) if is_id(person) else None,
        ),
        "items": item_options(session, args.get("item_q", "")[:50], arg_page("item_page"), chosen=item or None),
        "places": list(session.scalars(select(m.Place).order_by(m.Place.kind, m.Place.code))),
        "seals": list(session.scalars(select(m.Seal).order_by(m.Seal.department, m.Seal.code))),
        "dept_names": names,
    }


@pages.get("/window/")
def window_ask():
    args = request.args
    person_q, item_q = args.get("person_q", ""), args.get("item_q", "")
    person, item = args.get("person", ""), args.get("item", "")
    action, place, seal = (
        args.get("action", ""),
        args.get("place", "") or (g.principal.place or ""),
        args.get("seal", ""),
    )
    host, not_ready = policy_host()
    decision = allowed = error = None
    names: dict[int, str] = {}
    with runtime().reading() as session:
        choices = _choices(session, args, person, item)
        if is_id(person) and item and action and host is not None:
            try:
                decision = host.decide(
                    person=int(person),
                    action=action,
                    item=item,
                    at=None,
                    known_at=None,
                    place=place or None,
                    seal=seal or None,
                    case=None,
                )
                allowed = host.allowed_actions(int(person), item, at=None, place=place or None)
            except Exception as exc:
                error = _reference_error(exc)
        elif args.get("ask") and not args.get("search") and not (is_id(person) and item and action):
            error = "请选择人员、事项和操作"
        if decision and decision.get("acting_for"):
            p = session.get(m.Person, decision["acting_for"])
            names[decision["acting_for"]] = p.name if p else str(decision["acting_for"])
        chosen_person = session.get(m.Person, int(person)) if is_id(person) else None
        chosen_item = published_item(session, item) if item else None
        return render_template(
            "window/ask.html",
            choices=choices,
            person_q=person_q,
            item_q=item_q,
            person=person,
            item=item,
            action=action,
            place=place,
            seal=seal,
            decision=decision,
            allowed=allowed,
            error=error,
            not_ready=not_ready,
            names=names,
            chosen_person=chosen_person,
            chosen_item=chosen_item,
            unchecked_labels=UNCHECKED_LABELS,
        )


def _reference_error(exc: Exception) -> str:
    field = getattr(exc, "field", None)
    if field:
        label = {"person": "人员", "item": "事项", "place": "场所", "seal": "印章", "action": "操作"}.get(field, field)
        return f"未找到{label}“{getattr(exc, 'value', '')}”"
    return f"无法判断：{exc}"


# --- seal use (用印) -----------------------------------------------------------------------------


def _sealing():
    try:
        from application import sealing
    except ImportError:
        return None
    return sealing if hasattr(sealing, "use_seal") else None


def _seal_context(session, person_id: int, item_q: str, chosen_item: str = "") -> dict[str, Any]:
    person = session.get(m.Person, person_id)
    now = utcnow()
    seals = (
        list(session.scalars(select(m.Seal).where(m.Seal.department == person.department).order_by(m.Seal.code)))
        if person
        else []
    )
    keeps: dict[str, bool] = {}
    for c in (
        session.scalars(
            select(m.SealCustody)
            .where(m.SealCustody.seal.in_([s.code for s in seals]))
            .order_by(m.SealCustody.filed_at, m.SealCustody.id)
        )
        if seals
        else []
    ):
        if as_utc(c.from_) <= now and (c.to is None or now < as_utc(c.to)):
            keeps[c.seal] = c.person == person_id
    items = (
        item_options(
            session, item_q[:50], arg_page("item_page"), chosen=chosen_item or None, department=person.department
        )
        if person
        else {"rows": [], "total": 0, "page": 1, "pages": 1}
    )
    places = [
        p for p in session.scalars(select(m.Place).order_by(m.Place.kind, m.Place.code)) if p.kind != "internal_office"
    ]
    return {"person": person, "seals": seals, "keeps": keeps, "items": items, "places": places}


@pages.route("/window/seal", methods=["GET", "POST"])
def window_seal():
    principal = g.principal
    sealing = _sealing()
    if principal.person is None:
        return render_template("window/seal.html", no_person=True, sealing=sealing), 200
    form: Any = (
        request.form
        if request.method == "POST"
        else (request.args if request.args.get("search") else {"place": principal.place or ""})
    )
    errors = FormErrors()
    refused = None
    status = 200
    if request.method == "POST":
        if sealing is None:
            errors.detail = "用印服务未就绪"
            status = 503
        else:
            body, errors = _seal_request(form, principal.person)
            if body is not None:
                try:
                    out = sealing.use_seal(runtime(), principal, body)
                except sealing.SealRefused as exc:
                    refused = exc
                    status = 403
                except Exception as exc:  # the engine not ready, or a reference it does not know
                    errors.detail = _reference_error(exc) if getattr(exc, "field", None) else f"用印未完成：{exc}"
                    status = 422
                else:
                    leaf_hash = out["receipt"]["leaf_hash"]
                    with runtime().reading() as session:
                        use_id = session.scalar(select(m.SealUse.id).where(m.SealUse.leaf_hash == leaf_hash))
                    return redirect(url_for("ui.window.window_seal_use", use_id=use_id, new=1))
            else:
                status = 422
    with runtime().reading() as session:
        ctx = _seal_context(session, principal.person, request.args.get("item_q", ""), form.get("item") or "")
        if not ctx["keeps"] and request.method == "GET":
            # keeps no seal and acts for no custodian: say what this login is for instead
            from web.ui.window_duties import duties

            return render_template("window/duties.html", d=duties(session, ctx["person"], utcnow())), 200
        return render_template(
            "window/seal.html", no_person=False, sealing=sealing, form=form, errors=errors, refused=refused, **ctx
        ), status


def _seal_request(form, person_id: int) -> tuple[SealUseIn | None, FormErrors]:
    """The seal-use form read through the API's own model (SealUseIn): the caller's person, the
    document's SHA-256 computed from the uploaded file (or as given, when it is one)."""
    errors = FormErrors()
    fields = {k: form.get(k) for k in ("seal", "item", "case", "place")}
    upload = request.files.get("document")
    given = (form.get("document_sha256") or "").strip().lower()
    if upload is not None and upload.filename:
        fields["document_sha256"] = hashlib.sha256(upload.read()).hexdigest()
        if given and given != fields["document_sha256"]:
            errors.add("document_sha256", "浏览器计算的哈希与上传文件不一致，请重新选择文件")
    elif HEX64.match(given):
        fields["document_sha256"] = given
    return read_form(SealUseIn, {**fields, "person": person_id}, errors)


def _own_use(session, use_id: int) -> m.SealUse | None:
    use = session.get(m.SealUse, use_id)
    if use is None or use.person != g.principal.person:
        return None
    return use


@pages.get("/window/seal-uses")
def window_seal_uses():
    with runtime().reading() as session:
        stmt = select(m.SealUse).where(m.SealUse.person == g.principal.person).order_by(m.SealUse.id.desc())
        q = (request.args.get("q") or "").strip()
        if q:
            stmt = stmt.where(m.SealUse.case.contains(q) | m.SealUse.item.contains(q))
        page = paginate(session, stmt)
        names = _names_of(session, page.rows)
        return render_template("window/seal_uses.html", page=page, q=q, names=names)


def _names_of(session, uses) -> dict[str, dict[str, str]]:
    """The names of the items, seals and places of these seal uses, by code (the rows keep codes)."""
    seals = {u.seal for u in uses}
    places = {u.place for u in uses}
    codes = sorted({u.item for u in uses})
    found = search.search_items(session, "", codes=codes, per_page=max(1, len(codes))).rows if codes else []
    return {
        "item": {i.code: i.name for i, _ in found},
        "seal": dict(session.execute(select(m.Seal.code, m.Seal.name).where(m.Seal.code.in_(seals))).all()),
        "place": dict(session.execute(select(m.Place.code, m.Place.name).where(m.Place.code.in_(places))).all()),
    }


def _use_page(use_id: int, page):
    """`page(session, use, seal, item)` for one of the clerk's own seal uses (its seal and its item's
    published version); 404 in Chinese when there is no such one."""
    with runtime().reading() as session:
        use = _own_use(session, use_id)
        if use is None:
            return not_found(f"没有您的用印记录 #{use_id}")
        return page(session, use, session.get(m.Seal, use.seal), published_item(session, use.item))


@pages.get("/window/seal-uses/<int:use_id>")
def window_seal_use(use_id):
    def page(session, use, seal, item):
        acting = session.get(m.Person, use.acting_for) if use.acting_for else None
        place = session.get(m.Place, use.place)
        return render_template(
            "window/seal_use.html",
            use=use,
            seal=seal,
            item=item,
            acting=acting,
            place=place,
            new=request.args.get("new") == "1",
        )

    return _use_page(use_id, page)


def _receipt(use: m.SealUse) -> dict[str, Any] | None:
    sealing = _sealing()
    if sealing is None or not hasattr(sealing, "receipt_for") or use.log_index is None:
        return None
    return sealing.receipt_for(runtime(), use.log_index)


@pages.get("/window/seal-uses/<int:use_id>/receipt.json")
def window_receipt_json(use_id):
    def page(session, use, seal, item):
        receipt = _receipt(use)
        if receipt is None:
            return not_found("回执服务未就绪")
        body = json.dumps(receipt, ensure_ascii=False, indent=2)
        return Response(
            body,
            mimetype="application/json",
            headers={"Content-Disposition": f'attachment; filename="receipt-{use.leaf_hash[:16]}.json"'},
        )

    return _use_page(use_id, page)


@pages.get("/window/seal-uses/<int:use_id>/print")
def window_receipt_print(use_id):
    def page(session, use, seal, item):
        target = public_url("ui.verify_hash", leaf_hash=use.leaf_hash)
        return render_template(
            "window/receipt_print.html",
            use=use,
            seal=seal,
            dept=session.get(m.Department, seal.department) if seal else None,
            item=item,
            receipt=_receipt(use),
            qr=qr_svg(target),
            target=target,
            verify_page=public_url("ui.verify"),
        )

    return _use_page(use_id, page)
