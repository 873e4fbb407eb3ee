"""The query path's derived state (per-item plans shared by alike items, the records' links to
their grants, absences and A posts) follows every change: answers after changes equal a fresh load."""

import copy
from datetime import datetime, timedelta, timezone

from rules import ACTIONS, Engine, default_pack_dir, load_pack
from rules.timeutil import local_date

PACK = load_pack(default_pack_dir())
BJ = timezone(timedelta(hours=8))
ASK_AT = [datetime(2019, 3, d, 10, tzinfo=BJ) for d in (1, 12)] + [datetime(2019, 5, 2, 10, tzinfo=BJ)]


def world() -> dict:
    return copy.deepcopy(PACK.scenarios["world"])


def answers(engine: Engine) -> list:
    out = []
    w = engine.world
    for person in sorted(w.people):
        for item in sorted(w.items):
            for action in ACTIONS:
                for place, seal in ((None, None), ("ZH-TZ", None), ("FGW-CK", "S1"), ("FGW-KS", "S2")):
                    for at in ASK_AT:
                        a = engine.decide(person, action, item, at=at, place=place, seal=seal)
                        a = dict(a)  # its words now, before the facts change
                        a.pop("decision_id")
                        out.append(a)
    return out


def check(changes: list[tuple[str, dict]]) -> None:
    inc = Engine(PACK)
    snap = world()
    inc.load(snap)
    answers(inc)  # warm every plan before the changes
    keys = {
        "item": "items",
        "hall": "halls",
        "authorization": "authorizations",
        "person": "people",
        "absence": "absences",
        "department": "departments",
        "revocation": "revocations",
    }
    for kind, rec in changes:
        inc.apply({"kind": kind, "op": "upsert", "record": rec})
        rows = snap.setdefault(keys[kind], [])
        key = "code" if "code" in rec else "id"
        rows[:] = [r for r in rows if r.get(key) != rec[key]] + [rec]
    fresh = Engine(PACK)
    fresh.load(snap)
    assert answers(inc) == answers(fresh)


def _row(table: str, key, value) -> dict:
    return copy.deepcopy(next(r for r in world()[table] if r[key] == value))


def test_item_changes_rebuild_its_plan():
    i2 = _row("items", "code", "I2")
    i2["complexity"] = "simple"  # 企业投资项目核准 becomes a simple commitment item
    i1 = _row("items", "code", "I1")
    i1["entry"] = None  # leaves the hall: the internal-office prohibition no longer applies
    i4 = _row("items", "code", "I4")
    i4["item_type"] = "licensing"  # now only the approval seal may be used
    check([("item", i2), ("item", i1), ("item", i4)])


def test_a_hall_change_reaches_items_in_place(tmp_path):
    # a pack with a rule on item.entry_hall_kind, which a hall change alters in the items' records
    import shutil

    d = tmp_path / "pack"
    shutil.copytree(default_pack_dir(), d)
    with open(d / "places.yaml", "a", encoding="utf-8") as fh:
        fh.write("""
  - id: place.test_sub_hall_decisions
    clause: XT-3.3.1
    strength: must
    kind: prohibition
    text: 测试
    source_text: 测试
    explain: "“{item_name}”在专业分厅办理"
    when:
      action: [decide]
      item.entry_hall_kind: [sub]
""")
    global PACK
    saved, PACK = PACK, load_pack(d)
    try:
        check([("hall", {"code": "CITY", "name": "市本级政务大厅", "kind": "sub"})])
        e = Engine(PACK)
        e.load(world())
        assert e.decide(1, "decide", "I1", at=ASK_AT[0])["allowed"]
        e.apply({"kind": "hall", "op": "upsert", "record": {"code": "CITY", "name": "大厅", "kind": "sub"}})
        assert e.decide(1, "decide", "I1", at=ASK_AT[0])["kind"] == "forbidden"
    finally:
        PACK = saved


