"""API views over the registry's organisation and catalog (docs/design.md §8): the reference
data, people, function sections, the items and their reviews, fee reviews. The grants and the
government's decisions: web.api.grant_views."""

from __future__ import annotations

from flask import g, request, url_for
from sqlalchemy import select

from registry import models as m
from registry.services import catalog, org
from registry.services.catalog import published_items
from web.api import serialize as ser
from web.api import schemas as s
from web.api.listing import LIST_QUERY, listing, page_args
from web.api.problems import problem
from web.api.records import LIST, file, filed, listed
from web.api.routing import filing, route
from web.access import note_personal_reads
from web.context import runtime

# --- reference data: readable by every signed-in role -------------------------------------

# (path, noun, model, present, body, create, roles, summary of the filing[, a department's own rows by])
REFERENCE_DATA = (
    (
        "/departments",
        "部门",
        m.Department,
        ser.department,
        s.DepartmentIn,
        org.create_department,
        ("gov_service",),
        "新增部门",
    ),
    (
        "/sections",
        "科室",
        m.Section,
        ser.section,
        s.SectionIn,
        org.create_section,
        ("gov_service", "department"),
        "新增科室",
        m.Section.department,
    ),
    ("/halls", "大厅", m.Hall, ser.hall, s.HallIn, org.create_hall, ("gov_service",), "新增大厅"),
    (
        "/places",
        "场所",
        m.Place,
        ser.place,
        s.PlaceIn,
        org.create_place,
        ("gov_service",),
        "新增场所（窗口、内部科室）",
    ),
    ("/seals", "印章", m.Seal, ser.seal, s.SealIn, org.create_seal, ("gov_service",), "登记印章"),
)


def _reference_data(path, noun, model, present, body, create, roles, created, scope=None) -> None:
    """One kind of reference data: its list (every signed-in role; `scope`, a department's own
    rows) and its filing (`roles`), as `list_<path>` and `create_<path minus s>`."""
    name = path.strip("/")
    listed(path, f"{noun}列表", model, present, scope, name=f"list_{name}")
    filed(path, created, body, roles, create, present, name=f"create_{name[:-1]}")


for _kind in REFERENCE_DATA:
    _reference_data(*_kind)


@route("GET", "/people", "人员列表", query=LIST_QUERY, response=LIST)
def list_people():
    role = g.principal.role
    stmt = select(m.Person).order_by(m.Person.id)
    if role == "window":  # names only; a window bound to a place reads its hall's people (design §1)
        from registry import search

        with runtime().reading() as session:
            hall = search.hall_of_place(session, g.principal.place)
        if hall:
            stmt = stmt.where(search.of_hall(hall))
        return listing(stmt, lambda p: ser.person(p, names_only=True))
    out = listing(stmt, ser.person, m.Person.department)
    if isinstance(out, dict):
        note_personal_reads((row["id"] for row in out["items"]), "person.details")
    return out


filed(
    "/people",
    "新增人员",
    s.PersonIn,
    ("gov_service", "department"),
    org.create_person,
    ser.person,
    name="create_person",
)
listed("/function-sections", "功能板块列表", m.FunctionSection, ser.function_section, name="list_function_sections")


# --- the catalog ------------------------------------------------------------------------------


@route("GET", "/items", "实施清单（已发布事项）", query=LIST_QUERY, response=LIST)
def list_items():
    with runtime().reading() as session:
        rows = published_items(session)
    dept = request.args.get("department")
    if dept:
        rows = [r for r in rows if r.department == dept]
    args = page_args()
    if args is None:
        return problem(
            422,
            "分页参数有误",
            "page ≥ 1，1 ≤ per_page ≤ 500",
            errors=[{"field": "per_page", "message": "须在 1 到 500 之间"}],
        )
    page, per_page = args
    chunk = rows[(page - 1) * per_page : page * per_page]
    nxt = None
    if page * per_page < len(rows):
        nxt = url_for("api.list_items_get", page=page + 1, per_page=per_page, **({"department": dept} if dept else {}))
    return {"items": [ser.item(r) for r in chunk], "next": nxt}


listed(
    "/item-filings",
    "事项申报（含待审核与退回的版本）",
    select(m.ItemVersion).order_by(m.ItemVersion.id.desc()),
    ser.item,
    m.ItemVersion.department,
    name="list_item_filings",
)
filed(
    "/items",
    "申报事项（部门）或直接发布（政务服务部门、审改部门）",
    s.ItemIn,
    ("department", "gov_service", "reform_office"),
    catalog.file_item,
    ser.item,
    name="file_item",
)


@filing("/items/{code}/review", "审核事项", body=s.ItemReviewIn, roles=("reform_office",))
def review_item(code: str, body: s.ItemReviewIn):
    return file(lambda ctx: catalog.review_item(ctx, code, body), lambda r: ser.item_review(r, code))


listed(
    "/fee-reviews",
    "收费审查记录",
    select(m.FeeReview).order_by(m.FeeReview.id),
    ser.fee_review,
    select(m.ItemVersion.department).where(m.ItemVersion.code == m.FeeReview.item).limit(1).scalar_subquery(),
    name="list_fee_reviews",
)


@filing("/fees/{code}/review", "审查收费项目（发改部门）", body=s.FeeReviewIn, roles=("drc",))
def review_fee(code: str, body: s.FeeReviewIn):
    return file(lambda ctx: catalog.review_fee(ctx, code, body), ser.fee_review)
