"""Engine behaviour: incremental changes equal a reload, time travel, logging and replay."""

from hypothesis import HealthCheck, given, settings

from rules import Engine, UnknownAction, UnknownReference, replay, same_decision
from tests.factories.engine_worlds import (
    DAY,
    PACK,
    T0,
    assert_incremental_equals_fresh as _assert_incremental_equals_fresh,
    changes,
    world_with_an_a_post as _world_with_an_a_post,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes())
def test_incremental_changes_equal_a_fresh_load(chs):
    _assert_incremental_equals_fresh(chs)


def _engine_with(*records):
    e = Engine(PACK)
    e.load(_world_with_an_a_post())
    for kind, rec in records:
        e.apply({"kind": kind, "op": "upsert", "record": rec})
    return e


def test_time_travel_across_a_revocation():
    e = _engine_with(("revocation", {"id": 9, "authorization": 1, "at": T0 + DAY * 5, "filed_at": T0 + DAY * 6}))
    assert e.decide(1, "decide", "I1", at=T0 + DAY * 4)["allowed"]
    after = e.decide(1, "decide", "I1", at=T0 + DAY * 5)
    assert after["kind"] == "forbidden" and after["reasons"][0]["rule"] == "grant.outside_validity"
    # before the revocation was filed, nobody knew: the answer then was allow
    assert e.decide(1, "decide", "I1", at=T0 + DAY * 5, known_at=T0 + DAY * 5)["allowed"]


def test_answer_shape_and_errors():
    e = _engine_with()
    a = e.decide(1, "decide", "I1", at=T0 + DAY)
    assert set(a) == {
        "decision_id",
        "allowed",
        "kind",
        "reasons",
        "why_not",
        "authorization",
        "acting_for",
        "unchecked",
        "policy",
    }
    assert a["authorization"] == {"id": 1, "log_index": 7} and a["policy"]["digest"] == PACK.digest
    assert a["unchecked"] == ["case", "place"]
    for bad, exc in [
        ((99, "decide", "I1"), UnknownReference),
        ((1, "fly", "I1"), UnknownAction),
        ((1, "decide", "NOPE"), UnknownReference),
    ]:
        try:
            e.decide(*bad)
        except exc:
            pass
        else:
            raise AssertionError(bad)


def test_every_prohibition_that_fires_is_listed():
    e = _engine_with()
    e.apply(
        {
            "kind": "seal",
            "op": "upsert",
            "record": {"code": "S2", "name": "业务章", "department": "D2", "kind": "business"},
        }
    )
    a = e.decide(1, "use_seal", "I1", at=T0 + DAY, place="K", seal="S2")
    assert a["kind"] == "forbidden"
    assert {r["rule"] for r in a["reasons"]} >= {
        "seal.not_in_internal_office",
        "seal.licensing_needs_approval_seal",
        "seal.of_item_department",
    }


def test_allowed_actions():
    e = _engine_with()
    acts = {a["action"] for a in e.allowed_actions(1, "I1", at=T0 + DAY, place="W")}
    assert acts == {"decide", "use_seal", "agency"}  # 帮办代办: anyone at a comprehensive window (rules.agency)
    assert "agency" not in {a["action"] for a in e.allowed_actions(1, "I1", at=T0 + DAY, place="K")}


def test_decision_log_and_replay():
    e = _engine_with()
    log: list = []
    e.decision_log = lambda request, answer: log.append((request, answer))
    answer = e.decide(1, "decide", "I1", at=T0 + DAY)
    [(request, logged)] = log
    assert logged is answer
    assert same_decision(replay(PACK, _world_with_an_a_post(), request), answer)


def test_a_b_post_filed_before_its_a_and_refiled_unchanged_still_finds_its_a():
    """Regression (found by the property test): re-filing an unchanged record replaced the
    world's record object but not the derived grants', so the A post filed later was never
    linked to the B post that backs it."""
    b = {
        "id": 1,
        "grantor": "D1",
        "grantee": {"person": 1},
        "post": "B",
        "backs": 2,
        "powers": ["countersign"],
        "items": "*",
        "valid_from": T0,
        "valid_to": T0 + DAY * 8,
        "filed_at": T0,
        "log_index": 1,
    }
    a = {
        "id": 2,
        "grantor": "D1",
        "grantee": {"person": 1},
        "post": "A",
        "backs": None,
        "powers": ["accept"],
        "items": "*",
        "valid_from": T0,
        "valid_to": None,
        "filed_at": T0,
        "log_index": 2,
    }
    chs = [("authorization", b), ("authorization", dict(b)), ("authorization", a)]
    _assert_incremental_equals_fresh(chs)
