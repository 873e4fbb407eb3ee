"""Acts bound to who and where (docs/design.md §12.4): a window token bound to a place acts only there
(cases and steps as seals), an act names the caller's own linked person, and a case step is
not dated further back than the pack allows. Each refusal cites its clause; nothing is written."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from vocab.clock import utcnow
from registry.errors import invalid
from registry.services.accounts import Principal

ENTRY_CLAUSE = ("XT-3.3.1", "进驻的依申请类政务服务事项必须在所进驻大厅实质运行")
OUTSIDE_CLAUSE = ("XT-5.3", "严禁“明进暗不进”，杜绝体外循环、多头受理。")
DEFAULT_BACKDATE_HOURS = 24
FUTURE_SKEW = timedelta(minutes=5)  # clocks of windows and server differ a little


class ActRefused(Exception):
    """An act (a seal use, an acceptance, a case step) is refused; `verdict` names the act
    refused ("不允许用印"), `reasons` say why (the decision's reasons and why_not, or the binding
    that failed). Nothing was written."""

    def __init__(
        self,
        detail: str,
        reasons: list[dict[str, Any]],
        decision: dict[str, Any] | None = None,
        verdict: str = "不允许此操作",
    ):
        super().__init__(detail)
        self.detail = detail
        self.reasons = reasons
        self.decision = decision
        self.verdict = verdict


def bound_place(
    principal: Principal, place: str | None, *, verdict: str = "不允许此操作", rt: Any = None
) -> str | None:
    """The place the act happens at: a place-bound token's own place (named or not); any
    other place named with such a token is refused (the places named, when `rt` is given)."""
    if principal.place is None:
        return place
    if place is not None and place != principal.place:
        clause, text = ENTRY_CLAUSE
        bound, asked = _place_names(rt, principal.place, place)
        raise ActRefused(
            "此账号绑定了其他办理场所",
            [
                {
                    "rule": "token.place",
                    "clause": clause,
                    "text": text,
                    "detail": f"此账号只能在“{bound}”办理，不能在“{asked}”办理",
                }
            ],
            verdict=verdict,
        )
    return principal.place


def _place_names(rt: Any, *codes: str) -> list[str]:
    if rt is None:
        return list(codes)
    from registry.models import Place

    with rt.reading() as session:
        return [getattr(session.get(Place, c), "name", c) for c in codes]


def own_person(
    principal: Principal,
    person: int | None,
    *,
    rule: str,
    clause: str,
    text: str,
    what: str,
    verdict: str = "不允许此操作",
) -> int:
    """The caller's linked person: an act names no one else, and a caller with no linked
    person cannot act in a person's name at all."""
    if principal.person is None or (person is not None and person != principal.person):
        detail = "登录账号未关联人员" if principal.person is None else "请求中的人员与登录账号所关联的人员不一致"
        raise ActRefused(
            f"{what}须由本人使用自己的账号",
            [{"rule": rule, "clause": clause, "text": text, "detail": detail}],
            verdict=verdict,
        )
    return principal.person


def backdate_limit(rt) -> timedelta:
    """The pack's `step_backdate_hours` (XT-5.3): how far back a case step may be dated."""
    try:
        hours = rt.policy.engine.pack.parameters.get("step_backdate_hours", DEFAULT_BACKDATE_HOURS)
    except AttributeError:  # no engine yet: the default
        hours = DEFAULT_BACKDATE_HOURS
    return timedelta(hours=float(hours))


def check_step_time(at: datetime | None, limit: timedelta, field: str = "at") -> None:
    """A step happens now or within `limit` before now: an older date would hide a case that
    ran outside the hall (XT-5.3); a future one is no record of what happened."""
    if at is None:
        return
    now = utcnow()
    if at < now - limit:
        hours = limit.total_seconds() / 3600
        raise invalid(
            field,
            f"环节时间不能早于现在{hours:g}小时以上（规则包规定的补记时限，{OUTSIDE_CLAUSE[0]}“{OUTSIDE_CLAUSE[1]}”）",
        )
    if at > now + FUTURE_SKEW:
        raise invalid(field, "环节时间不能晚于现在")
