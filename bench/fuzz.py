"""bench.fuzz (issue 13 item 8): the API fuzzing, longer than `make test` runs it.

Runs tests/api/test_openapi_fuzz.py in a child pytest with more generated requests per
operation, several seeds (each a full pass: every operation, valid and invalid requests, every
role's token, then the stateful phase per role following the OpenAPI links), and prints one JSON
object: the seeds, examples per operation, requests sent (stateless and stateful), answers by
status, server errors (5xx: must be 0), failed checks, and the wall time; `baseline_s` is the
same module at the `make test` setting, from the same run, for scale.

    python -m bench.fuzz [--seeds 1,2,3] [--examples 30] [--stateful 20] [--no-baseline]
                         [--database-url postgresql://…]   (the demo city on PostgreSQL)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE = "tests/api/test_openapi_fuzz.py"


def run(env_extra: dict[str, str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="onehall-fuzz-") as tmp:
        report = Path(tmp) / "report.json"
        env = {**os.environ, **env_extra, "ONEHALL_FUZZ_JSON": str(report)}
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", MODULE],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        out = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
        summary = (proc.stdout.strip().splitlines() or [""])[-1]
        out.update({"wall_s": round(elapsed, 1), "pytest_exit": proc.returncode, "pytest_summary": summary})
        if proc.returncode != 0:
            failed = [line for line in proc.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
            out["failed_checks"] = failed[:50]
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--examples", type=int, default=30)
    parser.add_argument("--stateful", type=int, default=20)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--database-url", help="run the demo city on this PostgreSQL server (a schema of its own)")
    args = parser.parse_args()
    result = {"bench": "fuzz", "command": " ".join(sys.argv)}
    backend = {"ONEHALL_FUZZ_DATABASE_URL": args.database_url} if args.database_url else {}
    result["long"] = run(
        {
            "ONEHALL_FUZZ_SEEDS": args.seeds,
            "ONEHALL_FUZZ_EXAMPLES": str(args.examples),
            "ONEHALL_FUZZ_STATEFUL": str(args.stateful),
            **backend,
        }
    )
    if not args.no_baseline:
        base = run(backend)
        result["baseline_s"] = base["wall_s"]
        result["baseline"] = {k: base.get(k) for k in ("requests", "stateful_requests", "server_errors", "pytest_exit")}
    print(json.dumps(result, ensure_ascii=False))
    sys.exit(0 if result["long"].get("pytest_exit") == 0 else 1)


if __name__ == "__main__":
    main()
