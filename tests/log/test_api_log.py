"""The public side of the log (docs/design.md §7, §8): a seal use's receipt checked offline by
`onehall verify RECEIPT`, and consistency proofs between two published checkpoints."""

from __future__ import annotations

import base64
import json

import pytest

from registry.inputs.filings import SealIn
from registry.services import org
from registry.services.context import SYSTEM
from signing import merkle
from signing.errors import ProofError
from signing.note import open_note, parse_checkpoint
from signing.receipt import verify_receipt
from tests.factories.processes import onehall_exe, run
from tests.factories.world import bearer, world  # noqa: F401 (the world fixture)
from tests.factories.api import seal_receipt  # noqa: F401  (helpers and fixtures)

ORIGIN = "onehall.xiangtan/log"


def flip_first_proof_hash(receipt: dict) -> dict:
    bad = json.loads(json.dumps(receipt))
    h = bad["receipt"]["inclusion_proof"][0]
    bad["receipt"]["inclusion_proof"][0] = ("1" if h[0] == "0" else "0") + h[1:]
    return bad


def verify_cli(path, *trust: str):
    # No database, no key directory: the receipt and the keys it is told to trust.
    return run([onehall_exe(), "verify", str(path), *trust])


def saved_keys(client, tmp_path) -> tuple[str, str]:
    """`--keys FILE` with the /api/v1/keys answer saved as a citizen would."""
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(client.get("/api/v1/keys").get_json()), encoding="utf-8")
    return "--keys", str(path)


def test_a_tampered_seal_use_receipt_fails_offline(rt, client, world, tmp_path):  # noqa: F811
    answer = seal_receipt(rt, client, world)
    assert answer["receipt"]["inclusion_proof"], "a receipt in a log of several entries has a proof"
    verify_receipt(answer["receipt"])  # the library accepts the untouched one
    (tmp_path / "bad.json").write_text(json.dumps(flip_first_proof_hash(answer)), encoding="utf-8")
    r = verify_cli(tmp_path / "bad.json", *saved_keys(client, tmp_path))
    assert r.returncode == 1, r.stdout + r.stderr
    assert "inclusion proof" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_seal_use_receipt_verifies_offline_with_the_cli(rt, client, world, tmp_path):  # noqa: F811
    answer = seal_receipt(rt, client, world)
    (tmp_path / "receipt.json").write_text(json.dumps(answer, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "bare.json").write_text(json.dumps(answer["receipt"]), encoding="utf-8")
    trust = saved_keys(client, tmp_path)
    for name in ("receipt.json", "bare.json"):  # the API answer as saved, or the receipt alone
        r = verify_cli(tmp_path / name, *trust)
        assert r.returncode == 0, r.stdout + r.stderr
        shown = json.loads(r.stdout)
        assert shown["ok"] is True and shown["leaf_index"] == answer["receipt"]["leaf_index"]
        assert shown["tree_size"] == answer["receipt"]["tree_size"] > shown["leaf_index"]
        assert shown["log_key_trusted"] is True and shown["record_verified"] is True
    r = verify_cli(tmp_path / "bare.json")  # trusting nothing, it says so and fails
    assert r.returncode == 2 and "未给出可信的日志公钥" in r.stderr, r.stdout + r.stderr


def test_a_receipt_forged_with_the_attackers_keys_fails(rt, client, world, tmp_path):  # noqa: F811
    """Issue 13.3: re-signed by other keys, a receipt is only consistent with itself."""
    from signing.keys import Ed25519Signer
    from signing.note import sign_note, vkey

    receipt = seal_receipt(rt, client, world)["receipt"]
    attacker = Ed25519Signer.from_seed(b"\x07" * 32)
    forged = dict(
        receipt,
        checkpoint=sign_note(receipt["checkpoint"].split("\n\n")[0] + "\n", receipt["log_name"], attacker),
        log_public_key=base64.b64encode(attacker.public_key_raw).decode(),
    )
    (tmp_path / "forged.json").write_text(json.dumps(forged), encoding="utf-8")
    verify_receipt(forged)  # self-consistent...
    for trust in (saved_keys(client, tmp_path), ("--vkey", _log_vkey(client))):
        r = verify_cli(tmp_path / "forged.json", *trust)
        assert r.returncode == 1 and "not a trusted log key" in r.stderr, r.stdout + r.stderr
    r = verify_cli(tmp_path / "forged.json", "--vkey", vkey(receipt["log_name"], attacker.public_key_raw))
    assert r.returncode == 0  # ...which is all the attacker's own key can vouch for


def _log_vkey(client) -> str:
    from signing.note import vkey

    [log] = [k for k in client.get("/api/v1/keys").get_json()["items"] if k["body"] == "log"]
    return vkey(ORIGIN, base64.b64decode(log["public_key"]))


def publish(rt) -> tuple[int, str]:  # noqa: F811
    """Publish a checkpoint as the ledger does; return its size and its signed note."""
    with rt.filing(SYSTEM) as ctx:
        cp = rt.ledger.publish_checkpoint(ctx.session)
    return cp.tree_size, cp.note


def signed_root(client, note: str) -> tuple[int, bytes]:  # noqa: F811
    keys = [
        base64.b64decode(k["public_key"]) for k in client.get("/api/v1/keys").get_json()["items"] if k["body"] == "log"
    ]
    body, _ = open_note(note, {ORIGIN: keys})
    cp = parse_checkpoint(body)
    return cp.size, cp.root


def test_consistency_proof_between_two_checkpoints_verifies(rt, client, world):  # noqa: F811
    def seals(codes):
        with rt.filing(SYSTEM) as ctx:
            for i in codes:
                org.create_seal(
                    ctx, SealIn(code=f"GA-S{i:02d}", name=f"市公安局业务专用章{i}", department="GA", kind="business")
                )

    seals(range(2))
    m, note1 = publish(rt)
    seals(range(2, 13))
    n, note2 = publish(rt)
    assert 0 < m < n and m & (m - 1) and n - m == 11  # a size that is not a power of two
    latest = client.get("/api/v1/log/checkpoint").get_json()
    assert latest["tree_size"] == n and latest["checkpoint"] == note2
    size1, root1 = signed_root(client, note1)
    size2, root2 = signed_root(client, note2)
    assert (size1, size2) == (m, n)

    r = client.get(f"/api/v1/log/proofs/consistency?first={m}&second={n}")
    assert r.status_code == 200, r.get_json()
    proof = [bytes.fromhex(h) for h in r.get_json()["hashes"]]
    merkle.verify_consistency(m, n, proof, root1, root2)
    with pytest.raises(ProofError):
        merkle.verify_consistency(m, n, proof, root2, root2)
    with pytest.raises(ProofError):
        merkle.verify_consistency(m, n, proof[:-1], root1, root2)

    # Every entry is included under the later root, leaf hashes as the entries endpoint serves them.
    entries = client.get(f"/api/v1/log/entries?start=0&end={n}").get_json()["items"]
    assert [e["index"] for e in entries] == list(range(n))
    for e in entries:
        assert merkle.leaf_hash(base64.b64decode(e["leaf"])).hex() == e["leaf_hash"]
        hashes = client.get(f"/api/v1/log/proofs/inclusion?index={e['index']}&size={n}").get_json()["hashes"]
        merkle.verify_inclusion(bytes.fromhex(e["leaf_hash"]), e["index"], n, [bytes.fromhex(h) for h in hashes], root2)
    assert client.get(f"/api/v1/log/proofs/consistency?first={m}&second={n + 1}").status_code == 422
