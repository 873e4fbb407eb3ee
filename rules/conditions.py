"""The condition language of a pack, compiled once into small Python tests.

A `when:` mapping reads like the policy: every key is a field of `rules.schema.FIELDS` (or
`action`), every value is what the field must be:

    when:
      action: [decide]                       # the action asked about
      item.case_type: [instant]              # one of these values
      item.complexity: simple                # exactly this value
      place.kind: {not_in: [internal_office]}
      person.position: {matches: "科长|股长"}  # a regular expression

All entries must hold (AND). An OR is written as two rules, so that a refusal can name the
one rule that came nearest and the one condition that failed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .schema import ACTIONS, FIELDS, OPERATORS, Field
from .shapes import JSON, YamlPath

if TYPE_CHECKING:
    from .context import Ctx

Getter = Callable[["Ctx"], object]
"""Reads one field of a question's context (rules.fields.GETTERS), or fields.MISSING."""
Problem = tuple[YamlPath, str]
"""A problem of a `when`, at its path: for the validator's file and line."""


def _unbound(c: Ctx) -> object:
    raise RuntimeError("the condition's field reader is not bound yet (rules.fields.bind)")


@dataclass(eq=False)
class Condition:
    """One compiled test on one field; `get` is bound by the engine to read the field."""

    field: Field
    op: str
    operand: JSON  # a value, or a tuple of values for in / not_in
    test: Callable[[object], bool]
    get: Getter = dataclasses.field(default_factory=lambda: _unbound)  # no class attribute: reads stay on the instance
    ns: str = ""
    source: JSON = None

    def failed_text(self, value: object) -> str:
        """Why a value fails, in the words of the request: 'item.complexity == complex, rule requires simple'."""
        return f"{self.field.name} == {_show(value)}, rule requires {self.requirement()}"

    def holds_text(self, value: object) -> str:
        return f"{self.field.name} == {_show(value)}"

    def requirement(self) -> str:
        if self.op == "in":
            vals = list(self.operand)
            return _show(vals[0]) if len(vals) == 1 else "one of " + ", ".join(_show(v) for v in vals)
        if self.op == "not_in":
            return "none of " + ", ".join(_show(v) for v in self.operand)
        if self.op == "eq":
            return _show(self.operand)
        if self.op == "ne":
            return "not " + _show(self.operand)
        if self.op == "matches":
            return f"a match of /{self.operand}/"
        return str(self.operand)


def _show(v: object) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    return str(v)


@dataclass
class CompiledWhen:
    """A rule's `when`: the actions it applies to (None = all) and its field conditions, in order."""

    actions: tuple[str, ...] | None
    conditions: list[Condition] = field(default_factory=list)


def compile_when(
    when: JSON, path: YamlPath, *, allowed_namespaces: tuple[str, ...] | None = None
) -> tuple[CompiledWhen, list[Problem]]:
    """Compile a `when` mapping; return it with a list of (path, problem) for the validator."""
    problems: list[Problem] = []
    out = CompiledWhen(actions=None)
    if when is None:
        return out, problems
    if not isinstance(when, dict):
        problems.append((path, "when 必须是 字段: 取值 的映射"))
        return out, problems
    for key, spec in when.items():
        kpath = path + (key,)
        if key == "action":
            acts = spec if isinstance(spec, list) else [spec]
            bad = [a for a in acts if a not in ACTIONS]
            if bad:
                problems.append((kpath, f"未知的行为(action) {', '.join(map(str, bad))}；可用: {', '.join(ACTIONS)}"))
            out.actions = tuple(a for a in acts if a in ACTIONS)
            continue
        fdef = FIELDS.get(key)
        if fdef is None:
            problems.append((kpath, f"条件引用了不存在的字段 '{key}'"))
            continue
        if allowed_namespaces is not None and fdef.namespace not in allowed_namespaces:
            problems.append((kpath, f"此类规则的条件不能读取字段 '{key}'（只可读 {', '.join(allowed_namespaces)}）"))
            continue
        cond, msg = _compile_one(fdef, spec)
        if cond is None:
            problems.append((kpath, msg or ""))
            continue
        cond.source = spec
        out.conditions.append(cond)
    return out, problems


def _compile_one(fdef: Field, spec: JSON) -> tuple[Condition | None, str | None]:
    if isinstance(spec, dict):
        if len(spec) != 1:
            return None, f"字段 {fdef.name} 的条件只能有一个运算符（{', '.join(OPERATORS)}）"
        op, operand = next(iter(spec.items()))
        if op not in OPERATORS:
            return None, f"未知的运算符 '{op}'；可用: {', '.join(OPERATORS)}"
    elif isinstance(spec, list):
        op, operand = "in", spec
    else:
        op, operand = "eq", spec
    if op in ("in", "not_in"):
        if not isinstance(operand, list) or not operand:
            return None, f"{fdef.name} 的 {op} 需要一个非空列表"
        values = operand
    elif op == "matches":
        if fdef.type != "str" or not isinstance(operand, str):
            return None, "matches 只用于文字字段，且需要一个正则表达式"
        try:
            rx = re.compile(operand)
        except re.error as exc:
            return None, f"正则表达式有误: {exc}"
        return Condition(fdef, op, operand, _matches(rx), ns=fdef.namespace), None
    else:
        values = [operand]
    for v in values:
        msg = _check_value(fdef, v)
        if msg:
            return None, msg
    if op == "in":
        test = _eq(values[0]) if len(values) == 1 else _in(frozenset(values))
        return Condition(fdef, op, tuple(values), test, ns=fdef.namespace), None
    if op == "not_in":
        return Condition(fdef, op, tuple(values), _not_in(frozenset(values)), ns=fdef.namespace), None
    if op == "eq":
        return Condition(fdef, op, operand, _eq(operand), ns=fdef.namespace), None
    return Condition(fdef, op, operand, _ne(operand), ns=fdef.namespace), None


# The tests a condition compiles to: one function each, the operand bound as a default (a local read).
def _eq(x: JSON) -> Callable[[object], bool]:
    def test(v: object, x: object = x) -> bool:
        return v == x

    return test


def _ne(x: JSON) -> Callable[[object], bool]:
    def test(v: object, x: object = x) -> bool:
        return v != x

    return test


def _in(s: frozenset[JSON]) -> Callable[[object], bool]:
    def test(v: object, s: frozenset[JSON] = s) -> bool:
        return v in s

    return test


def _not_in(s: frozenset[JSON]) -> Callable[[object], bool]:
    def test(v: object, s: frozenset[JSON] = s) -> bool:
        return v not in s

    return test


def _matches(rx: re.Pattern[str]) -> Callable[[object], bool]:
    def test(v: object, rx: re.Pattern[str] = rx) -> bool:
        return isinstance(v, str) and rx.search(v) is not None

    return test


def _check_value(fdef: Field, v: JSON) -> str | None:
    if v is None:
        return None
    if fdef.type == "bool" and not isinstance(v, bool):
        return f"{fdef.name} 是是非字段，取值只能是 true 或 false，不是 {v!r}"
    if fdef.type == "enum" and v not in (fdef.values or ()):
        return f"{fdef.name} 没有取值 '{v}'；可用: {', '.join(fdef.values or ())}"
    if fdef.type == "str" and not isinstance(v, str):
        return f"{fdef.name} 的取值应为文字，不是 {v!r}"
    return None
