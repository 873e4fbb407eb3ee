"""Trust policy: pinned log key, witnesses, quorum; receipts checked under it (docs/design.md §12.3, §12.6)."""

from __future__ import annotations

import base64
import copy
import json
from datetime import datetime, timezone

import pytest

from signing.cosignature import SIG_TYPE_COSIGNATURE_V1, cosign
from signing.errors import ReceiptError
from signing.keys import KeyInfo
from signing.note import sign_note, vkey
from signing.policy import PolicyError, check_checkpoint, parse_policy, policy_from_keys, policy_from_vkeys
from signing.receipt import verify_receipt
from tests.factories.receipts import LOG, seal_use_receipt

T = 1_765_000_000


@pytest.fixture
def parties(log_signer, make_signer):
    w1, w2 = make_signer("w1"), make_signer("w2")
    text = (
        f"# test policy\nlog {vkey(LOG, log_signer.public_key_raw)}\n"
        f"witness {vkey('w1.example', w1.public_key_raw, SIG_TYPE_COSIGNATURE_V1)} http://127.0.0.1:1/\n"
        f"witness {vkey('w2.example', w2.public_key_raw, SIG_TYPE_COSIGNATURE_V1)}\n"
        "quorum 2\n"
    )
    return parse_policy(text), w1, w2


@pytest.fixture
def receipt(log_signer, dept_signer):
    return seal_use_receipt(log_signer, dept_signer, size=7, index=3)


def _cosigned(note: str, *witnesses) -> str:
    body = note[: note.index("\n\n") + 1]
    return note + "".join(cosign(body, name, signer, T) for name, signer in witnesses)


def test_policy_file(parties) -> None:
    policy, w1, _ = parties
    assert policy.quorum == 2 and [w.name for w in policy.witnesses] == ["w1.example", "w2.example"]
    assert policy.witnesses[0].url == "http://127.0.0.1:1/" and policy.witnesses[1].url is None
    assert parse_policy(policy.to_text()) == policy
    assert parse_policy(policy.to_text().replace("quorum 2", "")).quorum == 2  # default: all


@pytest.mark.parametrize(
    "text, why",
    [
        ("quorum 1\n", "names no log key"),
        ("log nonsense\n", "line 1"),
        ("log a+00000000+AAAA\n", "line 1"),
        ("log {log}\nquorum 1\n", "quorum 1 exceeds the 0 witnesses"),
        ("log {log}\nwitness {log}\n", "line 2: verifier key is not an Ed25519 key of type 0x04"),
        ("log {log}\nfrobnicate\n", "line 2: expected"),
    ],
)
def test_bad_policy_names_the_line(text, why, log_signer) -> None:
    with pytest.raises(PolicyError, match=why):
        parse_policy(text.format(log=vkey(LOG, log_signer.public_key_raw)))


def test_receipt_witnessed_only_with_the_quorum(parties, receipt) -> None:
    policy, w1, w2 = parties
    result = verify_receipt(receipt, policy=policy)
    assert result.log_key_trusted and result.witnessed is False and result.cosigners == ()
    one = {**receipt, "checkpoint": _cosigned(receipt["checkpoint"], ("w1.example", w1))}
    assert verify_receipt(one, policy=policy).witnessed is False
    both = {**receipt, "checkpoint": _cosigned(receipt["checkpoint"], ("w1.example", w1), ("w2.example", w2))}
    result = verify_receipt(both, policy=policy)
    assert result.witnessed is True and set(result.cosigners) == {"w1.example", "w2.example"}
    checked = check_checkpoint(both["checkpoint"], policy)
    assert checked.status() == "witnessed (2 of quorum 2)"
    assert check_checkpoint(one["checkpoint"], policy).status() == "not yet witnessed (1 of quorum 2)"


def test_a_bad_cosignature_of_a_trusted_witness_rejects(parties, receipt, make_signer) -> None:
    policy, w1, _ = parties
    fake = {**receipt, "checkpoint": _cosigned(receipt["checkpoint"], ("w1.example", make_signer("x")))}
    # another key under w1's name has another key ID: ignored, not counted
    assert verify_receipt(fake, policy=policy).cosigners == ()
    line = _cosigned(receipt["checkpoint"], ("w1.example", w1))
    blob = bytearray(base64.b64decode(line.rsplit(" ", 1)[1]))
    blob[-1] ^= 1
    bad = line.rsplit(" ", 1)[0] + " " + base64.b64encode(bytes(blob)).decode() + "\n"
    with pytest.raises(ReceiptError, match="cosignature by w1.example does not verify"):
        verify_receipt({**receipt, "checkpoint": bad}, policy=policy)


def test_receipt_forged_with_the_attackers_keys_fails(receipt, log_signer, make_signer, dept_signer) -> None:
    """Issue 13.3: a receipt re-signed with other keys verifies only against itself."""
    attacker = make_signer("attacker log")
    forged = copy.deepcopy(receipt)
    forged["checkpoint"] = sign_note(forged["checkpoint"].split("\n\n")[0] + "\n", LOG, attacker)
    forged["log_public_key"] = base64.b64encode(attacker.public_key_raw).decode()
    for policy in (
        policy_from_vkeys([vkey(LOG, log_signer.public_key_raw)]),
        policy_from_keys(_keys_answer(log_signer, dept_signer)),
    ):
        verify_receipt(receipt, policy=policy)
        with pytest.raises(ReceiptError, match="not a trusted log key"):
            verify_receipt(forged, policy=policy)


def test_keys_answer_pins_record_keys_too(receipt, log_signer, dept_signer, make_signer) -> None:
    policy = policy_from_keys(json.dumps(_keys_answer(log_signer, dept_signer)))
    assert verify_receipt(receipt, policy=policy).record_verified
    other = policy_from_keys(_keys_answer(log_signer, make_signer("someone else")))
    with pytest.raises(ReceiptError, match="record: signed by unknown key"):
        verify_receipt(receipt, policy=other)
    with pytest.raises(PolicyError, match="no log key"):
        policy_from_keys({"items": []})


def _keys_answer(log_signer, dept_signer) -> dict:
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    return {
        "items": [
            KeyInfo(s.key_id, "ed25519", body, s.public_key_raw, t0).to_json()
            for body, s in (("log", log_signer), ("dept:FGW", dept_signer))
        ]
    }
