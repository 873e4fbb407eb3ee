"""bench.cases: acceptances through the door (docs/design.md §12.8 `case_accept_per_s`).

Each acceptance is POST /api/v1/cases as a window sends it: decided by the engine, the door's
facts read under the log's lock (open cases of the application, its platform record), then the
case row, its first step and their two signed log entries, in one transaction, one at a time.
The applications were reported by the platform beforehand (not timed). SQLite in `workdir`,
the same database layer as bench.log's raw inserts.

Each timed request is handed to the application as a WSGI server hands it one: its environ
(built before the clock starts), then the whole Flask request (authentication, the route, the
body's model, the door, the filing, the JSON answer), read to its last byte. With
`via_test_client` the requests go through Werkzeug's test client instead, as the first version of
this bench did: that adds the client's own work (building each request, wrapping and parsing each
response: some 0.15 ms a request beside a bare Flask route), which a window's browser does, not
the server; bench.log reports it beside the figure for comparison.

    python -m bench.cases [--n 500] [--via-test-client]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timezone
from pathlib import Path

from werkzeug.test import EnvironBuilder

from registry.inputs.filings import DepartmentIn, HallIn, PersonIn, PlaceIn


def build_app(workdir: Path):
    from registry.services import org
    from registry.services.accounts import create_token, create_user
    from registry.services.context import SYSTEM
    from application.packs import ensure_active_pack

    from tests.api.world import migrated_app

    app = migrated_app(workdir, "cases.db")
    rt = app.extensions["onehall"]
    ensure_active_pack(rt)
    with rt.filing(SYSTEM) as ctx:
        for code, name, kind in [
            ("FGW", "市发改委", "department"),
            ("ZWFW", "市政务服务中心", "gov_service"),
            ("SGB", "市编办（审改办）", "reform_office"),
        ]:
            org.create_department(
                ctx,
                DepartmentIn.model_validate(
                    {
                        "code": code,
                        "name": name,
                        "kind": kind,
                        "group": "city_department" if kind == "department" else "body",
                    }
                ),
            )
        org.create_hall(ctx, HallIn(code="CITY", name="市本级政务大厅", kind="city", host_department="ZWFW"))
        org.create_place(ctx, PlaceIn(code="ZH-01", name="综合窗口", kind="comprehensive_window", hall="CITY"))
        clerk = org.create_person(ctx, PersonIn(name="赵丽", department="ZWFW", position="综合窗口受理员")).id
    tokens = {}
    with rt.filing_session() as session:
        for name, role, dept, person in [
            ("fgw", "department", "FGW", None),
            ("sgb", "reform_office", None, None),
            ("win", "window", None, clerk),
            ("yth", "platform", None, None),
        ]:
            create_user(session, name, role, None, department=dept, person=person)
            tokens[name] = create_token(session, name)
    return app, tokens, clerk


def run(workdir: Path, n: int, via_test_client: bool = False) -> float:
    """Acceptances per second over `n` POST /cases (each one reported application)."""
    app, tokens, clerk = build_app(workdir)
    client = app.test_client()

    def post(path, body, who):
        r = client.post(f"/api/v1{path}", json=body, headers={"Authorization": f"Bearer {tokens[who]}"})
        assert r.status_code == 201, (path, r.status_code, r.get_json())

    post(
        "/items",
        {
            "code": "FGW-001",
            "name": "企业投资项目备案",
            "department": "FGW",
            "item_type": "行政许可",
            "case_type": "instant",
            "entry": {"hall": "CITY"},
            "effective_from": "2019-01-01",
        },
        "fgw",
    )
    post("/items/FGW-001/review", {"result": "approved"}, "sgb")
    post(
        "/authorizations",
        {
            "grantor": "FGW",
            "grantee": {"gov_service": True},
            "powers": ["consult", "receive", "accept", "issue"],
            "valid_from": "2019-01-01",
        },
        "fgw",
    )
    now = datetime.now(timezone.utc)  # accepted as it happens: a case is not back-dated (step_backdate_hours)
    for i in range(n):
        post(
            "/platform/applications",
            {"platform_no": f"PT-{i}", "item": "FGW-001", "applicant": f"申请人{i}", "applied_at": now.isoformat()},
            "yth",
        )
    bodies = [
        {
            "number": f"C-{i}",
            "item": "FGW-001",
            "place": "ZH-01",
            "person": clerk,
            "applicant": f"申请人{i}",
            "platform_no": f"PT-{i}",
        }
        for i in range(n)
    ]
    # the worker's engine is built on its first question, once per process (bench.cold_start measures
    # that); the acceptances are timed in the steady state
    app.extensions["onehall"].policy.refresh()
    if via_test_client:
        t0 = time.perf_counter()
        for body in bodies:
            post("/cases", body, "win")
        elapsed = time.perf_counter() - t0
    else:
        headers = {"Authorization": f"Bearer {tokens['win']}"}
        environs = [
            EnvironBuilder(path="/api/v1/cases", method="POST", json=body, headers=headers).get_environ()
            for body in bodies
        ]
        statuses: list[str] = []

        def start_response(status, _headers, _exc_info=None):
            statuses.append(status)

        t0 = time.perf_counter()
        for environ in environs:
            for _ in app(environ, start_response):
                pass
        elapsed = time.perf_counter() - t0
        refused = [s for s in statuses if not s.startswith("201")]
        assert len(statuses) == n and not refused, refused[:3]
    app.extensions["onehall"].close()
    return n / elapsed


def main(argv=None) -> int:
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--via-test-client", action="store_true", help="send the requests through Werkzeug's test client")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-cases-") as tmp:
        rate = run(Path(tmp), args.n, args.via_test_client)
        print(json.dumps({"case_accept_per_s": round(rate, 1), "n": args.n, "via_test_client": args.via_test_client}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
