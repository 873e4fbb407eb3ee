"""The log survives a worker killed mid-stream and several workers appending at once (docs/design.md §9).

Workers are real processes (tests/log/appender.py) filing through application.runtime.Runtime, each
record in its own filing transaction under the log's single writer lock, some of them
publishing checkpoints on the receipt path as they go.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess

from signing.verify import verify_export
from tests.factories.signed_log import LogHarness

APPENDER = "tests.log.appender"


def run_to_end(proc: subprocess.Popen) -> tuple[list[int], list[int]]:
    """Every index and checkpoint size a worker printed; it must exit cleanly."""
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-3000:]
    return parse(out)


def parse(out: str) -> tuple[list[int], list[int]]:
    indices, sizes = [], []
    for line in out.splitlines():
        if line.startswith("c "):
            sizes.append(int(line[2:]))
        elif line.strip().isdigit():
            indices.append(int(line))
    return indices, sizes


def verified(h: LogHarness, directory) -> None:
    """Nodes agree with the leaves; the export verifies, with the checkpoints kept outside."""
    n = h.assert_nodes_consistent()
    assert h.indices() == list(range(n))
    h.checkpoint()
    assert h.export(directory) == n
    report = verify_export(directory, workers=1, progress=False, external_checkpoints=[h.outside])
    assert report.ok, report.summary()
    assert report.size == n and report.checkpoints >= 2


def test_a_worker_killed_mid_stream_loses_no_acknowledged_record(logdb: LogHarness, tmp_path):
    logdb.append(3)  # the log does not start empty
    rng = random.Random(7)
    acked: list[int] = []
    for round_ in range(2):
        proc = logdb.script(APPENDER, "--count", "100000", "--tag", f"k{round_}", "--checkpoint-every", "7")
        before: list[str] = []
        target = 25 + rng.randrange(10)
        while sum(x.strip().isdigit() for x in before) < target:  # kill it while it is busy appending
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            before.append(line)
        os.kill(proc.pid, signal.SIGKILL)
        # Read the rest through the same buffered stream: communicate() would read the raw
        # pipe and miss lines readline() has already buffered.
        rest = proc.stdout.read()
        proc.wait(timeout=60)
        proc.stderr.close()
        indices, _ = parse("".join(before) + rest)
        assert proc.returncode == -signal.SIGKILL
        assert len(indices) >= target
        acked += indices
        # Every acknowledged index is in the log; at most the one being committed follows.
        present = set(logdb.indices())
        assert set(indices) <= present
        assert logdb.size() - 1 - max(indices) in (0, 1)
    verified(logdb, tmp_path / "after-kill")

    # Appending goes on from where the log stands, without a gap.
    size = logdb.size()
    proc = logdb.script(APPENDER, "--count", "20", "--tag", "after", "--checkpoint-every", "5")
    indices, sizes = run_to_end(proc)
    assert indices == list(range(size, size + 20))
    assert sizes and all(s > i for s, i in zip(sizes, indices[4::5]))
    logdb.append(1)
    assert logdb.indices() == list(range(size + 21))
    assert set(acked) <= set(logdb.indices())
    verified(logdb, tmp_path / "after-restart")


def test_four_workers_append_200_records_at_once(logdb: LogHarness, tmp_path):
    """Four processes append at once, round by round: in each round every worker is released for
    one record and the test waits for all four acknowledgements before the next round (a barrier
    between appends), so the appends contend for the log's lock in every round and the records
    interleave by construction, not by the scheduler's whim."""
    workers, per = 4, 50
    procs = [
        logdb.script(
            APPENDER,
            "--count",
            str(per),
            "--tag",
            f"w{i}",
            "--checkpoint-every",
            "10",
            "--lockstep",
            stdin=subprocess.PIPE,
        )
        for i in range(workers)
    ]
    for p in procs:
        line = p.stdout.readline()
        assert line.strip() == "ready", line + p.stderr.read()
    outputs: list[list[str]] = [[] for _ in procs]
    for round_ in range(per):
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        acked = []
        for p, out in zip(procs, outputs):
            while True:  # a worker's next index line (a checkpoint line may come before it)
                line = p.stdout.readline()
                assert line, p.stderr.read()[-3000:]
                out.append(line)
                if line.strip().isdigit():
                    acked.append(int(line))
                    break
        # Each round hands out the next four indices, once each, whatever the order of the race.
        assert sorted(acked) == list(range(round_ * workers, (round_ + 1) * workers))
    results = []
    for p, out in zip(procs, outputs):
        p.stdin.close()
        rest = p.stdout.read()  # the buffered stream: earlier lines were read through it
        err = p.stderr.read()
        assert p.wait(timeout=120) == 0, err[-3000:]
        results.append(parse("".join(out) + rest))
    all_indices = sorted(i for indices, _ in results for i in indices)
    assert all_indices == list(range(workers * per))  # each index handed out once, no gap
    for indices, sizes in results:
        assert len(indices) == per and indices == sorted(indices)
        assert len(sizes) == per // 10
        assert all(s > i for s, i in zip(sizes, indices[9::10]))  # each receipt's checkpoint covers it
    verified(logdb, tmp_path / "x")
