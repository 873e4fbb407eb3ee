"""Load, validate, fingerprint and compare policy packs (rules/packs/NAME/*.yaml).

A pack is data kept by the reform office. `check_pack` reports every problem with its file and
line in plain words; `load_pack` refuses a pack with problems and compiles the rest once, so the
decision path never parses YAML or conditions again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from fractions import Fraction
from typing import Any

from .conditions import CompiledWhen, compile_when
from .errors import PackError, PackInvalid
from .schema import (
    ACTIONS,
    FINDING_CHECKS,
    GRANTEE_KINDS,
    ITEM_TYPES,
    KNOWN_CLAUSES,
    PARAMETERS,
    POSTS,
    RULE_KINDS,
    SEVERITIES,
    STRENGTHS,
)
from .scenarios import FILE as SCENARIOS_FILE, check_scenarios
from .yamlio import YamlProblem, line_of, load_with_lines

RULE_KEYS = {
    "id",
    "clause",
    "strength",
    "kind",
    "text",
    "source_text",
    "explain",
    "when",
    "grantee",
    "post",
    "power",
    "from",
    "check",
    "subject",
    "severity",
    "params",
    "note",
    "title",
}
REQUIRED_KEYS = ("id", "clause", "strength", "kind", "text", "source_text", "explain")
AREA_KEYS = {"area", "rules", "classes", "note"}
PACK_KEYS = {"id", "version", "title", "parameters", "clauses", "declarative_only", "note"}


@dataclass(eq=False)
class Rule:
    """One rule of a pack, compiled: conditions are closures, dates are epoch seconds."""

    id: str
    clause: str
    strength: str
    kind: str
    text: str
    source_text: str
    explain: str
    when: CompiledWhen
    file: str
    line: int
    raw: dict
    grantee: str | None = None
    posts: tuple[str, ...] | None = None
    power: str | None = None
    start_param: str | None = None
    start_at: float | None = None
    check: str | None = None
    subject: str | None = None
    severity: str = "medium"
    params: dict = field(default_factory=dict)
    order: int = 0

    @property
    def actions(self) -> tuple[str, ...]:
        return self.when.actions if self.when.actions is not None else tuple(ACTIONS)


@dataclass(eq=False)
class Pack:
    """A validated pack: parameters, clauses, rules by kind, and the digest of its files."""

    id: str
    version: str
    title: str
    directory: str
    parameters: dict
    clauses: dict[str, dict]
    declarative_only: list[dict]
    classes: dict
    rules: list[Rule]
    digest: str
    files: dict[str, Any]
    scenarios: dict | None = None  # scenarios.yaml, parsed and checked (rules.selfcheck runs it)

    def __post_init__(self):
        for i, r in enumerate(self.rules):
            r.order = i
        self.by_id = {r.id: r for r in self.rules}
        self.grants = [r for r in self.rules if r.kind == "grant"]
        self.prohibitions = [r for r in self.rules if r.kind == "prohibition"]
        self.findings = [r for r in self.rules if r.kind == "finding"]
        self.grants_by_action = {a: [r for r in self.grants if a in r.actions] for a in ACTIONS}
        self.prohibitions_by_action = {a: [r for r in self.prohibitions if a in r.actions] for a in ACTIONS}

    @property
    def policy(self) -> dict:
        return {"pack": self.id, "version": self.version, "digest": self.digest}

    def clause_ids_with_rules(self) -> set[str]:
        return {r.clause for r in self.rules}


# ---------------------------------------------------------------- loading


def check_pack(directory: str) -> list[PackError]:
    """Every problem of the pack in `directory`, each with file, line and a plain message."""
    _, errors = _read(directory)
    return errors


def load_pack(directory: str) -> Pack:
    """The compiled pack in `directory`; raises PackInvalid listing the problems."""
    pack, errors = _read(directory)
    if errors:
        raise PackInvalid(errors)
    return pack


def default_pack_dir(name: str = "xiangtan-2018") -> str:
    return os.path.join(os.path.dirname(__file__), "packs", name)


def _read(directory: str) -> tuple[Pack | None, list[PackError]]:
    errors: list[PackError] = []
    if not os.path.isdir(directory):
        return None, [PackError(directory, 1, "找不到规则包目录")]
    names = sorted(n for n in os.listdir(directory) if n.endswith((".yaml", ".yml")))
    if "pack.yaml" not in names:
        return None, [PackError("pack.yaml", 1, "规则包缺少 pack.yaml")]
    docs: dict[str, tuple[Any, dict]] = {}
    for name in names:
        with open(os.path.join(directory, name), encoding="utf-8") as fh:
            text = fh.read()
        try:
            docs[name] = load_with_lines(text)
        except YamlProblem as exc:
            errors.append(PackError(name, exc.line, exc.message))
    if errors:
        return None, errors

    def err(name, lines, path, msg):
        errors.append(PackError(name, line_of(lines, path), msg))

    head, hlines = docs["pack.yaml"]
    if not isinstance(head, dict):
        return None, [PackError("pack.yaml", 1, "pack.yaml 必须是一个映射")]
    for k in head:
        if k not in PACK_KEYS:
            err("pack.yaml", hlines, (k,), f"pack.yaml 中未知的键 '{k}'")
    for k in ("id", "version", "title", "parameters", "clauses"):
        if k not in head:
            err("pack.yaml", hlines, (), f"pack.yaml 缺少 '{k}'")
    params = _check_parameters(
        head.get("parameters") or {}, lambda p, m: err("pack.yaml", hlines, ("parameters",) + p, m)
    )
    clauses = head.get("clauses") or {}
    if not isinstance(clauses, dict):
        err("pack.yaml", hlines, ("clauses",), "clauses 必须是 条款编号: 内容 的映射")
        clauses = {}
    for cid, c in clauses.items():
        if cid not in KNOWN_CLAUSES:
            err("pack.yaml", hlines, ("clauses", cid), f"未知的条款编号 '{cid}'（设计文档第5节没有）")
        if not isinstance(c, dict) or not c.get("text") or not c.get("source_text"):
            err("pack.yaml", hlines, ("clauses", cid), f"条款 {cid} 需要 text 与 source_text")
    declarative = head.get("declarative_only") or []
    for i, d in enumerate(declarative):
        if not isinstance(d, dict) or not d.get("part") or not d.get("reason"):
            err("pack.yaml", hlines, ("declarative_only", i), "declarative_only 的每一项需要 part 与 reason")
        elif d.get("clause") is not None and d["clause"] not in KNOWN_CLAUSES:
            err("pack.yaml", hlines, ("declarative_only", i, "clause"), f"未知的条款编号 '{d['clause']}'")

    rules: list[Rule] = []
    seen: dict[str, str] = {}
    declared: set[str] = set()  # every rule id written, even of a rule refused above
    classes: dict = {}
    for name in names:
        if name in ("pack.yaml", SCENARIOS_FILE):
            continue
        data, lines = docs[name]
        if not isinstance(data, dict):
            err(name, lines, (), "文件必须是包含 area 与 rules 的映射")
            continue
        for k in data:
            if k not in AREA_KEYS:
                err(name, lines, (k,), f"未知的键 '{k}'（可用: {', '.join(sorted(AREA_KEYS))}）")
        if "classes" in data:
            classes.update(_check_classes(data["classes"], lambda p, m: err(name, lines, ("classes",) + p, m)))
        items = data.get("rules") or []
        if not isinstance(items, list):
            err(name, lines, ("rules",), "rules 必须是列表")
            continue
        for i, raw in enumerate(items):
            if isinstance(raw, dict) and raw.get("id"):
                declared.add(str(raw["id"]))
            rule = _check_rule(raw, name, lines, ("rules", i), clauses, params, err)
            if rule is None:
                continue
            if rule.id in seen:
                err(name, lines, ("rules", i, "id"), f"规则编号 '{rule.id}' 重复（已见于 {seen[rule.id]}）")
                continue
            seen[rule.id] = name
            rules.append(rule)
    scenarios = None
    if SCENARIOS_FILE in docs:
        scenarios, slines = docs[SCENARIOS_FILE]
        check_scenarios(scenarios, declared, clauses, lambda path, msg: err(SCENARIOS_FILE, slines, path, msg))
    if errors:
        return None, errors
    pack = Pack(
        id=str(head["id"]),
        version=str(head["version"]),
        title=str(head["title"]),
        directory=os.path.abspath(directory),
        parameters=params,
        clauses=clauses,
        declarative_only=declarative,
        classes=classes,
        rules=rules,
        digest=_digest({n: d for n, (d, _) in docs.items()}),
        files={n: d for n, (d, _) in docs.items()},
        scenarios=scenarios,
    )
    return pack, errors


def _check_rule(raw, name, lines, path, clauses, params, err) -> Rule | None:
    if not isinstance(raw, dict):
        err(name, lines, path, "每条规则必须是一个映射")
        return None
    ok = True
    for k in raw:
        if k not in RULE_KEYS:
            err(name, lines, path + (k,), f"规则中未知的键 '{k}'")
            ok = False
    for k in REQUIRED_KEYS:
        if not raw.get(k):
            err(name, lines, path, f"规则{(' ' + str(raw.get('id'))) if raw.get('id') else ''} 缺少 '{k}'")
            ok = False
    clause = raw.get("clause")
    if clause and clause not in clauses:
        err(name, lines, path + ("clause",), f"未知的条款编号 '{clause}'")
        ok = False
    if raw.get("strength") and raw["strength"] not in STRENGTHS:
        err(name, lines, path + ("strength",), f"strength 只能是 {' 或 '.join(STRENGTHS)}")
        ok = False
    kind = raw.get("kind")
    if kind and kind not in RULE_KINDS:
        err(name, lines, path + ("kind",), f"kind 只能是 {', '.join(RULE_KINDS)}")
        ok = False
    allowed_ns = ("item",) if kind == "finding" else None
    when, problems = compile_when(raw.get("when"), path + ("when",), allowed_namespaces=allowed_ns)
    for p, m in problems:
        err(name, lines, p, m)
        ok = False
    grantee = raw.get("grantee")
    posts = raw.get("post")
    power = raw.get("power")
    if kind == "grant":
        if grantee not in GRANTEE_KINDS:
            err(name, lines, path + ("grantee",), f"授予规则需要 grantee，取 {', '.join(GRANTEE_KINDS)} 之一")
            ok = False
        if when.actions is None:
            err(name, lines, path + ("when",), "授予规则必须在 when.action 中写明授予的行为")
            ok = False
    elif grantee is not None or posts is not None or power is not None:
        err(name, lines, path, "grantee/post/power 只用于授予规则(kind: grant)")
        ok = False
    if posts is not None:
        posts = posts if isinstance(posts, list) else [posts]
        if any(p not in POSTS for p in posts):
            err(name, lines, path + ("post",), f"post 只能取 {', '.join(POSTS)}")
            ok = False
    if power is not None and power not in ACTIONS:
        err(name, lines, path + ("power",), f"未知的权限(power) '{power}'")
        ok = False
    start_param = raw.get("from")
    start_at = None
    if start_param is not None:
        dates = params.get("rule_start_dates") or {}
        if start_param not in dates:
            err(name, lines, path + ("from",), f"from 应为 parameters.rule_start_dates 中的名称，没有 '{start_param}'")
            ok = False
        else:
            start_at = dates[start_param].timestamp()
    check = raw.get("check")
    if kind == "finding":
        if check not in FINDING_CHECKS:
            err(name, lines, path + ("check",), f"未知的检查 '{check}'；可用: {', '.join(FINDING_CHECKS)}")
            ok = False
        sev = raw.get("severity", "medium")
        if sev not in SEVERITIES:
            err(name, lines, path + ("severity",), f"severity 只能是 {', '.join(SEVERITIES)}")
            ok = False
    elif check is not None:
        err(name, lines, path + ("check",), "check 只用于发现规则(kind: finding)")
        ok = False
    if not ok:
        return None
    return Rule(
        id=str(raw["id"]),
        clause=clause,
        strength=raw["strength"],
        kind=kind,
        text=raw["text"],
        source_text=raw["source_text"],
        explain=raw["explain"],
        when=when,
        file=name,
        line=line_of(lines, path),
        raw=raw,
        grantee=grantee,
        posts=tuple(posts) if posts is not None else None,
        power=power,
        start_param=start_param,
        start_at=start_at,
        check=check,
        subject=raw.get("subject"),
        severity=raw.get("severity", "medium"),
        params=raw.get("params") or {},
    )


def _check_classes(classes, err) -> dict:
    out = {}
    if not isinstance(classes, dict):
        err((), "classes 必须是映射")
        return out
    for name, c in classes.items():
        bad = [t for t in (c or {}).get("exclude_item_types", []) if t not in ITEM_TYPES]
        if bad:
            err((name, "exclude_item_types"), f"未知的事项类型 {', '.join(bad)}")
        out[name] = c
    return out


def _as_datetime(v) -> datetime | None:
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=timezone.utc)
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day, tzinfo=timezone.utc)
    if isinstance(v, str):
        try:
            d = datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return None
        return d if d.tzinfo else d.replace(tzinfo=timezone.utc)
    return None


def _check_parameters(p: dict, err) -> dict:
    out = dict(p) if isinstance(p, dict) else {}
    if not isinstance(p, dict):
        err((), "parameters 必须是映射")
        return out
    for k in p:
        if k not in PARAMETERS:
            err((k,), f"未知的参数 '{k}'；可用: {', '.join(PARAMETERS)}")
    comp = p.get("compression", {"mode": "reduce_by_at_least", "fraction": "1/3"})
    try:
        mode = comp["mode"]
        frac = Fraction(str(comp["fraction"]))
        if mode not in ("reduce_by_at_least", "reduce_to_at_most") or not (0 < frac < 1):
            raise ValueError
        out["compression"] = {"mode": mode, "fraction": frac}
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        err(
            ("compression",),
            'compression 需要 mode (reduce_by_at_least 或 reduce_to_at_most) 与 0 到 1 之间的 fraction，如 "1/3"',
        )
    ab = p.get("ab_mode", "backup")
    if (
        ab == "mutual"
    ):  # withdrawn (docs/design.md §4, §12): the plan lets a post substitute only while the other is vacant
        err(
            ("ab_mode",),
            "ab_mode: mutual 已撤销：方案三(三)2“A岗或B岗缺位时可以互相替代履行其职权”，"
            "只在一岗缺位时由另一岗替代，不是两岗随时都可行使；请用 backup",
        )
    elif ab != "backup":
        err(("ab_mode",), "ab_mode 只能是 backup")
    out["ab_mode"] = ab
    wc = p.get("whole_chain_sections", [])
    if not isinstance(wc, list) or not all(isinstance(x, str) for x in wc):
        err(("whole_chain_sections",), "whole_chain_sections 必须是功能板块代码的列表")
    oh = p.get("office_hours", [["09:00", "12:00"], ["13:30", "17:30"]])
    try:
        for a, b in oh:
            datetime.strptime(a, "%H:%M"), datetime.strptime(b, "%H:%M")
    except (TypeError, ValueError):
        err(("office_hours",), 'office_hours 应为 [开始, 结束] 的列表，如 ["09:00", "12:00"]')
    dates = {}
    for name, v in (p.get("rule_start_dates") or {}).items():
        d = _as_datetime(v)
        if d is None:
            err(("rule_start_dates", name), f"rule_start_dates.{name} 不是时间: {v!r}")
        else:
            dates[name] = d.astimezone(timezone.utc)
    out["rule_start_dates"] = dates
    ar = p.get("aggregate_reduction", 0.15)
    if not isinstance(ar, (int, float)) or isinstance(ar, bool) or not (0 < ar < 1):
        err(("aggregate_reduction",), "aggregate_reduction 应为 0 到 1 之间的小数，如 0.15")
    out["aggregate_reduction"] = ar
    it = p.get("instant_threshold_days", 2)
    if not isinstance(it, int) or isinstance(it, bool) or it < 1:
        err(("instant_threshold_days",), "instant_threshold_days 应为正整数")
    out["instant_threshold_days"] = it
    rh = p.get("response_hours", 1)
    if not isinstance(rh, (int, float)) or isinstance(rh, bool) or rh <= 0:
        err(("response_hours",), "response_hours 应为正数")
    out["response_hours"] = rh
    sb = p.get("step_backdate_hours", 24)
    if not isinstance(sb, (int, float)) or isinstance(sb, bool) or not 0 < sb <= 24 * 31:
        err(("step_backdate_hours",), "step_backdate_hours 应为 0 到 744 之间的正数（小时）")
    out["step_backdate_hours"] = sb
    from .materials import check_patterns

    for problem in check_patterns(p.get("catch_all", [])):
        err(("catch_all",), problem)
    out["catch_all"] = p.get("catch_all", [])
    for k in ("catch_all_patterns", "head_positions", "retained_sub_halls"):
        v = p.get(k, [])
        if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v):
            err((k,), f"{k} 必须是文字的列表")
        out[k] = v
    out["whole_chain_sections"] = wc
    out["office_hours"] = oh
    return out


# ---------------------------------------------------------------- digest and diff


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _digest(docs: dict[str, Any]) -> str:
    h = hashlib.sha256()
    for name in sorted(docs):
        h.update(name.encode("utf-8") + b"\n" + _canonical(docs[name]).encode("utf-8") + b"\n")
    return h.hexdigest()


@dataclass(frozen=True)
class RuleChange:
    """One difference between two packs: a rule added, removed, or changed in some keys."""

    rule: str
    change: str  # added | removed | changed
    keys: tuple[str, ...] = ()
    clause: str | None = None


def diff_packs(a: Pack, b: Pack) -> list[RuleChange]:
    """Rule-by-rule differences from pack `a` to pack `b` (parameters appear as rule 'parameters')."""
    out: list[RuleChange] = []
    pa, pb = a.files["pack.yaml"].get("parameters") or {}, b.files["pack.yaml"].get("parameters") or {}
    keys = tuple(sorted(k for k in set(pa) | set(pb) if _canonical(pa.get(k)) != _canonical(pb.get(k))))
    if keys:
        out.append(RuleChange("parameters", "changed", keys))
    for rid in sorted(set(a.by_id) | set(b.by_id)):
        ra, rb = a.by_id.get(rid), b.by_id.get(rid)
        if ra is None:
            out.append(RuleChange(rid, "added", (), rb.clause))
        elif rb is None:
            out.append(RuleChange(rid, "removed", (), ra.clause))
        else:
            changed = tuple(
                sorted(k for k in set(ra.raw) | set(rb.raw) if _canonical(ra.raw.get(k)) != _canonical(rb.raw.get(k)))
            )
            if changed:
                out.append(RuleChange(rid, "changed", changed, rb.clause))
    return out
