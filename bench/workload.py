"""The synthetic workload of docs/design.md §11: 40 departments, 2,000 items, A/B pairs, absences."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Any

T0 = datetime(2019, 1, 1, tzinfo=timezone.utc)
AT = datetime(2019, 6, 3, 2, tzinfo=timezone.utc)  # the moment the requests ask about
KNOWN = datetime(2019, 12, 31, tzinfo=timezone.utc)
DAY = timedelta(days=1)
MINIMUM = ["decide", "coordinate", "urge", "report_up", "countersign", "execute_fee", "use_seal"]
BENCH_ACTIONS = ("decide", "countersign", "execute_fee", "coordinate")


def grant(aid: int, grantor: str, grantee: dict, at: datetime, **fields: Any) -> dict:
    """An authorization fact (docs/facts.md), id and log index `aid`, valid and filed from `at`
    for every item, unless `fields` say otherwise (fields it has not: added at the end)."""
    fact = {
        "id": aid,
        "grantor": grantor,
        "grantee": grantee,
        "post": None,
        "backs": None,
        "powers": [],
        "items": "*",
        "valid_from": at,
        "valid_to": None,
        "filed_at": at,
        "log_index": aid,
    }
    fact.update(fields)
    return fact


def chief(aid: int, grantor: str, person: int, at: datetime, post: str, pair: list[int], **fields: Any) -> dict:
    """The grant of an A- or B-post chief representative (`pair`: the ids of its pair so far: a B
    post backs the A post before it)."""
    return grant(aid, grantor, {"person": person}, at, post=post, backs=pair[0] if post == "B" else None, **fields)


def build(n_auth: int, seed: int = 7) -> dict:
    rnd = random.Random(seed)
    depts = [f"D{i:02d}" for i in range(40)]
    snap = {
        "departments": [{"code": d, "name": f"部门{d}", "kind": "department"} for d in depts]
        + [{"code": "GS", "name": "市政务服务中心", "kind": "gov_service"}],
        "halls": [{"code": "CITY", "name": "市本级政务大厅", "kind": "city"}],
        "places": [{"code": "ZH", "name": "综合窗口", "kind": "comprehensive_window", "hall": "CITY"}],
        "items": [],
        "people": [],
        "authorizations": [],
        "absences": [],
        "revocations": [],
    }
    for j in range(2000):
        snap["items"].append(
            {
                "code": f"I{j:04d}",
                "name": f"事项{j}",
                "department": depts[j % 40],
                "item_type": "licensing",
                "on_application": True,
                "case_type": rnd.choice(["instant", "commitment"]),
                "complexity": rnd.choice(["simple", "simple", "complex"]),
                "joint": rnd.random() < 0.2,
                "fees": [{"code": "F"}] if rnd.random() < 0.3 else [],
                "entry": {"hall": "CITY"},
                "status": "published",
                "effective_from": T0,
            }
        )
    items_of = {d: [it["code"] for it in snap["items"] if it["department"] == d] for d in depts}
    aid = 0
    for d in depts:  # one government-service authorization per department
        aid += 1
        snap["authorizations"].append(
            grant(aid, d, {"gov_service": True}, T0, powers=["consult", "receive", "accept", "issue"])
        )
    pid = 0
    while aid < n_auth:
        d = rnd.choice(depts)
        scope = "*" if rnd.random() < 0.7 else rnd.sample(items_of[d], 10)
        pair = []
        for post in ("A", "B"):
            if aid >= n_auth:
                break
            pid += 1
            aid += 1
            snap["people"].append({"id": pid, "name": f"人员{pid}", "department": d, "position": "科长"})
            vt = T0 + DAY * 120 if rnd.random() < 0.05 else None  # a few expired A posts: B acts
            snap["authorizations"].append(
                chief(
                    aid,
                    d,
                    pid,
                    T0,
                    post,
                    pair,
                    powers=MINIMUM if rnd.random() < 0.9 else MINIMUM[:3],
                    items=scope,
                    valid_to=vt if post == "A" else None,
                )
            )
            pair.append(aid)
            if post == "A" and rnd.random() < 0.15:
                start = AT - DAY * rnd.randint(0, 3)
                snap["absences"].append(
                    {"id": pid, "person": pid, "from": start, "to": start + DAY * 5, "reason": "公出", "filed_at": T0}
                )
    snap["people"].append({"id": 10**7, "name": "窗口", "department": "GS", "position": "受理员"})
    return snap


A_POST_SHARE = 0.7  # asking A posts 70% of the time gives about half allow (docs/design.md §11)


def requests(snap: dict, n: int, seed: int = 11) -> list[tuple]:
    """`n` questions (person, action, item): mostly an item that fits the action, in the person's
    scope; A posts asked more often than B posts, so that about half the answers are allow."""
    rnd = random.Random(seed)
    people = [a for a in snap["authorizations"] if "person" in a["grantee"]]
    a_posts = [a for a in people if a.get("post") == "A"] or people
    b_posts = [a for a in people if a.get("post") != "A"] or people
    items = snap["items"]
    by_dept: dict[str, list] = {}
    for it in items:
        by_dept.setdefault(it["department"], []).append(it["code"])
    fits = {
        "decide": lambda it: it["case_type"] == "instant" or it["complexity"] == "simple",
        "countersign": lambda it: bool(it.get("joint")),
        "execute_fee": lambda it: bool(it.get("fees")),
        "coordinate": lambda it: it["complexity"] == "complex",
    }
    by_code = {it["code"]: it for it in items}
    out = []
    for _ in range(n):
        a = rnd.choice(a_posts if rnd.random() < A_POST_SHARE else b_posts)
        act = rnd.choice(BENCH_ACTIONS)
        pool = a["items"] if a["items"] != "*" else by_dept[a["grantor"]]
        if rnd.random() < 0.85:
            good = [c for c in pool if fits[act](by_code[c])] or pool
            item = rnd.choice(good)
        else:
            item = rnd.choice(items)["code"]
        out.append((a["grantee"]["person"], act, item))
    return out
