"""bench.decisions (docs/design.md §11): decision latency of onehall against Cedar and Casbin.

Prints one JSON object: p50/p99 in microseconds at 100, 10,000 and 100,000 authorizations
(explanations on: every answer carries its reasons with their Chinese detail), Cedar and Casbin
p50 at 10,000 with agreement counts, and update_ms (one authorization or absence applied -> a
decision reflecting it). Each figure: median of 5 runs. The 20,000 requests are about half allow
(`allow_share_at_N`): A posts are asked 70% of the time (bench.workload.A_POST_SHARE). The heap is
frozen once the engines are built, as a server worker's is (web.server), and the runs take the
sizes in turn; `p50_ratio_100000_to_100` is the median of the runs' own ratios.

With the cold start (bench.cold_start: a new process answers its first decision, the facts being
the signed records already in a registry database): `first_answer_s_at_100000` (from the
authenticated snapshot; `first_answer_cold_s_at_100000` folding the whole log, as the first worker
does), `first_answer_cpu_s_at_100000`, `rss_mb_at_100000`; `--million` adds the same at 1,000,000.

    python -m bench.decisions [--quick] [--no-cold-start] [--million]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time

from bench import workload as W
from rules import Engine, default_pack_dir, load_pack
from rules.timeutil import ts

CASBIN_SAMPLE = 100


def _percentiles(samples: list[int]) -> tuple[float, float]:
    s = sorted(samples)
    return s[len(s) // 2] / 1000, s[int(len(s) * 0.99)] / 1000


def measure(fn, reqs, runs: int) -> tuple[float, float, list]:
    p50s, p99s, answers = [], [], None
    clock = time.perf_counter_ns
    for _ in range(runs):
        samples, out = [], []
        for r in reqs:
            t0 = clock()
            a = fn(*r)
            samples.append(clock() - t0)
            out.append(a)
        p50, p99 = _percentiles(samples)
        p50s.append(p50)
        p99s.append(p99)
        answers = out
    return statistics.median(p50s), statistics.median(p99s), answers


def onehall(pack, snap):
    e = Engine(pack)
    e.load(snap)
    at, known = W.AT, W.KNOWN
    return e, (lambda p, act, item: e.decide(p, act, item, at=at, known_at=known).allowed)


def update_ms(engine: Engine, snap: dict, runs: int) -> float:
    """Apply one new authorization (or absence), then ask a question it changes."""
    times = []
    item = snap["items"][0]
    base_pid = 10**6
    for i in range(runs * 4):
        pid = base_pid + i
        engine.apply(
            {
                "kind": "person",
                "op": "upsert",
                "record": {"id": pid, "name": f"新{i}", "department": item["department"], "position": "科长"},
            }
        )
        t0 = time.perf_counter_ns()
        if i % 2 == 0:
            engine.apply(
                {
                    "kind": "authorization",
                    "op": "upsert",
                    "record": {
                        "id": 10**7 + i,
                        "grantor": item["department"],
                        "grantee": {"person": pid},
                        "post": "A",
                        "backs": None,
                        "powers": W.MINIMUM,
                        "items": "*",
                        "valid_from": W.T0,
                        "valid_to": None,
                        "filed_at": W.T0,
                        "log_index": 10**7 + i,
                    },
                }
            )
            ok = engine.decide(
                pid,
                "countersign"
                if item.get("joint")
                else "execute_fee"
                if item.get("fees")
                else "decide"
                if item["case_type"] == "instant" or item["complexity"] == "simple"
                else "coordinate",
                item["code"],
                at=W.AT,
                known_at=W.KNOWN,
            ).allowed
        else:
            engine.apply(
                {
                    "kind": "absence",
                    "op": "upsert",
                    "record": {
                        "id": 10**7 + i,
                        "person": pid - 1,
                        "from": W.T0,
                        "to": None,
                        "reason": "病假",
                        "filed_at": W.T0,
                    },
                }
            )
            ok = not engine.decide(pid - 1, "decide", item["code"], at=W.AT, known_at=W.KNOWN).allowed
        times.append((time.perf_counter_ns() - t0) / 1e6)
        assert ok, "the decision did not reflect the change"
    return statistics.median(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small run: fewer requests, 1 run, no 100k")
    ap.add_argument("--no-cold-start", action="store_true", help="leave out the cold-start figures")
    ap.add_argument("--million", action="store_true", help="also the cold start at 1,000,000 authorizations")
    args = ap.parse_args(argv)
    runs = 1 if args.quick else 5
    n_req = 2000 if args.quick else 20000
    sizes = (100, 10000) if args.quick else (100, 10000, 100000)
    pack = load_pack(default_pack_dir())
    out: dict = {"requests": n_req, "runs": runs, "sizes": list(sizes)}
    all_sizes(out, pack, sizes, n_req, runs)
    out["agree"] = out.get("cedar_disagree", 0) == 0 and out.get("casbin_disagree", 0) == 0
    if not args.no_cold_start:
        from bench import cold_start

        for n in ((10000,) if args.quick else (100000,)) + ((1000000,) if args.million else ()):
            out.update(cold_start.run(n, runs=1 if args.quick else 3))
    json.dump(out, sys.stdout)
    print()
    return 0


def all_sizes(out: dict, pack, sizes: tuple[int, ...], n_req: int, runs: int) -> None:
    """Latency at each size. Every size's engine is built first, then the heap is frozen as a
    server worker freezes it once its index is built (web.server._ready_worker); the runs then
    take the sizes in turn (run 1 at each size, run 2 at each size, ...), so that a slower moment
    of a shared machine falls on every size alike instead of on whichever size it was measuring.
    `p50_ratio_{max}_to_{min}` is the median of the runs' own ratios (same run, back to back)."""
    built = {}
    for n in sizes:
        snap = W.build(n)
        reqs = W.requests(snap, n_req)
        t0 = time.perf_counter()
        engine, fn = onehall(pack, snap)
        out[f"load_s_at_{n}"] = round(time.perf_counter() - t0, 2)
        built[n] = (snap, reqs, engine, fn)
    gc.collect()
    gc.freeze()
    try:
        p50s: dict[int, list[float]] = {n: [] for n in sizes}
        p99s: dict[int, list[float]] = {n: [] for n in sizes}
        answers: dict[int, list] = {}
        for _ in range(runs):
            for n in sizes:
                _, reqs, _, fn = built[n]
                p50, p99, answers[n] = measure(fn, reqs, 1)
                p50s[n].append(p50)
                p99s[n].append(p99)
        for n in sizes:
            ours = answers[n]
            out[f"p50_us_at_{n}"] = round(statistics.median(p50s[n]), 2)
            out[f"p99_us_at_{n}"] = round(statistics.median(p99s[n]), 2)
            out[f"allow_share_at_{n}"] = round(sum(ours) / len(ours), 3)
        lo, hi = min(sizes), max(sizes)
        ratios = [b / a for a, b in zip(p50s[lo], p50s[hi])]
        out[f"p50_ratio_{hi}_to_{lo}"] = round(statistics.median(ratios), 3)
        for n in sizes:
            snap, reqs, engine, _ = built[n]
            if n == 10000:
                out["update_ms"] = round(update_ms(engine, snap, runs), 3)
                baselines(out, snap, reqs, answers[n], runs)
            if n == hi:
                case_latency(out, engine, snap, reqs, runs, n)
    finally:
        gc.unfreeze()
        built.clear()
        gc.collect()


