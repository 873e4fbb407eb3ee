"""How fast the pages answer (issue 12, Speed): the demo city (`init --demo`) on SQLite, at its own
size and at N times it (`init --demo --scale N`: N times the people and items), signed in as
every role, every link reachable from the role's home page two levels deep (a few of each kind),
plus the window's type-ahead and case pages, each page timed in-process (Flask's test client: the
page's own work, no network; wall and CPU time, the load average beside them); prints one JSON
object per size with the slowest five pages and how many exceed the 300 ms budget. The findings are synced once first, as the scheduler does,
so compliance pages read stored rows.

    python -m bench.pages [--scales 1,10] [--repeat 3] [--per-kind 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter, deque
from pathlib import Path

BUDGET_MS = 300.0
# pages a window clerk opens by hand (forms, searches), beside those the crawl reaches by links
WINDOW_EXTRA = (
    "/window/?person_q=zhang&item_q=shenpi",
    "/window/lookup/items?q=xk",
    "/window/lookup/people?q=wang",
    "/window/cases/new?item_q=shenpi",
    "/window/cases?all=1",
)


def _timed(client, url: str, repeat: int):
    """The median wall time and CPU time of `repeat` requests (on a shared, loaded machine the CPU
    time is the page's own work; the wall time adds the wait for a core)."""
    times, cpu, r = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        r = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return (statistics.median(times), statistics.median(cpu)), r


def crawl_times(app, user: str, home: str, password: str, repeat: int, per_kind: int) -> dict[str, tuple[float, float]]:
    from tests.factories.crawl import links_to_follow

    client = app.test_client()
    client.post("/login", data={"name": user, "password": password})
    seen, kinds, out = {home}, Counter(), {}
    queue = deque([(home, 0)])
    if user == "t-window":
        queue.extend((url, 2) for url in WINDOW_EXTRA)
    while queue:
        url, depth = queue.popleft()
        out[url], r = _timed(client, url, repeat)
        if depth >= 2 or "text/html" not in (r.content_type or ""):
            continue
        for link in links_to_follow(app, r.get_data(as_text=True), seen, kinds, per_kind):
            queue.append((link, depth + 1))
    return out


def measure(scale: int, repeat: int, per_kind: int) -> dict:
    from tests.api.world import PASSWORD, build_world
    from tests.factories.crawl import ROLES
    from registry import models as m
    from sqlalchemy import func, select

    t0 = time.perf_counter()
    world = build_world(Path(tempfile.mkdtemp(prefix=f"bench-pages-x{scale}-")), scale=scale)
    world.app.config["WTF_CSRF_ENABLED"] = False
    from application.scheduler import sync_findings

    sync_findings(world.rt)  # what `make run`'s scheduler does on its first pass
    setup_s = time.perf_counter() - t0
    with world.rt.reading() as session:
        size = {
            "people": session.scalar(select(func.count()).select_from(m.Person)),
            "item_versions": session.scalar(select(func.count()).select_from(m.ItemVersion)),
        }
    rows = []
    for user, home in ROLES.items():
        for url, (ms, cpu) in crawl_times(world.app, user, home, PASSWORD, repeat, per_kind).items():
            rows.append({"role": user[2:], "url": url, "ms": round(ms, 1), "cpu_ms": round(cpu, 1)})
    world.rt.close()
    rows.sort(key=lambda r: -r["ms"])
    over = [r for r in rows if r["ms"] > BUDGET_MS]
    by_cpu = sorted(rows, key=lambda r: -r["cpu_ms"])
    return {
        "scale": scale,
        **size,
        "pages": len(rows),
        "setup_s": round(setup_s, 1),
        "budget_ms": BUDGET_MS,
        "load_average": round(os.getloadavg()[0], 1),
        "over_budget": len(over),
        "over_budget_cpu": sum(r["cpu_ms"] > BUDGET_MS for r in rows),
        "p50_ms": round(statistics.median(r["ms"] for r in rows), 1),
        "p50_cpu_ms": round(statistics.median(r["cpu_ms"] for r in rows), 1),
        "slowest": rows[:5],
        "slowest_cpu": by_cpu[:5],
        "over": over,
        "window_pages": {r["url"]: (r["ms"], r["cpu_ms"]) for r in rows if r["role"] == "window"},
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--scales", default="1,10", help="sizes of the demo city to measure (1 = `init --demo`)")
    ap.add_argument("--repeat", type=int, default=3, help="requests per page (the median is reported)")
    ap.add_argument("--per-kind", type=int, default=3, help="pages of one route followed per role")
    args = ap.parse_args(argv)
    out = [measure(int(s), args.repeat, args.per_kind) for s in args.scales.split(",") if s.strip()]
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    print()


if __name__ == "__main__":
    main()
