"""bench.compliance (docs/design.md §11): the full city compliance report, warm and cold, and what-if.

Prints one JSON object; each figure is the median of 5 runs (`--runs`):

- `report_s`: a full city report (every finding rule of the active pack, the summary by
  department, serialised to JSON) over a synthetic registry of 10,000 items and 1,000
  authorizations built as facts (docs/facts.md shape, no database): 40 departments with
  sections, staff filings, A/B chief representatives and gov-service grants, absences,
  delegations, exemptions, three whole-chain function sections, fee reviews, 2,000 cases;
  the working-day calendar is the chinesecalendar data in memory. Warm: the same process,
  after one unmeasured report.
- `report_cold_s`: the first report in a fresh Python process (pack loaded, facts built,
  neither timed): what a worker pays on its first report. `pack_load_s` beside it.
- `what_if_ms`: `rules.analysis.what_if` over the same facts, as a worker answers it (over the
  engine that already holds them, its heap frozen as web.server freezes a worker's): "if this A-post chief representative is absent for three
  days, who decides each entered item, and which have nobody?"; null with a note if the
  function is missing. `what_if_ms` asks it of every entered item of the city (the function's
  default), `what_if_department_ms` of the absent person's department's entered items only.
  `what_if_engine_build_s`: building that engine, once per worker.
- `baseline_json_s`: serialising a report-sized list of plain dicts, the floor under `report_s`.

    python -m bench.compliance [--quick] [--runs 5]

`--quick`: 3 report runs, 1 cold process, 2 what-if runs (< 60 s). Targets: report_s ≤ 2, what_if_ms ≤ 100.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date

from bench.compliance_facts import AT, DAY, KNOWN, build_facts

TARGETS = {"report_s": 2.0, "what_if_ms": 100.0}


def working_days_between():
    """The chinesecalendar years in memory, as registry.calendar.WorkingCalendar answers them."""
    from chinese_calendar import constants

    from registry.calendar import WorkingCalendar

    years = frozenset({d.year for d in constants.holidays} | {d.year for d in constants.workdays})
    cal = WorkingCalendar(
        years=years,
        holidays=frozenset(d for d in constants.holidays if d.weekday() < 5),
        makeup_days=frozenset(d for d in constants.workdays if d.weekday() >= 5),
    )
    return cal.working_days_between


def load_active_pack():
    from rules.pack import default_pack_dir, load_pack

    return load_pack(default_pack_dir())


def full_report(pack, snap: dict, wdb) -> str:
    """What GET /compliance answers, as application.compliance.report builds it, serialised."""
    from rules import compliance as rules_compliance
    from application.compliance import SEVERITY_ORDER, _summary

    found = rules_compliance.findings(pack, snap, at=AT, known_at=KNOWN, working_days_between=wdb)
    found.sort(key=lambda f: (f.get("department") or "", SEVERITY_ORDER.get(f["severity"], 9), f["clause"]))
    result = {
        "findings": found,
        "summary": _summary(found, snap),
        "parameters": pack.parameters,
        "policy": pack.policy,
        "at": AT.isoformat(),
        "notes": [],
    }
    return json.dumps(result, ensure_ascii=False, default=str)


def _timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def cold_child() -> None:
    """One fresh process: build the facts and load the pack (untimed), then the first report."""
    snap = build_facts()
    wdb = working_days_between()
    pack_s, pack = _timed(load_active_pack)
    report_s, text = _timed(lambda: full_report(pack, snap, wdb))
    print(json.dumps({"pack_load_s": pack_s, "report_s": report_s, "bytes": len(text)}))


def what_if_figure(pack, snap: dict, runs: int) -> tuple[dict, str | None]:
    """`rules.analysis.what_if` as a worker answers it: over the engine that already holds the
    facts (`engine=`), "if this A-post chief representative is absent for three days, who
    decides each entered item, and which items have nobody?" over every entered item."""
    try:
        from rules.analysis import what_if
    except ImportError:
        return {}, "rules.analysis.what_if 尚不存在：未测量"
    from rules import Engine

    params = inspect.signature(what_if).parameters
    if "absence" not in params or "engine" not in params:
        return {}, f"rules.analysis.what_if{inspect.signature(what_if)} 的调用方式与预期不符：未测量"
    build_s, engine = _timed(lambda: _engine_over(Engine, pack, snap))
    # a worker freezes its heap once the engine is built (web.server._ready_worker): the collector
    # then no longer walks the engine's millions of long-lived objects on each full collection
    gc.collect()
    gc.freeze()
    victim = next(a for a in snap["authorizations"] if a.get("post") == "A")
    absence = {"person": victim["grantee"]["person"], "from": AT, "to": AT + DAY * 3, "reason": "bench"}
    dept_items = [it["code"] for it in snap["items"] if it["department"] == victim["grantor"] and it.get("entry")]
    figures: dict = {"engine_build_s": build_s}
    for key, items in (("what_if_ms", None), ("what_if_department_ms", dept_items)):
        out = what_if(pack, snap, absence, items=items, at=AT, known_at=KNOWN, engine=engine)  # warm-up
        times = [
            _timed(lambda: what_if(pack, snap, absence, items=items, at=AT, known_at=KNOWN, engine=engine))[0] * 1000
            for _ in range(runs)
        ]
        figures[key] = statistics.median(times)
        figures[key.replace("_ms", "_items")] = len(out["items"])
    gc.unfreeze()
    return figures, None


