"""A pack's self-checks: its own scenarios (scenarios.yaml) must pass before it may serve.

The web layer publishes a pack only when `check_pack` finds no problem and `run_self_checks`
returns no failure: a pack that fails validation or its own scenarios never becomes active and
the old one keeps serving. Each failure is one plain Chinese line naming the scenario and what
differed, for the reform office who edited the pack.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .engine import Engine
from .errors import RulesError
from .pack import Pack
from .rule import Rule
from .scenarios import KIND_LABELS
from .shapes import JSON


def run_self_checks(pack: Pack) -> list[str]:
    """Every scenario of the pack whose answer differs from what it expects (empty = pass).

    A pack without scenarios.yaml has nothing to prove and passes."""
    spec = pack.scenarios
    if not spec:
        return []
    engine = Engine(pack)
    try:
        engine.load(spec.get("world") or {})
    except Exception as exc:  # noqa: BLE001 - a malformed world is reported, not raised
        return [f"自检失败：自检用的事实（「world」）无法载入：{exc}"]
    names = {p.id: p.name for p in engine.world.people.values()}
    rules = {r.id: r for r in pack.rules}
    default_known = spec.get("known_at")
    failures: list[str] = []
    for i, sc in enumerate(spec.get("scenarios") or (), 1):
        ask, expect = sc["ask"], sc["expect"]
        label = f"自检场景{i}「{sc.get('name', '')}」" + (f"（{sc['clause']}）" if sc.get("clause") else "")
        try:
            answer = engine.decide(
                ask["person"],
                ask["action"],
                ask["item"],
                at=ask["at"],
                known_at=ask.get("known_at", default_known),
                place=ask.get("place"),
                seal=ask.get("seal"),
                case=ask.get("case"),
            )
        except RulesError as exc:
            failures.append(f"{label}：提问出错（{exc}）")
            continue
        diffs = compare(expect, answer, names, rules)
        if diffs:
            failures.append(f"{label}：" + "；".join(diffs))
    return failures


def _kind(k: JSON) -> str:
    return f"“{KIND_LABELS.get(k, k)}”"


UNCHECKED = {"place": "地点", "seal": "印章", "case": "办件"}


def _rule(rule_id: str, rules: Mapping[str, Rule]) -> str:
    """A rule as the reform office knows it: its clause and words, with the id written in the
    file (「…」: what a scenario's `expect.rule` names)."""
    r = rules.get(rule_id)
    if r is None:
        return f"规则「{rule_id}」"
    text = r.text if len(r.text) <= 16 else r.text[:16] + "…"
    return f"规则“{text}”（{r.clause}，编号「{rule_id}」）"


def _checked(codes: Iterable[str] | None) -> str:
    return "、".join(UNCHECKED.get(c, f"「{c}」") for c in codes or ()) or "无"


def _basis(auth_id: JSON) -> str:
    return f"依据第 {auth_id} 号授权书" if auth_id is not None else "不依据授权书"


def _who(pid: JSON, names: Mapping[JSON, str]) -> str:
    if pid is None:
        return "不是代行"
    return f"代行A岗{names.get(pid, pid)}（人员{pid}）"


def compare(
    expect: Mapping[str, JSON],
    answer: Mapping[str, JSON],
    names: Mapping[JSON, str] | None = None,
    known: Mapping[str, Rule] | None = None,
) -> list[str]:
    """What differs between a scenario's `expect` and an engine answer, in plain Chinese: rules
    by their clause and words (`known`: the pack's rules by id), results by name, never codes
    alone; what the file says is quoted 「…」."""
    names, known = names or {}, known or {}
    out = []
    rules = [r["rule"] for r in answer.get("reasons") or ()]
    got_rules = "、".join(_rule(r, known) for r in rules) or "无"
    if "kind" in expect and answer["kind"] != expect["kind"]:
        out.append(f"期望结果为{_kind(expect['kind'])}，实际为{_kind(answer['kind'])}（依据{got_rules}）")
    elif "allowed" in expect and answer["allowed"] != expect["allowed"]:
        out.append(f"期望{'允许' if expect['allowed'] else '不允许'}，实际{'允许' if answer['allowed'] else '不允许'}")
    if expect.get("rule") is not None and expect["rule"] not in rules:
        out.append(f"期望依据{_rule(expect['rule'], known)}，实际依据{got_rules}")
    if "acting_for" in expect and answer.get("acting_for") != expect["acting_for"]:
        out.append(f"期望{_who(expect['acting_for'], names)}，实际{_who(answer.get('acting_for'), names)}")
    if "authorization" in expect:
        got = (answer.get("authorization") or {}).get("id")
        if got != expect["authorization"]:
            out.append(f"期望{_basis(expect['authorization'])}，实际{_basis(got)}")
    if expect.get("failed") is not None:
        failed = (answer.get("why_not") or {}).get("failed") or ""
        if expect["failed"] not in failed:
            why = (answer.get("why_not") or {}).get("text") or ""
            out.append(
                f"期望不满足的条件包含「{expect['failed']}」，实际"
                + (f"的答复为“{why}”" if why else "没有不满足的条件")
            )
    if expect.get("detail") is not None:
        details = [r.get("detail") or "" for r in answer.get("reasons") or ()]
        if not any(expect["detail"] in d for d in details):
            out.append(f"期望说明包含“{expect['detail']}”，实际为“{'；'.join(details) or '无'}”")
    if "unchecked" in expect and sorted(expect["unchecked"] or ()) != sorted(answer.get("unchecked") or ()):
        out.append(f"期望未核对的为{_checked(expect['unchecked'])}，实际为{_checked(answer.get('unchecked'))}")
    return out