CASES = 100_000


def case_latency(out: dict, engine: Engine, snap: dict, reqs: list, runs: int, n: int) -> None:
    """docs/design.md §12.8: a decision naming a case, with 100,000 open cases held, against the same
    requests without a case on the same engine (same run)."""
    items = [it["code"] for it in snap["items"]]
    case_of = {}
    for i in range(CASES):
        item = items[i % len(items)]
        number = f"C{i:06d}"
        engine.apply(
            {
                "kind": "case",
                "op": "upsert",
                "record": {
                    "number": number,
                    "item": item,
                    "place": "ZH",
                    "accepted_at": W.T0,
                    "application_key": f"k{i}",
                    "platform_record": True,
                    "platform_no": f"PT{i:06d}",
                    "status": "open",
                    "pending_platform": False,
                },
            }
        )
        case_of.setdefault(item, number)
    at, known = W.AT, W.KNOWN
    with_case = [(p, act, item, case_of[item]) for p, act, item in reqs]
    p50, _, _ = measure(
        lambda p, act, item, c: engine.decide(p, act, item, at=at, known_at=known, case=c).allowed, with_case, runs
    )
    base, _, _ = measure(lambda p, act, item: engine.decide(p, act, item, at=at, known_at=known).allowed, reqs, runs)
    out[f"p50_us_case_at_{CASES}"] = round(p50, 2)
    out[f"p50_us_at_{n}_with_{CASES}_cases_held"] = round(base, 2)
    out["case_cases_held"] = CASES


def baselines(out: dict, snap: dict, reqs: list, ours: list, runs: int) -> None:
    """Cedar and Casbin on the same requests, with how often they agree with onehall."""
    import cedarpy
    from bench import cedar_policy, casbin_policy

    policies = cedarpy.PolicySet.from_str(cedar_policy.POLICIES)
    entities = cedarpy.Entities.from_json_str(cedar_policy.entities_json(snap))
    at = int(ts(W.AT))

    def cedar(p, act, item):
        return cedarpy.is_authorized(
            {
                "principal": f'Person::"{p}"',
                "action": f'Action::"{act}"',
                "resource": f'Item::"{item}"',
                "context": {"at": at},
            },
            policies,
            entities,
        ).allowed

    c50, _, theirs = measure(cedar, reqs, runs)
    out["cedar_p50_us_at_10000"] = round(c50, 2)
    agree = sum(a == b for a, b in zip(ours, theirs))
    out["cedar_agree"], out["cedar_disagree"] = agree, len(reqs) - agree
    enf = casbin_policy.enforcer(snap, W.AT)
    # Casbin scans its policy lines per request (~0.2 s here): measured on a sample
    sample = reqs[:CASBIN_SAMPLE]
    k50, _, theirs = measure(lambda p, act, item: enf.enforce(str(p), item, act), sample, 1)
    out["casbin_p50_us_at_10000"] = round(k50, 2)
    out["casbin_sample"] = len(sample)
    agree = sum(a == b for a, b in zip(ours[:CASBIN_SAMPLE], theirs))
    out["casbin_agree"], out["casbin_disagree"] = agree, len(sample) - agree


if __name__ == "__main__":
    raise SystemExit(main())
