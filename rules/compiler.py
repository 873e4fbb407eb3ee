"""Compile a pack's grant rules to a durable-rules ruleset, and run the derivation.

Only the authorization-level part of a grant rule is compiled (who the grantee is, which post,
which power the authorization lists): durable-rules derives, as each authorization arrives,
which grant rules it feeds, and the action callbacks write the result to the decision index.
Item, place and seal conditions are checked per question from the index, never by durable
(one assert costs tens of microseconds: fine on change, too slow per question; docs/design.md §10).

durable-rules quirks handled here (docs/design.md §10): `set_rulesets` mutates its argument, so it gets
a fresh copy; ruleset names carry the pack version and digest; every fact matches at least one
rule (an unmatched fact raises); an identical fact is retracted before it is asserted again;
facts go to one session per department (sid) plus "city"; durable takes a fact's `id` as
its identity, so ours is prefixed by kind ("auth:12") and the record id travels as `ref`; the host's background dispatch
threads are not started, since every call here is synchronous under the engine's lock.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Iterable

from durable.engine import Host, MessageNotHandledException

from .index import DecisionIndex
from .pack import Pack
from .rule import Rule
from .shapes import JSON, Row
from .world import World
from .records import Fact

Ruleset = dict[str, dict[str, JSON]]
"""A durable-rules ruleset definition: {rule name: {"all": [...], "run": action name}}."""
Meaning = tuple[str] | tuple[str, Rule, str]
"""What a durable action name stands for: ("grant", rule, action), ("revocation",), ("absence",), ("seen",)."""

CITY_SID = "city"


def ruleset_name(pack: Pack) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f"onehall_{pack.id}_{pack.version}_{pack.digest[:12]}")


def compile_grants(pack: Pack) -> tuple[dict[str, Ruleset], dict[str, Meaning]]:
    """The durable ruleset definition {name: {rule_name: {...}}} and what each `run` name means."""
    rules: Ruleset = {}
    meaning: dict[str, Meaning] = {}
    for i, rule in enumerate(pack.grants):
        if rule.grantee not in ("person", "gov_service"):
            continue  # own_staff and delegation grants need no authorization: nothing to derive
        for action in rule.actions:
            conds: list[dict[str, JSON]] = [{"t": "auth"}, {"grantee": rule.grantee}]
            if rule.posts:
                posts = [{"post": p} for p in rule.posts]
                conds.append(posts[0] if len(posts) == 1 else {"$or": posts})
            conds.append({"p_" + (rule.power or action): 1})
            name = f"g{i}_{action}"
            rules[name] = {"all": [{"a": {"$and": conds}}], "run": name}
            meaning[name] = ("grant", rule, action)
    # built-ins: every fact kind we assert matches something, and cancellations reach the index
    rules["seen_auth"] = {"all": [{"a": {"t": "auth"}}], "run": "seen"}
    rules["revocation"] = {"all": [{"r": {"t": "revocation"}}], "run": "revocation"}
    rules["absence"] = {"all": [{"x": {"t": "absence"}}], "run": "absence"}
    meaning["seen"] = ("seen",)
    meaning["revocation"] = ("revocation",)
    meaning["absence"] = ("absence",)
    return {ruleset_name(pack): rules}, meaning


class _DerivationHost(Host):  # type: ignore[misc]  # durable-rules ships no types: Host is Any to mypy
    """A durable Host whose actions are our Python callbacks, run synchronously."""

    def __init__(self, sink: Callable[[str, dict[str, Fact]], None]):
        self._sink = sink
        super().__init__()

    def _run(self) -> None:  # no background dispatch threads: every call is synchronous under our lock
        pass

    def get_action(self, action_name: str) -> Callable[[JSON], None]:
        sink = self._sink

        def action(c: JSON) -> None:  # one parameter: durable treats a two-parameter action as asynchronous
            sink(action_name, c._m)

        return action


class Deriver:
    """Owns one durable host for one (pack, world, index); keeps the index current on change."""

    def __init__(self, pack: Pack, world: World, index: DecisionIndex, lock: threading.RLock):
        self.world = world
        self.index = index
        self.lock = lock
        definition, self.meaning = compile_grants(pack)
        self.name = next(iter(definition))
        self.host = _DerivationHost(self._on_action)
        self.host.set_rulesets(copy.deepcopy(definition))
        self.asserted: dict[tuple[str, JSON], Fact] = {}

    # ------------------------------------------------------------ durable callbacks
    def _on_action(self, name: str, m: dict[str, Fact]) -> None:
        """A durable action ran: `m` holds the matched facts by their names in the ruleset."""
        what = self.meaning[name]
        if len(what) == 3:  # ("grant", rule, action)
            auth = self.world.auths.get(m["a"]["ref"])
            if auth is not None:
                self.index.add_grant(what[1], auth, what[2])
        elif what[0] == "revocation":
            row = self.world.tables["revocations"].get(m["r"]["ref"])
            if row is not None:
                self.index.add_revocation_row(row)
        elif what[0] == "absence":
            row = self.world.tables["absences"].get(m["x"]["ref"])
            if row is not None:
                self.index.add_absence_row(row)

    # ------------------------------------------------------------ facts in and out
    def _fact(self, kind: str, row: Row) -> Fact:
        """The fact durable sees for `row`: an authorization's own (AuthRec.fact); a revocation in the
        session of the department that granted the authorization, an absence in the person's."""
        if kind == "auth":
            return self.world.auths[row["id"]].fact()
        if kind == "revocation":
            auth = self.world.auths.get(row.get("authorization"))
            sid = auth.grantor if auth else None
        else:
            person = self.world.people.get(row.get("person"))
            sid = person.department if person else None
        return {"sid": sid or CITY_SID, "t": kind, "id": f"{kind}:{row['id']}", "ref": row["id"]}

    def assert_many(self, kind: str, rows: Iterable[Row]) -> None:
        facts = []
        for row in rows:
            f = self._fact(kind, row)
            self.asserted[(kind, row["id"])] = f
            facts.append(f)
        if facts:
            with self.lock:
                self._post(facts)

    def upsert(self, kind: str, row: Row, old: Row | None) -> None:
        """Replace what `old` derived by what `row` derives (durable cannot withdraw it itself)."""
        with self.lock:
            prev = self.asserted.pop((kind, row["id"]), None)
            if prev is not None:
                try:
                    self.host.retract_fact(self.name, prev)
                except MessageNotHandledException:
                    pass
            if old is not None:
                if kind == "auth":
                    self.index.remove_auth(old["id"])
                elif kind == "revocation":
                    self.index.remove_revocation(old["id"], old.get("authorization"))
                else:
                    self.index.remove_absence(old["id"], old.get("person"))
            f = self._fact(kind, row)
            self.asserted[(kind, row["id"])] = f
            self._post([f])

    def _post(self, facts: list[Fact]) -> None:
        # A batch runs the actions of one session only (the others would wait for durable's
        # background dispatcher, which we do not start), so batches are cut per sid.
        by_sid: dict[str | int, list[Fact]] = {}
        for f in facts:
            by_sid.setdefault(f["sid"], []).append(f)
        for batch in by_sid.values():
            try:
                if len(batch) == 1:
                    self.host.assert_fact(self.name, batch[0])
                else:
                    self.host.assert_facts(self.name, batch)
            except MessageNotHandledException:
                pass
