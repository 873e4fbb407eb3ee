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
from typing import Callable

from durable.engine import Host, MessageNotHandledException

from .index import DecisionIndex
from .pack import Pack
from .timeutil import INF, NEG_INF, ts
from .world import World

CITY_SID = "city"


def ruleset_name(pack: Pack) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f"onehall_{pack.id}_{pack.version}_{pack.digest[:12]}")


def compile_grants(pack: Pack) -> tuple[dict, dict[str, tuple]]:
    """The durable ruleset definition {name: {rule_name: {...}}} and what each `run` name means."""
    rules: dict[str, dict] = {}
    meaning: dict[str, tuple] = {}
    for i, rule in enumerate(pack.grants):
        if rule.grantee not in ("person", "gov_service"):
            continue  # own_staff and delegation grants need no authorization: nothing to derive
        for action in rule.actions:
            conds: list[dict] = [{"t": "auth"}, {"grantee": rule.grantee}]
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


class _DerivationHost(Host):
    """A durable Host whose actions are our Python callbacks, run synchronously."""

    def __init__(self, sink: Callable[[str, dict], None]):
        self._sink = sink
        super().__init__()

    def _run(self):  # no background dispatch threads: every call is synchronous under our lock
        pass

    def get_action(self, action_name):
        sink = self._sink

        def action(c):  # one parameter: durable treats a two-parameter action as asynchronous
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
        self.asserted: dict[tuple, dict] = {}

    # ------------------------------------------------------------ durable callbacks
    def _on_action(self, name: str, m: dict) -> None:
        what = self.meaning[name]
        if what[0] == "grant":
            auth = self.world.auths.get(m["a"]["ref"])
            if auth is not None:
                self.index.add_grant(what[1], auth, what[2])
        elif what[0] == "revocation":
            row = self.world.tables["revocations"].get(m["r"]["ref"])
            if row is not None:
                self.index.add_revocation(
                    row["id"], row.get("authorization"), ts(row.get("at"), NEG_INF), ts(row.get("filed_at"), NEG_INF)
                )
        elif what[0] == "absence":
            row = self.world.tables["absences"].get(m["x"]["ref"])
            if row is not None:
                self.index.add_absence(
                    row["id"],
                    row.get("person"),
                    ts(row.get("from"), NEG_INF),
                    ts(row.get("to"), INF),
                    ts(row.get("filed_at"), NEG_INF),
                )

    # ------------------------------------------------------------ facts in and out
    def _fact(self, kind: str, row: dict) -> dict:
        if kind == "auth":
            return self.world.auths[row["id"]].fact()
        if kind == "revocation":
            auth = self.world.auths.get(row.get("authorization"))
            return {
                "sid": (auth.grantor if auth else None) or CITY_SID,
                "t": "revocation",
                "id": f"revocation:{row['id']}",
                "ref": row["id"],
            }
        person = self.world.people.get(row.get("person"))
        return {
            "sid": (person.department if person else None) or CITY_SID,
            "t": "absence",
            "id": f"absence:{row['id']}",
            "ref": row["id"],
        }

    def assert_many(self, kind: str, rows) -> None:
        facts = []
        for row in rows:
            f = self._fact(kind, row)
            self.asserted[(kind, row["id"])] = f
            facts.append(f)
        if facts:
            with self.lock:
                self._post(facts)

    def upsert(self, kind: str, row: dict, old: dict | None) -> None:
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

    def _post(self, facts: list[dict]) -> None:
        # A batch runs the actions of one session only (the others would wait for durable's
        # background dispatcher, which we do not start), so batches are cut per sid.
        by_sid: dict[str, list[dict]] = {}
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
