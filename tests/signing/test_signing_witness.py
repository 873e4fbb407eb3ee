"""Witness: cosigns only checkpoints that extend the last one it cosigned."""

from __future__ import annotations

import pytest

from signing.errors import WitnessError
from signing.merkle import MemoryTree
from signing.note import format_checkpoint, open_note, sign_note
from signing.witness import Witness

LOG = "onehall.example/log"
ENTRIES = [b"leaf %d" % i for i in range(40)]


@pytest.fixture
def tree() -> MemoryTree:
    return MemoryTree.from_entries(ENTRIES)


@pytest.fixture
def witness(tmp_path, make_signer) -> Witness:
    return Witness(tmp_path / "witness", make_signer("witness"), "witness.example")


def _note(tree: MemoryTree, size: int, signer) -> str:
    return sign_note(format_checkpoint(LOG, size, tree.root(size)), LOG, signer)


def test_cosigns_a_growing_log(witness, tree, log_signer) -> None:
    verifier = {LOG: log_signer.public_key_raw}
    first = witness.cosign(_note(tree, 10, log_signer), [], verifier)
    both = {**verifier, "witness.example": witness.signer.public_key_raw}
    assert open_note(first, both)[1] == [LOG, "witness.example"]
    second = witness.cosign(_note(tree, 25, log_signer), tree.consistency_proof(10, 25), verifier)
    assert open_note(second, both)[1] == [LOG, "witness.example"]
    assert witness.state(LOG).size == 25
    # the same checkpoint again is fine (idempotent), also once cosigned
    assert witness.cosign(second, [], verifier) == second
    hex_proof = [h.hex() for h in tree.consistency_proof(25, 40)]
    witness.cosign(_note(tree, 40, log_signer), hex_proof, verifier)
    # state survives a restart
    again = Witness(witness.state_dir, witness.signer, witness.name)
    assert again.state(LOG).size == 40 and again.state(LOG).root == tree.root()


def test_refuses_smaller_size(witness, tree, log_signer) -> None:
    verifier = {LOG: log_signer.public_key_raw}
    witness.cosign(_note(tree, 20, log_signer), [], verifier)
    with pytest.raises(WitnessError, match="smaller than the last cosigned size 20"):
        witness.cosign(_note(tree, 19, log_signer), [], verifier)


def test_refuses_inconsistent_checkpoint(witness, tree, log_signer) -> None:
    verifier = {LOG: log_signer.public_key_raw}
    witness.cosign(_note(tree, 20, log_signer), [], verifier)
    forked = MemoryTree.from_entries(ENTRIES[:5] + [b"rewritten"] + ENTRIES[6:])
    with pytest.raises(WitnessError, match="not consistent with the last cosigned size 20"):
        witness.cosign(_note(forked, 30, log_signer), forked.consistency_proof(20, 30), verifier)
    with pytest.raises(WitnessError, match="not consistent"):
        witness.cosign(_note(forked, 30, log_signer), tree.consistency_proof(20, 30), verifier)
    with pytest.raises(WitnessError, match="different root for size 20"):
        witness.cosign(_note(forked, 20, log_signer), [], verifier)
    assert witness.state(LOG).size == 20 and witness.state(LOG).root == tree.root(20)


def test_refuses_a_note_not_signed_by_the_log(witness, tree, log_signer, make_signer) -> None:
    with pytest.raises(WitnessError, match="not signed by the log key"):
        witness.cosign(_note(tree, 10, make_signer("impostor")), [],
                       {LOG: log_signer.public_key_raw})
    assert witness.state(LOG) is None
