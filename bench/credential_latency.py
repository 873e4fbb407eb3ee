"""How long a disabled user's cached token keeps working in another worker (docs/design.md §12.4:
"within one second").

Two apps over one database stand for two workers (each its own runtime, pool, token cache and
change monitor, as tests/web/test_workers.py). Per round: a fresh user and token, used once in
worker B (now cached there); worker A disables the user (`user disable`'s service, committed);
worker B is then asked every few milliseconds until it answers 401. Prints, per backend, the
median and the largest time from the commit to the first 401, and how many rounds exceeded 1 s.

    python -m bench.credential_latency [--rounds 20] [--pg postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path


def _apps(url: str, schema: str | None, work: Path):
    from application.config import Settings
    from application.packs import ensure_active_pack
    from registry import migrate
    from web.app import create_app

    settings = Settings(
        instance_dir=work / "instance",
        database_url=url,
        database_schema=schema,
        key_dir=work / "keys",
        key_passphrase=b"bench",
        secret_key="bench",
        testing=True,
    )
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    a = create_app(settings)
    migrate.upgrade(a.extensions["onehall"].engine)
    ensure_active_pack(a.extensions["onehall"])
    b = create_app(settings)
    monitor = b.extensions["onehall"].changes
    deadline = time.monotonic() + 30
    while b.extensions["onehall"].engine.dialect.name == "postgresql" and not monitor.listening:
        if time.monotonic() > deadline:
            raise SystemExit("worker B never started listening")
        time.sleep(0.05)
    return a, b


def measure(url: str, schema: str | None, rounds: int) -> dict:
    from registry.services.accounts import create_token, create_user, disable_user

    with tempfile.TemporaryDirectory() as tmp:
        a, b = _apps(url, schema, Path(tmp))
        rt_a = a.extensions["onehall"]
        client_b = b.test_client()
        delays = []
        for i in range(rounds):
            name = f"probe{i}"
            with rt_a.filing_session() as session:
                create_user(session, name, "auditor", None)
                token = create_token(session, name)
            headers = {"Authorization": f"Bearer {token}"}
            assert client_b.get("/api/v1/me", headers=headers).status_code == 200
            assert client_b.get("/api/v1/me", headers=headers).status_code == 200  # from B's cache
            with rt_a.filing_session() as session:
                disable_user(session, name)
            committed = time.perf_counter()
            while client_b.get("/api/v1/me", headers=headers).status_code != 401:
                if time.perf_counter() - committed > 10:
                    raise SystemExit(f"round {i}: worker B still accepts the token after 10 s")
                time.sleep(0.002)
            delays.append(time.perf_counter() - committed)
        for app in (a, b):
            app.extensions["onehall"].close()
    return {
        "rounds": rounds,
        "median_ms": round(statistics.median(delays) * 1000, 1),
        "max_ms": round(max(delays) * 1000, 1),
        "over_1s": sum(d > 1 for d in delays),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--pg", help="a PostgreSQL server (a schema of its own is made and dropped)")
    args = parser.parse_args(argv)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = measure(f"sqlite:///{Path(tmp) / 'probe.db'}", None, args.rounds)
    if args.pg:
        from sqlalchemy import text

        from registry.db import make_engine

        schema = f"probe_{uuid.uuid4().hex[:10]}"
        admin = make_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            out["postgresql"] = measure(args.pg, schema, args.rounds)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
