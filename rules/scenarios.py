"""The shape of a pack's `scenarios.yaml`: its own small facts world and the questions it must answer.

A pack carries scenarios so that it proves itself before it serves (rules.selfcheck). The file is
data kept by the reform office, like the rules: `check_pack` checks its shape here and points at
the file and line of every problem; running the questions is `rules.selfcheck.run_self_checks`.

    known_at: 2020-01-01T00:00:00+08:00     # default "as known at" of every question
    world:                                  # a facts snapshot (docs/facts.md), self-contained
      departments: [{code: FGW, name: 市发改委, kind: department}, ...]
      people: [...]
      ...
    scenarios:
      - name: 首席代表对即办件作出审批决定
        clause: XT-3.3.3
        ask: {person: 1, action: decide, item: I1, at: 2019-03-01T10:00:00+08:00}
        expect: {allowed: true, kind: allow, rule: chief_rep.decide.instant, authorization: 10}
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import vocab

from .schema import ACTIONS
from .shapes import JSON, YamlPath
from .world import KINDS, record_key

Err = Callable[[YamlPath, str], None]
"""Report a problem at a path of scenarios.yaml."""

FILE = "scenarios.yaml"
TOP_KEYS = {"known_at", "world", "scenarios", "note"}
SCENARIO_KEYS = {"name", "clause", "ask", "expect", "note"}
ASK_KEYS = {"person", "action", "item", "at", "known_at", "place", "seal", "case"}
EXPECT_KEYS = {"allowed", "kind", "rule", "acting_for", "authorization", "failed", "detail", "unchecked"}
KINDS_OF_ANSWER = ("allow", "forbidden", "not_granted")
KIND_LABELS = vocab.DECISION_KINDS


def _is_time(v: JSON) -> bool:
    if isinstance(v, (datetime, date)):
        return True
    if isinstance(v, str):
        try:
            datetime.fromisoformat(v.replace("Z", "+00:00"))
            return True
        except ValueError:
            return False
    return False


def check_scenarios(data: JSON, rule_ids: set[str], clauses: dict[str, JSON], err: Err) -> None:
    """Report every shape problem of a parsed scenarios.yaml through `err(path, message)`."""
    if not isinstance(data, dict):
        err((), "scenarios.yaml 必须是包含 world 与 scenarios 的映射")
        return
    for k in data:
        if k not in TOP_KEYS:
            err((k,), f"scenarios.yaml 中未知的键 '{k}'（可用: {', '.join(sorted(TOP_KEYS))}）")
    if "known_at" in data and not _is_time(data["known_at"]):
        err(("known_at",), f"known_at 不是时间: {data['known_at']!r}")
    world = data.get("world")
    refs: dict[str, set[JSON]] = {"people": set(), "items": set(), "places": set(), "seals": set(), "cases": set()}
    if not isinstance(world, dict):
        err(("world",) if "world" in data else (), "scenarios.yaml 需要 world：自检用的事实（docs/facts.md 的快照）")
    else:
        for key, rows in world.items():
            if key not in KINDS:
                err(("world", key), f"world 中未知的事实类别 '{key}'（可用: {', '.join(KINDS)}）")
                continue
            if not isinstance(rows, list):
                err(("world", key), f"world.{key} 必须是列表")
                continue
            seen = set()
            for i, row in enumerate(rows):
                if not isinstance(row, dict):
                    err(("world", key, i), f"world.{key} 的每一项必须是映射")
                    continue
                rk = record_key(row)
                if rk is None:
                    err(("world", key, i), f"world.{key} 的记录需要 id 或 code")
                    continue
                if rk in seen:
                    err(("world", key, i), f"world.{key} 中记录 {rk} 重复")
                seen.add(rk)
                if key in refs:
                    refs[key].add(rk)
    scenarios = data.get("scenarios")
    if not isinstance(scenarios, list) or not scenarios:
        err(("scenarios",) if "scenarios" in data else (), "scenarios 必须是非空列表")
        return
    names: dict[str, int] = {}
    for i, sc in enumerate(scenarios):
        path = ("scenarios", i)
        if not isinstance(sc, dict):
            err(path, "每个自检场景必须是映射（name, clause, ask, expect）")
            continue
        for k in sc:
            if k not in SCENARIO_KEYS:
                err(path + (k,), f"自检场景中未知的键 '{k}'（可用: {', '.join(sorted(SCENARIO_KEYS))}）")
        name = sc.get("name")
        if not isinstance(name, str) or not name.strip():
            err(path, "自检场景需要 name（场景名称）")
        elif name in names:
            err(path + ("name",), f"自检场景名称 '{name}' 重复（第 {names[name] + 1} 个场景已用）")
        else:
            names[name] = i
        clause = sc.get("clause")
        if clause is not None and clause not in clauses:
            err(path + ("clause",), f"未知的条款编号 '{clause}'")
        _check_ask(sc.get("ask"), path, refs, world if isinstance(world, dict) else None, err)
        _check_expect(sc.get("expect"), path, rule_ids, err)


def _section(section: JSON, path: YamlPath, name: str, keys: set[str], missing: str, err: Err) -> YamlPath | None:
    """The path of a scenario's `name` section (ask, expect) after its unknown keys are reported;
    None, with `missing` reported, when it is not a mapping."""
    if not isinstance(section, dict):
        err(path + (name,) if section is not None else path, missing)
        return None
    p = path + (name,)
    for k in section:
        if k not in keys:
            err(p + (k,), f"{name} 中未知的键 '{k}'（可用: {', '.join(sorted(keys))}）")
    return p


def _check_ask(ask: JSON, path: YamlPath, refs: dict[str, set[JSON]], world: dict[str, JSON] | None, err: Err) -> None:
    p = _section(ask, path, "ask", ASK_KEYS, "自检场景需要 ask：person, action, item, at", err)
    if p is None:
        return
    for k in ("person", "action", "item", "at"):
        if ask.get(k) is None:
            err(p, f"ask 缺少 '{k}'")
    if ask.get("action") is not None and ask["action"] not in ACTIONS:
        err(p + ("action",), f"未知的行为(action) '{ask['action']}'；可用: {', '.join(ACTIONS)}")
    for k in ("at", "known_at"):
        if ask.get(k) is not None and not _is_time(ask[k]):
            err(p + (k,), f"ask.{k} 不是时间: {ask[k]!r}")
    if world is None:
        return
    for k, table, label in (
        ("person", "people", "人员"),
        ("item", "items", "事项"),
        ("place", "places", "地点"),
        ("seal", "seals", "印章"),
    ):
        v = ask.get(k)
        if v is not None and v not in refs[table]:
            err(p + (k,), f"ask.{k} '{v}' 不在 world.{table} 中（自检场景的{label}须在本文件的事实里）")


def _check_expect(exp: JSON, path: YamlPath, rule_ids: set[str], err: Err) -> None:
    p = _section(exp, path, "expect", EXPECT_KEYS, "自检场景需要 expect：至少写明 kind", err)
    if p is None:
        return
    kind = exp.get("kind")
    if kind is None:
        err(p, "expect 缺少 'kind'（allow、forbidden 或 not_granted）")
    elif kind not in KINDS_OF_ANSWER:
        err(p + ("kind",), f"expect.kind 只能是 {', '.join(KINDS_OF_ANSWER)}，不是 {kind!r}")
    if "allowed" in exp:
        if not isinstance(exp["allowed"], bool):
            err(p + ("allowed",), "expect.allowed 只能是 true 或 false")
        elif kind in KINDS_OF_ANSWER and exp["allowed"] != (kind == "allow"):
            err(p + ("allowed",), f"expect.allowed 与 kind: {kind} 矛盾")
    rule = exp.get("rule")
    if rule is not None and rule not in rule_ids:
        err(p + ("rule",), f"expect.rule 引用了规则包中不存在的规则 '{rule}'")
    for k in ("failed", "detail"):
        if k in exp and not isinstance(exp[k], str):
            err(p + (k,), f"expect.{k} 应为文字（答复中应包含的一段话）")
    if "unchecked" in exp and not (
        isinstance(exp["unchecked"], list) and all(x in ("place", "seal", "case") for x in exp["unchecked"])
    ):
        err(p + ("unchecked",), "expect.unchecked 应为 place、seal、case 的列表")
