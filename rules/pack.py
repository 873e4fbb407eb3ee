"""Load, validate, fingerprint and compare policy packs (rules/packs/NAME/*.yaml).

A pack is data kept by the reform office. `check_pack` reports every problem with its file and
line in plain words; `load_pack` refuses a pack with problems and compiles the rest once, so the
decision path never parses YAML or conditions again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass

from .decision import PolicyRef
from .errors import PackError, PackInvalid
from .pack_checks import Parameters, check_classes, check_parameters, check_rule
from .rule import Rule
from .schema import ACTIONS, KNOWN_CLAUSES
from .scenarios import FILE as SCENARIOS_FILE, check_scenarios
from .shapes import JSON, YamlPath
from .yamlio import Lines, YamlProblem, line_of, load_with_lines

__all__ = ["Pack", "Rule", "RuleChange", "check_pack", "default_pack_dir", "diff_packs", "load_pack"]

AREA_KEYS = {"area", "rules", "classes", "note"}
PACK_KEYS = {"id", "version", "title", "parameters", "clauses", "declarative_only", "note"}


@dataclass(eq=False)
class Pack:
    """A validated pack: parameters, clauses, rules by kind, and the digest of its files."""

    id: str
    version: str
    title: str
    directory: str
    parameters: Parameters
    clauses: dict[str, JSON]
    declarative_only: list[JSON]
    classes: dict[str, JSON]
    rules: list[Rule]
    digest: str
    files: dict[str, JSON]
    scenarios: JSON = None  # scenarios.yaml, parsed and checked (rules.selfcheck runs it)

    def __post_init__(self) -> None:
        for i, r in enumerate(self.rules):
            r.order = i
        self.by_id = {r.id: r for r in self.rules}
        self.grants = [r for r in self.rules if r.kind == "grant"]
        self.prohibitions = [r for r in self.rules if r.kind == "prohibition"]
        self.findings = [r for r in self.rules if r.kind == "finding"]
        self.grants_by_action = {a: [r for r in self.grants if a in r.actions] for a in ACTIONS}
        self.prohibitions_by_action = {a: [r for r in self.prohibitions if a in r.actions] for a in ACTIONS}

    @property
    def policy(self) -> PolicyRef:
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
    if errors or pack is None:  # no pack comes without errors
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
    docs: dict[str, tuple[JSON, Lines]] = {}
    for name in names:
        with open(os.path.join(directory, name), encoding="utf-8") as fh:
            text = fh.read()
        try:
            docs[name] = load_with_lines(text)
        except YamlProblem as exc:
            errors.append(PackError(name, exc.line, exc.message))
    if errors:
        return None, errors

    def err(name: str, lines: Lines, path: YamlPath, msg: str) -> None:
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
    params = check_parameters(
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
    classes: dict[str, JSON] = {}
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
            classes.update(check_classes(data["classes"], lambda p, m: err(name, lines, ("classes",) + p, m)))
        items = data.get("rules") or []
        if not isinstance(items, list):
            err(name, lines, ("rules",), "rules 必须是列表")
            continue
        for i, raw in enumerate(items):
            if isinstance(raw, dict) and raw.get("id"):
                declared.add(str(raw["id"]))
            rule = check_rule(raw, name, lines, ("rules", i), clauses, params, err)
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


# ---------------------------------------------------------------- digest and diff


def _canonical(value: JSON) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _digest(docs: dict[str, JSON]) -> str:
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
            if rb is not None:  # always: the id is in one of the two packs
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
