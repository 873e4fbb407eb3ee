"""Explanation: the one template table and the words of an answer (docs/design.md §8).

Every `explain:` template of the pack, for decisions (`Explainer`) and for findings (`render`),
is read through one table of names (TEMPLATE_EXPR over a question's context; a finding's values
with the same `post` label): a decision template is compiled once into one f-string, one with a
format spec goes through `str.format_map` over the same table.

A decision's words are built when first read (rules.decision.Decision): the engine records a
failure on the question's path as a small tuple (`failure` below renders it into a wording.Fail,
the pack's terms and the Chinese sentence), and the renderers at the end of this module turn
what the engine found into `reasons` and `why_not`.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from typing import TYPE_CHECKING

from .conditions import Condition
from .context import Ctx
from .decision import Reason, WhyNot, Words
from .pack import Pack
from .rule import Rule
from .schema import ACTIONS
from .shapes import JSON
from .timeutil import local_date
from .wording import CLOSE_ACTIONS, Fail, condition_failed, no_grant, post_label, why_not_text
from .world import World
from .records import AuthRec, ItemRec, PersonRec

if TYPE_CHECKING:
    from .evaluate import Miss
    from .plans import Failure

Template = Callable[[Ctx, str], str]
"""A compiled decision template: (the question's context, the action's label) -> the words."""
# How each name a decision template may use is read, as Python source over the question's
# context `c` and the action's label; a template is compiled once into one f-string function.
TEMPLATE_EXPR = {
    "person_name": "c.person.name",
    "person_id": "c.person.id",
    "grantor_name": "(c.world.dept_names.get(c.auth.grantor if c.auth is not None else c.item.department)"
    " or _grantor_code(c))",
    "post": "(c.auth.post_label if c.auth is not None else '')",
    "item_name": "c.item.name",
    "item_code": "c.item.code",
    "item_department_name": "(c.world.dept_names.get(c.item.department) or str(c.item.department))",
    "action_label": "label",
    "place_name": "(c.place.name if c.place is not None else '—')",
    "place_section_name": "_place_section_name(c)",
    "seal_name": "(c.seal.name if c.seal is not None else '—')",
    "seal_quoted": "_seal_quoted(c)",
    "place_quoted": "_place_quoted(c)",
    "auth_id": "(c.auth.id if c.auth is not None else '—')",
    "date": "_local_date(c.t)",
    "revoked": "_revoked(c)",
    "acting_for_name": "_acting_for_name(c)",
}


def _grantor_code(c: Ctx) -> str:
    return str(c.auth.grantor if c.auth is not None else c.item.department)


def _place_section_name(c: Ctx) -> str | None:
    if c.place is None:
        return "—"
    fs = c.world.tables["function_sections"].get(c.place.function_section)
    name: str | None = (fs or {}).get("name") or c.place.function_section
    return name


def _revoked(c: Ctx) -> str:
    at = c.index.revoked_at(c.auth.id, c.t, c.k) if c.auth is not None else None
    return f"（已于{local_date(at)}撤销）" if at is not None else ""


def _acting_for_name(c: Ctx) -> str:
    p = c.world.people.get(c.acting_for)
    return p.name if p else "首席代表"


def _seal_quoted(c: Ctx) -> str:
    """“{seal_name}” in a template: the seal by name, or that the question named none."""
    return f"“{c.seal.name}”" if c.seal is not None else "所保管的印章（本次询问未指定具体印章）"


def _place_quoted(c: Ctx) -> str:
    return f"“{c.place.name}”" if c.place is not None else "办理场所（本次询问未指定）"


_TEMPLATE_GLOBALS = {
    "_grantor_code": _grantor_code,
    "_place_section_name": _place_section_name,
    "_revoked": _revoked,
    "_acting_for_name": _acting_for_name,
    "_local_date": local_date,
    "_seal_quoted": _seal_quoted,
    "_place_quoted": _place_quoted,
}
_EXPR_FUNCTIONS: dict[str, Callable[[Ctx, str], object]] = {}
_ACTION_OF_LABEL = {label: code for code, label in ACTIONS.items()}


def _expr_function(name: str) -> Callable[[Ctx, str], object] | None:
    """TEMPLATE_EXPR[name] as a function (ctx, label) -> value, compiled once."""
    f = _EXPR_FUNCTIONS.get(name)
    if f is None and name in TEMPLATE_EXPR:
        f = eval(
            compile(f"lambda c, label: {TEMPLATE_EXPR[name]}", "<template>", "eval"),  # noqa: S307
            dict(_TEMPLATE_GLOBALS),
        )
        _EXPR_FUNCTIONS[name] = f
    return f


class Vals(dict[str, object]):
    """Values for a decision template with a format spec, computed only when asked for, by the
    same table (TEMPLATE_EXPR) the compiled templates use: one set of words for both."""

    def __init__(self, ctx: Ctx, action: str | None):
        super().__init__()
        self.c, self.action = ctx, action

    def __missing__(self, key: str) -> object:
        get = _expr_function(key)
        v = get(self.c, ACTIONS.get(self.action or "", "")) if get is not None else "{" + key + "}"
        self[key] = v
        return v


def normalize_template(template: str) -> str:
    """A quoted seal or place reads "the seal kept" when the question named none, not “—”."""
    return template.replace("“{seal_name}”", "{seal_quoted}").replace("“{place_name}”", "{place_quoted}")


def compile_template(template: str) -> Template:
    """`template` ("{person_name}是{grantor_name}的{post}岗首席代表…") as a function (ctx, label) -> str.

    Names it does not know stay as written ("{name}"), as `Vals` leaves them; a template with a
    conversion or a format spec is formatted by `str.format_map` over `Vals` instead."""
    template = normalize_template(template)
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        parts = None
    if parts is None or any(name is not None and (spec or conv) for _, name, spec, conv in parts):

        def formatted(c: Ctx, label: str, t: str = template) -> str:
            return t.format_map(Vals(c, _ACTION_OF_LABEL.get(label)))

        return formatted
    env: dict[str, object] = dict(_TEMPLATE_GLOBALS)
    pieces = []
    for i, (lit, name, _, _) in enumerate(parts):
        if lit:
            env[f"_L{i}"] = lit
            pieces.append(f"{{_L{i}}}")
        if name is not None:
            if name in TEMPLATE_EXPR:
                pieces.append("{" + TEMPLATE_EXPR[name] + "}")
            else:
                env[f"_U{i}"] = "{" + name + "}"
                pieces.append(f"{{_U{i}}}")
    src = 'def explain(c, label):\n    return f"' + "".join(pieces) + '"\n'
    exec(compile(src, "<template>", "exec"), env)  # noqa: S102 - source built from the table above
    return env["explain"]  # type: ignore[return-value]  # the function the source above defines


class _Fmt(dict[str, JSON]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, values: dict[str, JSON]) -> str:
    """A finding's template over its values; names it lacks stay as written; `post` reads as in a
    decision's words (no "none")."""
    vals = _Fmt(values)
    if "post" in vals:
        vals["post"] = post_label(vals["post"])
    return template.format_map(vals)


