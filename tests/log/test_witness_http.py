"""`onehall witness serve` speaks C2SP tlog-witness over HTTP (no database needed).

Two witnesses on ephemeral ports, a log growing in memory: add-checkpoint answers with a
cosignature/v1 line, the statuses of the spec for each refusal, and a cosigned checkpoint
verified under a policy of quorum 2. A forked log is refused.
"""

from __future__ import annotations

import http.client
import urllib.parse

import pytest

from signing.cosignature import SIG_TYPE_COSIGNATURE_V1
from signing.keys import Ed25519Signer
from signing.merkle import MemoryTree
from signing.note import format_checkpoint, sign_note, vkey
from signing.policy import check_checkpoint, parse_policy
from signing.witness import Witness, format_add_checkpoint
from web.witness_server import WitnessServer

ORIGIN = "onehall.test/log"
LOG = Ed25519Signer.from_seed(b"\x01" * 32)
ENTRIES = [b"entry %d" % i for i in range(64)]


@pytest.fixture
def witnesses(tmp_path):
    servers = []
    for i in (1, 2):
        w = Witness(
            tmp_path / f"w{i}",
            Ed25519Signer.from_seed(bytes([10 + i]) * 32),
            f"w{i}.example",
            logs={ORIGIN: {ORIGIN: LOG.public_key_raw}},
        )
        servers.append(WitnessServer(w, "127.0.0.1", 0).start())
    yield servers
    for s in servers:
        s.stop()


def post(url: str, body: bytes) -> tuple[int, str, str]:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("POST", parts.path + "/add-checkpoint", body=body)
        r = conn.getresponse()
        return r.status, r.getheader("Content-Type", ""), r.read().decode()
    finally:
        conn.close()


def note(tree: MemoryTree, size: int, signer=LOG) -> str:
    return sign_note(format_checkpoint(ORIGIN, size, tree.root(size)), ORIGIN, signer)


def test_two_witnesses_cosign_and_a_policy_of_two_verifies(witnesses) -> None:
    tree = MemoryTree.from_entries(ENTRIES)
    policy = parse_policy(
        f"log {vkey(ORIGIN, LOG.public_key_raw)}\n"
        + "".join(
            f"witness {vkey(s.witness.name, s.witness.signer.public_key_raw, SIG_TYPE_COSIGNATURE_V1)} {s.url}\n"
            for s in witnesses
        )
        + "quorum 2\n"
    )
    cp = note(tree, 20)
    lines = []
    for server in witnesses:
        status, ctype, body = post(server.url, format_add_checkpoint(0, [], cp))
        assert status == 200 and ctype.startswith("text/plain"), body
        lines.append(body)
    assert check_checkpoint(cp + lines[0], policy).status() == "not yet witnessed (1 of quorum 2)"
    assert check_checkpoint(cp + "".join(lines), policy).witnessed
    # the log grows: a consistency proof from the size each witness knows
    cp2 = note(tree, 50)
    proof = tree.consistency_proof(20, 50)
    got = [post(s.url, format_add_checkpoint(20, proof, cp2)) for s in witnesses]
    assert [g[0] for g in got] == [200, 200]
    assert check_checkpoint(cp2 + "".join(g[2] for g in got), policy).witnessed


def test_statuses_of_the_spec(witnesses, tmp_path) -> None:
    tree = MemoryTree.from_entries(ENTRIES)
    url = witnesses[0].url
    assert post(url, format_add_checkpoint(0, [], note(tree, 30)))[0] == 200
    other = sign_note(format_checkpoint("else.example/log", 5, tree.root(5)), "else.example/log", LOG)
    assert post(url, format_add_checkpoint(0, [], other))[0] == 404
    assert post(url, format_add_checkpoint(30, [], note(tree, 40, Ed25519Signer.from_seed(b"\x09" * 32))))[0] == 403
    assert post(url, format_add_checkpoint(41, [], note(tree, 40)))[0] == 400
    assert post(url, format_add_checkpoint(10, tree.consistency_proof(10, 40), note(tree, 40))) == (
        409,
        "text/x.tlog.size",
        "30\n",
    )
    assert post(url, format_add_checkpoint(30, tree.consistency_proof(20, 40), note(tree, 40)))[0] == 422
    assert post(url, b"old x\n\n")[0] == 400


def test_a_forked_log_is_refused(witnesses) -> None:
    """Two checkpoints of one size with different roots: the witness keeps the first."""
    tree = MemoryTree.from_entries(ENTRIES)
    forked = MemoryTree.from_entries(ENTRIES[:7] + [b"rewritten"] + ENTRIES[8:])
    url = witnesses[1].url
    assert post(url, format_add_checkpoint(0, [], note(tree, 32)))[0] == 200
    assert post(url, format_add_checkpoint(32, [], note(forked, 32))) == (409, "text/x.tlog.size", "32\n")
    assert post(url, format_add_checkpoint(32, forked.consistency_proof(32, 40), note(forked, 40)))[0] == 422
    assert post(url, format_add_checkpoint(32, tree.consistency_proof(32, 40), note(tree, 40)))[0] == 200


def test_onehall_witness_serve_runs_on_its_own(tmp_path) -> None:
    """The command a witness operator runs: no onehall database, its key and state in DIR."""
    import os
    import subprocess

    from tests.factories.processes import PROJECT_ROOT, clean_env, onehall_exe

    env = {**clean_env(), "ONEHALL_WITNESS_PASSPHRASE": "operator secret"}
    init = subprocess.run(
        [onehall_exe(), "witness", "init", str(tmp_path / "w"), "--name", "audit.example/w1"],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=60,
    )
    assert init.returncode == 0, init.stderr
    wvkey = init.stdout.strip()
    assert wvkey.startswith("audit.example/w1+")
    proc = subprocess.Popen(
        [
            onehall_exe(),
            "witness",
            "serve",
            str(tmp_path / "w"),
            "--name",
            "audit.example/w1",
            "--log",
            vkey(ORIGIN, LOG.public_key_raw),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith(f"见证人 {wvkey} 在 http://127.0.0.1:"), line
        url = line.split()[3]
        tree = MemoryTree.from_entries(ENTRIES)
        status, _, body = post(url, format_add_checkpoint(0, [], note(tree, 9)))
        assert status == 200
        policy = parse_policy(f"log {vkey(ORIGIN, LOG.public_key_raw)}\nwitness {wvkey}\nquorum 1\n")
        assert check_checkpoint(note(tree, 9) + body, policy).witnessed
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert oct(os.stat(tmp_path / "w").st_mode & 0o777) == "0o700"
