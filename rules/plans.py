"""Plans: what a question on an item comes down to once the item is known (docs/design.md §8).

Items that look alike to the pack's rules (the same values of the item fields its conditions
read: their signature) share one `SignaturePlan`, hung on each item's record (ItemRec.plan). Per
action it holds an `ActionPlan`: the prohibitions that may still fire, each grant rule's item
conditions already evaluated, and per request shape (which of place, seal, case it names) the
prohibitions left to try. None of it depends on other facts, so it survives every change but a
hall's (which changes an item field in place): then a new `Caches` generation replaces the old
one and plans of the old generation are rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Union

from .conditions import Condition, Getter
from .context import Ctx
from .rule import Rule
from .schema import ACTIONS
from .wording import Fail, condition_failed

Failure = Union[Fail, tuple[Callable[..., Fail], *tuple[object, ...]]]
"""A failure as the engine records it: a Fail, or (renderer, *args) of rules.explain to build one when read."""
Step = Union[bool, Fail, Condition]
"""One condition of a grant once the item is known: True (passed), a Fail, or the condition to evaluate."""
ConditionPlan = tuple[Union[tuple[Fail, ...], None], int, Union[tuple[Step, ...], None], bool]
"""(fails, passed, None, fails at all) or (None, 0, steps, fails at all): see `condition_plan`."""
Residual = tuple[Rule, Union[float, None], tuple[Condition, ...], bool]
"""A prohibition that may still fire for an item: (rule, start, conditions left, needs a bad grant)."""
Entry = tuple[Rule, Union[float, None], tuple[Condition, ...], Union[str, None]]
"""A prohibition left for a request shape: (rule, start, conditions left, namespace unchecked if the rest holds)."""
ShapePlan = tuple[tuple[Entry, ...], tuple[Entry, ...], frozenset[str], tuple[str, ...]]
"""What `for_shape` gives: entries when a grant holds, entries when none does, always unchecked (set, sorted)."""

# Fields read from the item record alone: a condition on them has one outcome per item, so it is
# evaluated once per item (and again after any change) instead of once per question.
ITEM_STATIC_FIELDS = frozenset(
    {
        "item.code",
        "item.department",
        "item.item_type",
        "item.on_application",
        "item.in_application_class",
        "item.case_type",
        "item.report_up",
        "item.joint",
        "item.complexity",
        "item.has_fees",
        "item.online_depth",
        "item.function_section",
        "item.entered",
        "item.entry_hall_kind",
        "item.status",
    }
)


class Caches:
    """One generation of plans, by item signature."""

    __slots__ = ("by_signature",)

    def __init__(self) -> None:
        self.by_signature: dict[tuple[object, ...], SignaturePlan] = {}


class SignaturePlan:
    """Per action (indexed like ACTIONS), the `ActionPlan` of the items of one signature."""

    __slots__ = ("gen", "by_action")

    def __init__(self, gen: Caches):
        self.gen = gen
        self.by_action: list[ActionPlan | None] = [None] * len(ACTIONS)


class ActionPlan:
    """What an action on an item comes down to once the item is known (shared by alike items):
    the prohibitions that may still fire, each grant rule's conditions, and per request shape
    (which of place, seal, case it names) the prohibitions left to try."""

    __slots__ = ("residual", "conds", "shapes")

    def __init__(self, residual: tuple[Residual, ...], conds: dict[Rule, ConditionPlan]):
        self.residual = residual
        self.conds = conds
        self.shapes: list[ShapePlan | None] = [None] * 8  # bit 1: no place, 2: no seal, 4: no case


def signature_fields(rules: Sequence[Rule]) -> tuple[Getter, ...]:
    """The readers of the item fields the rules' conditions read (an item's values of them are its
    signature), in a fixed order."""
    from .fields import GETTERS

    names = sorted(
        {
            cond.field.name
            for r in rules
            if r.kind != "finding"
            for cond in r.when.conditions
            if cond.field.name in ITEM_STATIC_FIELDS
        }
    )
    return tuple(GETTERS[name] for name in names)


def signature_plan(signature: tuple[Getter, ...], c: Ctx, cc: Caches) -> SignaturePlan:
    """The plan shared by every item whose fields read by the pack equal c.item's."""
    sig = tuple(get(c) for get in signature)
    plan = cc.by_signature.get(sig)
    if plan is None:
        plan = cc.by_signature.setdefault(sig, SignaturePlan(cc))
    return plan