# ------------------------------------------------------------------ failures, built when read


def failure(f: Failure) -> Fail:
    """A failure the engine recorded: a Fail already, or (renderer, *args) to build one."""
    if isinstance(f, Fail):
        return f
    return f[0](*f[1:])


# The failures the engine records on a question's path, as (the pack's terms, the Chinese sentence):
# one pair of templates each, over the values its renderer below reads from the facts (dates in
# Beijing time, wording.zh_date).
FAILURES = {
    "filed_late": (
        "authorization {id} filed {filed}, after known_at {k}",
        "授权书（第{id}号）于{filed}才登记，晚于所问的知悉时间{k}",
    ),
    "not_valid_at": (
        "authorization {id} valid {vf}..{vt}, not at {t}",
        "授权书（第{id}号）的有效期为{vf}至{vt}，{t}不在有效期内",
    ),
    "revoked": ("authorization {id} revoked at {rv}", "授权书（第{id}号）已于{rv}撤销"),
    "out_of_scope": (
        "item {code} not in scope of authorization {id}",
        "“{name}”不在授权书（第{id}号，{grantor}授予）的事项范围内",
    ),
    "absent": ("{name} absent at {t}", "{name}在{t}登记了缺位"),
    "a_post_present": ("A post {who} not absent at {t}", "B岗只在A岗缺位时代行，而A岗{who_zh}在{t}没有缺位"),
}


def _fail(kind: str, **values: object) -> Fail:
    code, zh = FAILURES[kind]
    return Fail(code.format(**values), zh.format(**values))


def filed_late(a: AuthRec, k: float) -> Fail:
    return _fail("filed_late", id=a.id, filed=local_date(a.filed), k=local_date(k))


def not_valid_at(a: AuthRec, t: float) -> Fail:
    return _fail("not_valid_at", id=a.id, vf=local_date(a.vf), vt=local_date(a.vt), t=local_date(t))