def test_people_departments_and_b_posts_follow_changes():
    b = _row("authorizations", "id", 11)
    b["backs"] = 13  # 李四 now backs 赵六 instead of 张三
    a = _row("authorizations", "id", 10)
    a["valid_to"] = datetime(2019, 3, 5, tzinfo=BJ)  # 张三's authorization is re-filed, ending early
    check(
        [
            ("authorization", b),
            ("authorization", a),
            ("person", {"id": 2, "name": "李四", "department": "FGW", "position": "副科长"}),
            (
                "absence",
                {
                    "id": 41,
                    "person": 4,
                    "from": datetime(2019, 3, 1, tzinfo=BJ),
                    "to": datetime(2019, 3, 20, tzinfo=BJ),
                    "reason": "病假",
                    "filed_at": datetime(2019, 2, 1, tzinfo=BJ),
                },
            ),
            ("department", {"code": "ZWZX", "name": "市政务服务中心", "kind": "department"}),
            (
                "revocation",
                {
                    "id": 30,
                    "authorization": 20,
                    "at": datetime(2019, 6, 1, tzinfo=BJ),
                    "reason": "改期",
                    "filed_at": datetime(2019, 5, 3, tzinfo=BJ),
                },
            ),
        ]
    )


def test_a_b_post_filed_before_its_a_post_finds_it():
    snap = world()
    snap["authorizations"].sort(key=lambda r: -r["id"])  # B posts arrive before the A posts they back
    e = Engine(PACK)
    e.load(snap)
    a = e.decide(2, "decide", "I1", at=datetime(2019, 3, 12, 10, tzinfo=BJ))
    assert a["allowed"] and a["acting_for"] == 1


def test_explanations_name_the_grantor_post_and_dates():
    e = Engine(PACK)
    e.load(world())
    at = datetime(2019, 5, 2, 10, tzinfo=BJ)
    a = e.decide(5, "decide", "G1", at=at)
    assert (
        a["reasons"][0]["detail"]
        == f"所依据的授权书（编号20）在{local_date(at.timestamp())}不在有效期内（已于2019-05-01撤销）"
    )
    ok = e.decide(6, "decide", "G1", at=at)
    assert (
        ok["reasons"][0]["detail"]
        == "孙八是市工商局的B岗首席代表，可对即办件“企业设立登记”作出审批决定；A岗钱七缺位，由B岗代行"
    )


def test_compiled_explanations_read_as_the_templates_do():
    """Every explanation template, compiled to one f-string, says what str.format_map says."""
    from rules.evaluate import Ctx
    from rules.explain import Vals, compile_template, normalize_template

    e = Engine(PACK)
    snap = world()
    snap["function_sections"][0]["name"] = "投资项目板块"
    e.load(snap)
    w, idx = e.world, e._state.index
    templates = [r.explain for r in PACK.rules if r.kind != "finding"] + [
        "{person_id}{item_code}{item_department_name}{auth_id}{date}{revoked}{acting_for_name}{unknown_name}"
        "{place_section_name}{seal_name}{post}{grantor_name}{{literal}}",
        "{item_name!r}{auth_id:>5}{action_label}",
    ]
    contexts = []
    for person, item, auth, acting, place, seal, at in [
        (1, "I1", 10, None, "ZH-TZ", "S1", (2019, 3, 1)),
        (6, "G1", 21, 5, None, None, (2019, 5, 2)),
        (5, "G1", 20, None, "FGW-KS", "S3", (2019, 5, 2)),
        (3, "I3", None, None, "PT", None, (2019, 3, 1)),
        (4, "I1", 13, 99, "FGW-CK", "S2", (2019, 3, 1)),
    ]:
        c = Ctx()
        c.world, c.index, c.person, c.item = w, idx, w.people[person], w.items[item]
        c.place = w.places.get(place) if place else None
        c.seal = w.seals.get(seal) if seal else None
        c.case, c.valid, c.covers = None, True, True
        c.t = c.k = datetime(*at, 10, tzinfo=BJ).timestamp()
        c.auth = w.auths.get(auth) if auth is not None else None
        c.acting_for = acting
        contexts.append(c)
    for template in templates:
        fn = compile_template(template)
        for c in contexts:
            for action in ("decide", "use_seal", "accept"):
                assert fn(c, ACTIONS[action]) == normalize_template(template).format_map(Vals(c, action)), template