def action_plan(prohibitions: Sequence[Rule], grants: Sequence[Rule], c: Ctx) -> ActionPlan:
    """The prohibitions that may still fire and each grant rule's conditions, for an action on
    items like c.item."""
    return ActionPlan(residual_prohibitions(prohibitions, c), {r: condition_plan(r, c) for r in grants})


def condition_plan(rule: Rule, c: Ctx) -> ConditionPlan:
    """(fails, passed, None, fails at all) when every condition of `rule` reads the item only; else
    (None, 0, steps, fails at all) where a step is True (passed), a failure, or a condition
    still to evaluate. "fails at all": an item condition fails, so the rule cannot hold for the item."""
    steps: list[Step] = []
    dynamic = False
    for cond in rule.when.conditions:
        if cond.field.name in ITEM_STATIC_FIELDS:
            v = cond.get(c)
            steps.append(True if cond.test(v) else Fail(cond.failed_text(v), condition_failed(cond, v, c)))
        else:
            steps.append(cond)
            dynamic = True
    doomed = any(s.__class__ is Fail for s in steps)
    if dynamic:
        return None, 0, tuple(steps), doomed
    fails = tuple(s for s in steps if isinstance(s, Fail))  # every step not passed is a Fail here
    return fails, len(steps) - len(fails), None, doomed


def residual_prohibitions(prohibitions: Sequence[Rule], c: Ctx) -> tuple[Residual, ...]:
    """The prohibitions that may still fire for this item, each without its item conditions."""
    out: list[Residual] = []
    for r in prohibitions:
        rest: list[Condition] = []
        for cond in r.when.conditions:
            if cond.field.name in ITEM_STATIC_FIELDS:
                if not cond.test(cond.get(c)):
                    break
            else:
                rest.append(cond)
        else:
            bad_grant = any(
                cond.ns == "grant" and cond.field.name in ("grant.valid", "grant.covers_item") and not cond.test(True)
                for cond in rest
            )
            out.append((r, r.start_at, tuple(rest), bad_grant))
    return tuple(out)


_SHAPE_ABSENT = {
    shape: frozenset(ns for bit, ns in ((1, "place"), (2, "seal"), (4, "case")) if shape & bit) for shape in range(8)
}


def for_shape(residual: tuple[Residual, ...], shape: int) -> ShapePlan:
    """The residual prohibitions for a request that leaves out the namespaces of `shape`, as
    ((rule, start, conditions left, namespace reported unchecked if the rest holds), ...) when a
    grant holds and when none does; the namespaces always reported unchecked; those sorted."""
    absent = _SHAPE_ABSENT[shape]
    entries: list[tuple[Rule, float | None, tuple[Condition, ...], str | None, bool]] = []
    always: set[str] = set()
    for r, start, conds, bad_grant in residual:
        rest: list[Condition] = []
        missing: str | None = None
        for cond in conds:
            if cond.ns in absent:
                missing = cond.ns
            else:
                rest.append(cond)
        if not rest and start is None and missing is not None:
            always.add(missing)
            continue
        entries.append((r, start, tuple(rest), missing, bad_grant))
    # a grant that holds is valid and covers the item: a prohibition needing a bad grant cannot fire
    if_granted: tuple[Entry, ...] = tuple(e[:4] for e in entries if not e[4])
    every: tuple[Entry, ...] = tuple(e[:4] for e in entries)
    return if_granted, every, frozenset(always), tuple(sorted(always))
