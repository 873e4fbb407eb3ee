"""Engine behaviour: incremental changes equal a reload, time travel, logging and replay."""

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import ACTIONS, Engine, UnknownAction, UnknownReference, default_pack_dir, load_pack, replay, same_decision

PACK = load_pack(default_pack_dir())
T0 = datetime(2019, 1, 1, tzinfo=timezone.utc)
DAY = timedelta(days=1)


def base_world() -> dict:
    return {
        "departments": [
            {"code": "D1", "name": "甲局", "kind": "department"},
            {"code": "D2", "name": "乙局", "kind": "department"},
            {"code": "GS", "name": "中心", "kind": "gov_service"},
        ],
        "halls": [{"code": "CITY", "name": "大厅", "kind": "city"}],
        "places": [
            {"code": "W", "name": "综合窗口", "kind": "comprehensive_window", "hall": "CITY"},
            {"code": "K", "name": "科室", "kind": "internal_office", "department": "D1"},
        ],
        "people": [
            {
                "id": i,
                "name": f"人{i}",
                "department": "GS" if i == 5 else ("D1" if i <= 3 else "D2"),
                "position": "科长",
            }
            for i in range(1, 6)
        ],
        "items": [
            {
                "code": f"I{j}",
                "name": f"事项{j}",
                "department": "D1" if j < 3 else "D2",
                "item_type": "licensing",
                "on_application": True,
                "case_type": "instant" if j % 2 else "commitment",
                "complexity": "simple" if j < 2 else "complex",
                "joint": j == 2,
                "fees": [{"code": "F"}] if j == 3 else [],
                "entry": {"hall": "CITY"},
                "status": "published",
            }
            for j in range(4)
        ],
        "seals": [{"code": "S", "name": "章", "department": "D1", "kind": "approval"}],
        "seal_custody": [{"id": 1, "seal": "S", "person": 1, "from": T0, "to": None, "filed_at": T0}],
    }


POWERS = st.lists(st.sampled_from(sorted(ACTIONS)), min_size=1, max_size=5, unique=True)


@st.composite
def changes(draw):
    out = []
    n_auth = draw(st.integers(1, 6))
    for a in range(1, n_auth + 1):
        gov = draw(st.booleans()) and a > 1
        post = None if gov else draw(st.sampled_from(["A", "B"]))
        out.append(
            (
                "authorization",
                {
                    "id": a,
                    "grantor": draw(st.sampled_from(["D1", "D2"])),
                    "grantee": {"gov_service": True} if gov else {"person": draw(st.integers(1, 4))},
                    "post": post,
                    "backs": draw(st.integers(1, n_auth)) if post == "B" else None,
                    "powers": draw(POWERS),
                    "items": draw(st.sampled_from(["*", ["I0"], ["I1", "I2"], ["I3"]])),
                    "valid_from": T0 + DAY * draw(st.integers(0, 3)),
                    "valid_to": draw(st.sampled_from([None, T0 + DAY * 8])),
                    "filed_at": T0 + DAY * draw(st.integers(0, 5)),
                    "log_index": a,
                },
            )
        )
    for r in range(draw(st.integers(0, 3))):
        out.append(
            (
                "revocation",
                {
                    "id": 100 + r,
                    "authorization": draw(st.integers(1, n_auth)),
                    "at": T0 + DAY * draw(st.integers(1, 8)),
                    "filed_at": T0 + DAY * draw(st.integers(1, 9)),
                },
            )
        )
    for b in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, 6))
        out.append(
            (
                "absence",
                {
                    "id": 200 + b,
                    "person": draw(st.integers(1, 4)),
                    "from": T0 + DAY * start,
                    "to": T0 + DAY * (start + draw(st.integers(1, 3))),
                    "filed_at": T0,
                },
            )
        )
    # re-filing an existing record with new content (upsert of the same id)
    if draw(st.booleans()):
        kind, rec = out[draw(st.integers(0, len(out) - 1))]
        key = "valid_to" if kind == "authorization" else ("at" if kind == "revocation" else "to")
        out.append((kind, dict(rec, **{key: T0 + DAY * draw(st.integers(2, 9))})))
    return draw(st.permutations(out))


def _snapshot(chs) -> dict:
    snap = base_world()
    keys = {"authorization": "authorizations", "revocation": "revocations", "absence": "absences"}
    for kind, rec in chs:
        rows = snap.setdefault(keys[kind], [])
        rows[:] = [r for r in rows if r["id"] != rec["id"]] + [rec]
    return snap


def _all_answers(engine):
    out = []
    for person in range(1, 6):
        for action in ("decide", "accept", "countersign", "use_seal", "execute_fee"):
            for item in ("I0", "I1", "I2", "I3"):
                for day in (0, 2, 4, 7, 9):
                    a = engine.decide(
                        person,
                        action,
                        item,
                        at=T0 + DAY * day + timedelta(hours=1),
                        known_at=T0 + DAY * 10,
                        place="W",
                        seal="S" if action == "use_seal" else None,
                    )
                    a = dict(a)  # its words now, before the facts change
                    a.pop("decision_id")
                    out.append(a)
    return out


def _assert_incremental_equals_fresh(chs):
    """The changes applied one by one to a loaded engine answer as a fresh load of the result."""
    incremental = Engine(PACK)
    incremental.load(base_world())
    for kind, rec in chs:
        incremental.apply({"kind": kind, "op": "upsert", "record": rec})
    fresh = Engine(PACK)
    fresh.load(_snapshot(chs))
    assert _all_answers(incremental) == _all_answers(fresh)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes())
def test_incremental_changes_equal_a_fresh_load(chs):
    _assert_incremental_equals_fresh(chs)


def _world_with_an_a_post() -> dict:
    """The base world and an A post (id 1, log index 7) for person 1 in D1: decide, use_seal."""
    snap = base_world()
    snap["authorizations"] = [
        {
            "id": 1,
            "grantor": "D1",
            "grantee": {"person": 1},
            "post": "A",
            "backs": None,
            "powers": ["decide", "use_seal"],
            "items": "*",
            "valid_from": T0,
            "valid_to": None,
            "filed_at": T0,
            "log_index": 7,
        }
    ]
    return snap


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