def _engine_over(engine_cls, pack, snap: dict):
    engine = engine_cls(pack)
    engine.load(snap)
    return engine


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer runs (< 60 s)")
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.cold_child:
        cold_child()
        return 0
    runs = args.runs or (3 if args.quick else 5)
    cold_runs = 1 if args.quick else runs

    build_s, snap = _timed(build_facts)
    wdb = working_days_between()
    pack = load_active_pack()
    full_report(pack, snap, wdb)  # warm-up
    warm = []
    size = 0
    for _ in range(runs):
        s, text = _timed(lambda: full_report(pack, snap, wdb))
        warm.append(s)
        size = len(text)
    parsed = json.loads(text)
    # baseline: serialising the same findings as plain dicts, nothing computed
    base = [_timed(lambda: json.dumps(parsed, ensure_ascii=False, default=str))[0] for _ in range(runs)]

    cold, pack_load = [], []
    for _ in range(cold_runs):
        proc = subprocess.run(
            [sys.executable, "-m", "bench.compliance", "--cold-child"], capture_output=True, text=True, check=True
        )
        child = json.loads(proc.stdout.strip().splitlines()[-1])
        cold.append(child["report_s"])
        pack_load.append(child["pack_load_s"])

    wi, note = what_if_figure(pack, snap, 2 if args.quick else runs)
    what_if_ms = wi.get("what_if_ms")
    out = {
        "bench": "compliance",
        "quick": args.quick,
        "runs": runs,
        "cold_runs": cold_runs,
        "items": len(snap["items"]),
        "authorizations": len(snap["authorizations"]),
        "cases": len(snap["cases"]),
        "findings": len(parsed["findings"]),
        "report_bytes": size,
        "report_s": round(statistics.median(warm), 4),
        "report_cold_s": round(statistics.median(cold), 4),
        "pack_load_s": round(statistics.median(pack_load), 4),
        "baseline_json_s": round(statistics.median(base), 4),
        "what_if_ms": None if what_if_ms is None else round(what_if_ms, 2),
        "what_if_items": wi.get("what_if_items"),
        "what_if_department_ms": (
            None if wi.get("what_if_department_ms") is None else round(wi["what_if_department_ms"], 2)
        ),
        "what_if_department_items": wi.get("what_if_department_items"),
        "what_if_engine_build_s": None if "engine_build_s" not in wi else round(wi["engine_build_s"], 3),
        "targets": TARGETS,
        "meets_targets": {
            "report_s": statistics.median(warm) <= TARGETS["report_s"],
            "what_if_ms": None if what_if_ms is None else what_if_ms <= TARGETS["what_if_ms"],
        },
        "facts_build_s": round(build_s, 3),
        "python": sys.version.split()[0],
        "date": date.today().isoformat(),
        "load_avg_1m": round(os.getloadavg()[0], 2),  # other work on the machine during the run
    }
    if note:
        out["notes"] = [note]
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
