"""Witness: answers add-checkpoint as c2sp.org/tlog-witness says, cosigning as cosignature/v1."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from signing.cosignature import verify_cosignatures
from signing.merkle import MemoryTree
from signing.note import format_checkpoint, sign_note
from signing.witness import AddCheckpoint, Witness, WitnessRefusal, format_add_checkpoint, parse_add_checkpoint

LOG = "onehall.example/log"
ENTRIES = [b"leaf %d" % i for i in range(40)]
NOW = 1_765_000_000


@pytest.fixture
def tree() -> MemoryTree:
    return MemoryTree.from_entries(ENTRIES)


@pytest.fixture
def witness(tmp_path, make_signer, log_signer) -> Witness:
    return Witness(
        tmp_path / "witness",
        make_signer("witness"),
        "witness.example",
        logs={LOG: {LOG: log_signer.public_key_raw}},
        clock=lambda: NOW,
    )


def _note(tree: MemoryTree, size: int, signer) -> str:
    return sign_note(format_checkpoint(LOG, size, tree.root(size)), LOG, signer)


def _add(witness: Witness, old: int, proof, note: str) -> str:
    return witness.add_checkpoint(format_add_checkpoint(old, proof, note))


def _refused(witness: Witness, old: int, proof, note: str) -> WitnessRefusal:
    with pytest.raises(WitnessRefusal) as info:
        _add(witness, old, proof, note)
    return info.value


def test_cosigns_a_growing_log(witness, tree, log_signer, tmp_path) -> None:
    first = _note(tree, 10, log_signer)
    line = _add(witness, 0, [], first)
    cosigned = first + line
    [cosig] = verify_cosignatures(cosigned, {"witness.example": witness.signer.public_key_raw})
    assert (cosig.name, cosig.timestamp) == ("witness.example", NOW)
    second = _note(tree, 25, log_signer)
    _add(witness, 10, tree.consistency_proof(10, 25), second)
    assert witness.state(LOG).size == 25
    # the state is on disk: a new process continues from it
    again = Witness(witness.state_dir, witness.signer, witness.name, witness.logs)
    assert again.state(LOG).size == 25 and again.state(LOG).root == tree.root(25)
    _add(again, 25, tree.consistency_proof(25, 40), _note(tree, 40, log_signer))
    # the same checkpoint again (old size = its size, same root) is cosigned again
    _add(again, 40, [], _note(tree, 40, log_signer))


def test_cosignature_line_matches_the_spec_byte_for_byte(witness, tree, log_signer) -> None:
    """Checked with independent code: key ID, timestamp, signed message of tlog-cosignature."""
    note = _note(tree, 10, log_signer)
    line = _add(witness, 0, [], note)
    assert line.startswith("\u2014 witness.example ") and line.endswith("\n")
    blob = base64.b64decode(line.split(" ")[2])
    pub = witness.signer.public_key_raw
    assert blob[:4] == hashlib.sha256(b"witness.example\n\x04" + pub).digest()[:4]
    assert int.from_bytes(blob[4:12], "big") == NOW and len(blob) == 76
    body = note[: note.index("\n\n") + 1]
    message = b"cosignature/v1\ntime %d\n" % NOW + body.encode()
    Ed25519PublicKey.from_public_bytes(pub).verify(blob[12:], message)  # raises if wrong


def test_unknown_origin_is_404(witness, tree, log_signer) -> None:
    other = sign_note(format_checkpoint("other.example/log", 3, tree.root(3)), "other.example/log", log_signer)
    assert _refused(witness, 0, [], other).status == 404


def test_no_trusted_log_signature_is_403(witness, tree, make_signer) -> None:
    assert _refused(witness, 0, [], _note(tree, 10, make_signer("impostor"))).status == 403
    assert witness.state(LOG) is None


def test_old_size_beyond_the_checkpoint_is_400(witness, tree, log_signer) -> None:
    assert _refused(witness, 11, [], _note(tree, 10, log_signer)).status == 400


def test_stale_old_size_is_409_with_the_known_size(witness, tree, log_signer) -> None:
    _add(witness, 0, [], _note(tree, 20, log_signer))
    refusal = _refused(witness, 10, tree.consistency_proof(10, 30), _note(tree, 30, log_signer))
    assert (refusal.status, refusal.known_size) == (409, 20)
    refusal = _refused(witness, 0, [], _note(tree, 30, log_signer))  # a client that knows nothing
    assert (refusal.status, refusal.known_size) == (409, 20)


def test_a_fork_is_refused(witness, tree, log_signer) -> None:
    """Two checkpoints of one size with different roots: 409; an unproven extension: 422."""
    _add(witness, 0, [], _note(tree, 20, log_signer))
    forked = MemoryTree.from_entries(ENTRIES[:5] + [b"rewritten"] + ENTRIES[6:])
    refusal = _refused(witness, 20, [], _note(forked, 20, log_signer))
    assert (refusal.status, refusal.known_size) == (409, 20)
    assert _refused(witness, 20, forked.consistency_proof(20, 30), _note(forked, 30, log_signer)).status == 422
    assert _refused(witness, 20, tree.consistency_proof(20, 30), _note(forked, 30, log_signer)).status == 422
    assert witness.state(LOG).size == 20 and witness.state(LOG).root == tree.root(20)


def test_proof_from_zero_must_be_empty(witness, tree, log_signer) -> None:
    assert _refused(witness, 0, [tree.root(1)], _note(tree, 10, log_signer)).status == 422


def test_request_format(tree, log_signer) -> None:
    note = _note(tree, 25, log_signer)
    proof = tree.consistency_proof(10, 25)
    body = format_add_checkpoint(10, proof, note)
    lines = body.decode().split("\n")
    assert lines[0] == "old 10" and base64.b64decode(lines[1]) == proof[0]
    assert parse_add_checkpoint(body) == AddCheckpoint(10, tuple(proof), note)
    for bad in (
        b"old 010\n\n" + note.encode(),
        b"old -1\n\n" + note.encode(),
        b"old 1\nnot base64!\n\n" + note.encode(),
        b"old 1\n" + note.encode()[:5],
        ("old 1\n" + "AAAA\n" * 2 + "\n").encode(),
    ):
        with pytest.raises(WitnessRefusal) as info:
            parse_add_checkpoint(bad)
        assert info.value.status == 400


def test_spec_example_request_parses() -> None:
    """The example body of c2sp.org/tlog-witness (its signatures are of keys we do not know)."""
    example = (
        "old 20852014\n"
        "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
        "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
        "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
        "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
        "\n"
        "example.com/behind-the-sofa\n"
        "20852163\n"
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        "\n"
        "\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5"
        "/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    )
    req = parse_add_checkpoint(example.encode())
    assert req.old_size == 20852014 and len(req.proof) == 4
    assert req.note.startswith("example.com/behind-the-sofa\n20852163\n")


def test_two_processes_share_one_state(witness, tree, log_signer) -> None:
    """Two witness processes on one state directory see each other's updates (one SQLite state)."""
    other = Witness(witness.state_dir, witness.signer, witness.name, witness.logs, clock=lambda: NOW)
    _add(witness, 0, [], _note(tree, 10, log_signer))
    refusal = _refused(other, 0, [], _note(tree, 12, log_signer))
    assert (refusal.status, refusal.known_size) == (409, 10)
    _add(other, 10, tree.consistency_proof(10, 12), _note(tree, 12, log_signer))
    assert witness.state(LOG).size == 12
