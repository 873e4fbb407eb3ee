"""Validation of a pack's pieces: one rule, the area classes, pack.yaml's parameters (rules.pack reads
the files and calls these; each problem goes to `err` with its path, for the file and line)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from fractions import Fraction
from typing import TypedDict, cast

from .conditions import compile_when
from .rule import Rule
from .schema import (
    ACTIONS,
    FINDING_CHECKS,
    GRANTEE_KINDS,
    ITEM_TYPES,
    PARAMETERS,
    POSTS,
    RULE_KINDS,
    SEVERITIES,
    STRENGTHS,
)
from .shapes import JSON, YamlPath
from .yamlio import Lines, line_of

Err = Callable[[YamlPath, str], None]
"""Report a problem at a path inside the piece being checked."""
FileErr = Callable[[str, Lines, YamlPath, str], None]
"""Report a problem at a path of a pack file (its name and line table)."""


class Compression(TypedDict):
    mode: str  # reduce_by_at_least | reduce_to_at_most
    fraction: Fraction


class Parameters(TypedDict, total=False):
    """pack.yaml's `parameters` once checked (rules.schema.PARAMETERS), with their defaults."""

    compression: Compression
    ab_mode: str
    whole_chain_sections: list[str]
    office_hours: list[list[str]]
    rule_start_dates: dict[str, datetime]
    aggregate_reduction: float
    instant_threshold_days: int
    response_hours: float
    step_backdate_hours: float
    catch_all: list[str]
    catch_all_patterns: list[str]
    head_positions: list[str]
    retained_sub_halls: list[str]


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


def check_rule(
    raw: JSON, name: str, lines: Lines, path: YamlPath, clauses: dict[str, JSON], params: Parameters, err: FileErr
) -> Rule | None:
    """The compiled rule `raw` (at `path` of file `name`), or None with its problems reported."""
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
        clause=raw["clause"],
        strength=raw["strength"],
        kind=raw["kind"],
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


def check_classes(classes: JSON, err: Err) -> dict[str, JSON]:
    """The `classes` of an area file, each item type checked."""
    out: dict[str, JSON] = {}
    if not isinstance(classes, dict):
        err((), "classes 必须是映射")
        return out
    for name, c in classes.items():
        bad = [t for t in (c or {}).get("exclude_item_types", []) if t not in ITEM_TYPES]
        if bad:
            err((name, "exclude_item_types"), f"未知的事项类型 {', '.join(bad)}")
        out[name] = c
    return out


def _as_datetime(v: JSON) -> datetime | None:
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


def check_parameters(p: JSON, err: Err) -> Parameters:
    """pack.yaml's `parameters`, checked, with the defaults of those left out."""
    out: dict[str, JSON] = dict(p) if isinstance(p, dict) else {}
    if not isinstance(p, dict):
        err((), "parameters 必须是映射")
        return {}
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
    dates: dict[str, datetime] = {}
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
    # every parameter now holds its checked value, or a problem was reported (the pack is refused)
    return cast(Parameters, out)