def revoked(a: AuthRec, rv: float) -> Fail:
    return _fail("revoked", id=a.id, rv=local_date(rv))


def out_of_scope(a: AuthRec, it: ItemRec, world: World) -> Fail:
    grantor = world.dept_names.get(a.grantor) or a.grantor
    return _fail("out_of_scope", code=it.code, name=it.name, id=a.id, grantor=grantor)


def absent(person: PersonRec, t: float) -> Fail:
    return _fail("absent", name=person.name, t=local_date(t))


def a_post_present(A: AuthRec, world: World, t: float) -> Fail:
    app = world.people.get(A.person)
    who, who_zh = (app.name, app.name) if app else (A.person, "首席代表")
    return _fail("a_post_present", who=who, who_zh=who_zh, t=local_date(t))


def cond_failed(cond: Condition, v: object, c: Ctx) -> Fail:
    return Fail(cond.failed_text(v), condition_failed(cond, v, c))


def no_grant_fail(p: PersonRec, action: str) -> Fail:
    return Fail(f"no authorization in force grants {action} to {p.name} (person {p.id})", no_grant(p.name, action))


# ------------------------------------------------------------------ an answer's words


class Explainer:
    """The words of a pack's decisions: each rule's compiled template, and the renderers of an
    answer's `reasons` and `why_not` (called when a Decision's words are first read)."""

    def __init__(self, pack: Pack):
        self.templates = {r: compile_template(r.explain) for r in pack.rules if r.kind != "finding"}

    def reason(self, r: Rule, c: Ctx, action: str) -> Reason:
        """The reason naming rule `r`, with its explanation (the rule's compiled template)."""
        detail = self.templates[r](c, ACTIONS[action])
        if c.acting_for is not None and r.kind == "grant":
            p = c.world.people.get(c.acting_for)
            detail += f"；A岗{p.name if p else '首席代表'}缺位，由B岗代行"
        return {"rule": r.id, "clause": r.clause, "text": r.text, "detail": detail}

    def allowed(self, r: Rule, c: Ctx, action: str) -> Words:
        return [self.reason(r, c, action)], None

    def forbidden(
        self, c: Ctx, action: str, fired: list[Rule], allowed: Rule | None, best: Miss | None, fallback: Rule | None
    ) -> Words:
        """The prohibitions decide: they alone are said (the nearest grant stays in `failed`)."""
        reasons = [self.reason(r, c, action) for r in fired]
        g: Rule | None
        if allowed is not None:
            g = allowed
            failed = "; ".join(f"{_prohibition_condition(r, c)}, forbidden by {r.id}" for r in fired)
        elif best is not None:
            g, failed = best[2], "; ".join(failure(f) for f in best[1])
        else:
            g, failed = fallback, no_grant_fail(c.person, action)
        text = why_not_text(c.person.name, c.item.name, action, [r["detail"] for r in reasons])
        return reasons, _why_not(g, failed, text)

    def not_granted(
        self,
        c: Ctx,
        action: str,
        best: Miss | None,
        fallback: Rule | None,
        close_probe: tuple[Callable[..., list[str]], *tuple[object, ...]] | None,
    ) -> Words:
        """Why no grant holds (the nearest miss), and the close actions the person holds instead
        (`close_probe`: (probe, *args), asked now)."""
        close = close_probe[0](*close_probe[1:]) if close_probe is not None else None
        g: Rule | None
        if best is not None:
            g, fails = best[2], [failure(f) for f in best[1]]
        else:
            g, fails = fallback, [no_grant_fail(c.person, action)]
        text = why_not_text(c.person.name, c.item.name, action, fails, close)
        reasons: list[Reason] = (
            [{"rule": g.id, "clause": g.clause, "text": g.text, "detail": text}] if g is not None else []
        )
        return reasons, _why_not(g, "; ".join(fails), text)


def close_actions(action: str) -> tuple[str, ...]:
    """The actions beside `action` a refusal names when the person holds them (wording.CLOSE_ACTIONS)."""
    return CLOSE_ACTIONS.get(action, ())


def _why_not(g: Rule | None, failed: str, text: str) -> WhyNot:
    return {"rule": g.id if g else None, "clause": g.clause if g else None, "failed": failed, "text": text}


def _prohibition_condition(r: Rule, c: Ctx) -> str:
    return " and ".join(cond.holds_text(cond.get(c)) for cond in r.when.conditions) or "always"
