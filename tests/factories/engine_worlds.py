"""Engine worlds shared by the rules tests: a small base world, random authorization, revocation and
absence changes over it (hypothesis), and every answer an engine gives over it."""

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from rules import ACTIONS, Engine, default_pack_dir, load_pack

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


def snapshot_of(chs) -> dict:
    snap = base_world()
    keys = {"authorization": "authorizations", "revocation": "revocations", "absence": "absences"}
    for kind, rec in chs:
        rows = snap.setdefault(keys[kind], [])
        rows[:] = [r for r in rows if r["id"] != rec["id"]] + [rec]
    return snap


def all_answers(engine):
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


def assert_incremental_equals_fresh(chs):
    """The changes applied one by one to a loaded engine answer as a fresh load of the result."""
    incremental = Engine(PACK)
    incremental.load(base_world())
    for kind, rec in chs:
        incremental.apply({"kind": kind, "op": "upsert", "record": rec})
    fresh = Engine(PACK)
    fresh.load(snapshot_of(chs))
    assert all_answers(incremental) == all_answers(fresh)


def world_with_an_a_post() -> dict:
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
