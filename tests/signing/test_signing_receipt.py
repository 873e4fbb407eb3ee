"""Receipts (docs/design.md §7): round trip, and every kind of tampering is named."""

from __future__ import annotations

import base64
import copy
import json
from datetime import datetime, timezone

import pytest

from signing.errors import ReceiptError
from signing.keys import KeyInfo
from signing.note import sign_note
from signing.receipt import RECEIPT_FIELDS, verify_receipt
from tests.factories.receipts import LOG, seal_use_receipt


@pytest.fixture
def setup(log_signer, dept_signer):
    receipt = seal_use_receipt(log_signer, dept_signer, size=11, index=6)
    info = KeyInfo(
        dept_signer.key_id, "ed25519", "dept:FGW", dept_signer.public_key_raw, datetime(2024, 1, 1, tzinfo=timezone.utc)
    )
    return receipt, {info.key_id: info}, log_signer.public_key_raw


def test_round_trip(setup) -> None:
    receipt, keys, log_key = setup
    assert set(receipt) == set(RECEIPT_FIELDS)  # the fields verify_receipt requires, and no more
    assert (receipt["leaf_index"], receipt["tree_size"], receipt["log_name"]) == (6, 11, LOG)
    result = verify_receipt(receipt, trusted_log_key=log_key, record_keys=keys)
    assert result.leaf_index == 6 and result.tree_size == 11 and result.record_verified
    assert result.record["n"] == 6 and result.log_key_trusted and result.origin == LOG
    again = verify_receipt(json.dumps(receipt))
    assert not again.log_key_trusted and not again.record_verified and again.record["n"] == 6


def _flip_hex(h: str) -> str:
    return ("1" if h[0] != "1" else "2") + h[1:]


def _tamper_entry(r):
    raw = bytearray(base64.b64decode(r["entry"]))
    raw[raw.index(b'"n":6') + 4] = ord("7")
    r["entry"] = base64.b64encode(bytes(raw)).decode()


@pytest.mark.parametrize(
    "mutate, why",
    [
        (_tamper_entry, "leaf_hash does not match the entry"),
        (lambda r: r.update(leaf_hash=_flip_hex(r["leaf_hash"])), "leaf_hash does not match"),
        (lambda r: r["inclusion_proof"].__setitem__(1, _flip_hex(r["inclusion_proof"][1])), "inclusion proof"),
        (lambda r: r["inclusion_proof"].pop(), "inclusion proof"),
        (lambda r: r.update(leaf_index=5), "inclusion proof"),
        (lambda r: r.update(tree_size=12), "checkpoint is for tree size 11"),
        (
            lambda r: r.update(checkpoint=r["checkpoint"].replace("\n11\n", "\n12\n")),
            "checkpoint: signature by .* does not verify",
        ),
        (lambda r: r.update(log_name="other"), "checkpoint: note carries no signature"),
        (lambda r: r.pop("checkpoint"), "lacks checkpoint"),
        (lambda r: r.update(leaf_index=-1), "leaf_index"),
        (lambda r: r.update(entry="%%%"), "entry is not base64"),
    ],
)
def test_tampering_is_named(setup, mutate, why: str) -> None:
    receipt, keys, log_key = setup
    bad = copy.deepcopy(receipt)
    mutate(bad)
    with pytest.raises(ReceiptError, match=why):
        verify_receipt(bad, trusted_log_key=log_key, record_keys=keys)


def test_replaced_log_key_is_caught(setup, make_signer) -> None:
    receipt, keys, log_key = setup
    other = make_signer("fake log")
    forged = copy.deepcopy(receipt)
    body = forged["checkpoint"].split("\n\n")[0] + "\n"
    forged["checkpoint"] = sign_note(body, LOG, other)
    forged["log_public_key"] = base64.b64encode(other.public_key_raw).decode()
    verify_receipt(forged)  # self-consistent...
    with pytest.raises(ReceiptError, match="not the trusted log key"):
        verify_receipt(forged, trusted_log_key=log_key)  # ...but not by the pinned key


def test_record_signature_is_checked(setup, make_signer) -> None:
    receipt, keys, log_key = setup
    with pytest.raises(ReceiptError, match="record: signed by unknown key"):
        verify_receipt(receipt, trusted_log_key=log_key, record_keys={})
