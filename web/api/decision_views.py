"""POST /decisions and GET /decisions/actions: "may P do A on I, here, now?" (docs/design.md §8).

A decision that denies is a 200 answer with allowed=false; only acts are refused with 403.
"""

from __future__ import annotations

from flask import request

from web.api import schemas as s
from web.api.problems import problem
from web.api.routing import route
from registry.inputs.types import parse_time
from web.context import runtime
from web.input_guard import is_id

# the engine's typed answer (rules.decision.Decision), as web.api.openapi puts it in the components
DECISION = {"$ref": "#/components/schemas/Decision"}


def stamp(answer: dict) -> dict:
    """Times in the answer as ISO strings."""
    for key in ("at", "known_at"):
        if hasattr(answer.get(key), "isoformat"):
            answer[key] = answer[key].isoformat()
    return answer


@route(
    "POST",
    "/decisions",
    "判定：某人能否在此时此地对某事项办理某操作",
    body=s.DecisionIn,
    status=200,
    response=DECISION,
    tag="decisions",
)
def decide(body: s.DecisionIn):
    return answer(runtime(), body)


def answer(rt, body: s.DecisionIn) -> dict:
    """The decision for a validated request (also served below Flask: web.api.fastpath)."""
    return stamp(
        rt.policy.decide(
            body.person,
            body.action,
            body.item,
            at=body.at,
            known_at=body.known_at,
            place=body.place,
            seal=body.seal,
            case=body.case,
        )
    )


@route(
    "GET",
    "/decisions/actions",
    "此人对此事项可办理的全部操作及理由",
    status=200,
    tag="decisions",
    query={"person": "人员编号", "item": "事项编码", "at": "时间（ISO-8601）", "place": "场所编码"},
    response={"type": "object", "properties": {"items": {"type": "array"}}},
)
def allowed_actions():
    args = request.args
    errors = []
    person = args.get("person", "")
    if not is_id(person):
        errors.append({"field": "person", "message": "须为人员编号"})
    item = args.get("item")
    if not item:
        errors.append({"field": "item", "message": "缺少必填字段"})
    at = None
    if args.get("at"):
        try:
            at = parse_time(args["at"])
        except ValueError as exc:
            errors.append({"field": "at", "message": str(exc)})
    if errors:
        return problem(422, "数据校验未通过", "查询参数有误", errors=errors)
    items = runtime().policy.allowed_actions(int(person), item, at=at, place=args.get("place") or None)
    return {"items": items}
