"""A worker that files a stream of signed records, for the fault and concurrency tests.

    python -m tests.log.appender --count N [--tag T] [--checkpoint-every K] [--wait-go | --lockstep]

Configured like `onehall` (ONEHALL_DATABASE_URL, ONEHALL_DATABASE_SCHEMA, ONEHALL_KEY_DIR,
ONEHALL_KEY_PASSPHRASE, ONEHALL_INSTANCE). Each record is one filing transaction through
application.runtime.Runtime, the path every filing takes. After each commit it prints the
acknowledged log index and flushes; every K records it also waits for a checkpoint covering
the last one (the receipt path) and prints `c SIZE`. With --wait-go it prints `ready` once
warm and starts when a line arrives on standard input, so several workers start together. With
--lockstep it also waits for a line before each record: the test releases every worker for one
record at a time, so the workers meet at a barrier between appends and their records interleave
whatever the scheduler does.
"""

from __future__ import annotations

import argparse
import sys

from registry.services.context import Actor
from application.config import Settings
from application.runtime import Runtime


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--tag", default="w")
    p.add_argument("--checkpoint-every", type=int, default=0)
    p.add_argument("--wait-go", action="store_true")
    p.add_argument("--lockstep", action="store_true")
    args = p.parse_args(argv)

    rt = Runtime.create(Settings.from_env(checkpoint_interval_ms=5))
    actor = Actor(name=f"appender-{args.tag}", role="gov_service")
    keys = rt.signing_keys
    for body in (actor.body, "log"):  # decrypting a key is slow on purpose: do it before the race
        keys.ensure(body)
        keys.signer(body)
    if args.wait_go or args.lockstep:
        print("ready", flush=True)
    if args.wait_go:
        sys.stdin.readline()
    for n in range(args.count):
        if args.lockstep:
            sys.stdin.readline()
        with rt.filing(actor) as ctx:
            logged = ctx.log("test", {"worker": args.tag, "n": n})
        print(logged.index, flush=True)
        if args.checkpoint_every and (n + 1) % args.checkpoint_every == 0:
            cp = rt.ledger.await_checkpoint(rt.sessions, logged.index, 1000)
            print(f"c {cp.tree_size}", flush=True)
    rt.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
