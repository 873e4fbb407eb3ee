"""A seal-use receipt proves the authority too (issue 13.2): the authorization and custody records
the decision relied on, proven under the same checkpoint, logged before the use, naming this
person, seal and item; /verify says it in Chinese."""

from __future__ import annotations

import copy
import hashlib

import pytest

from signing.errors import ReceiptError
from signing.receipt import verify_receipt
from tests.factories.world import bearer
from tests.factories.api import grant, seal_setup, use_seal
from application.sealing import receipt_for


def _use(rt, client, world):
    a, a_id = seal_setup(rt, client, world)
    return a_id, use_seal(client, world, a, "C-3", hashlib.sha256("批复文件".encode()).hexdigest())["receipt"]


def _keys(rt):
    return rt.signing_keys.key_for


def test_the_receipt_proves_the_authorization_and_custody_offline(rt, client, world):
    a_id, receipt = _use(rt, client, world)
    result = verify_receipt(receipt, record_keys=_keys(rt))
    roles = {x["role"]: x for x in result.authority}
    assert set(roles) == {"authorization", "custody"}
    assert roles["authorization"]["record"]["id"] == a_id
    assert roles["authorization"]["record"]["grantee"] == {"person": world["people"]["a"]}
    assert roles["custody"]["record"]["seal"] == "FGW-SP"
    assert all(x["leaf_index"] < result.leaf_index for x in result.authority)


def test_a_receipt_without_its_authority_or_with_another_fails(rt, client, world):
    _, receipt = _use(rt, client, world)
    bare = {k: v for k, v in receipt.items() if k != "authority"}
    with pytest.raises(ReceiptError, match="no proof"):
        verify_receipt(bare)
    b_id = grant(client, world, world["people"]["b"], "A")
    with rt.reading() as session:
        from registry.models import Authorization

        b_index = session.get(Authorization, b_id).log_index
    # b's authorization, proven in a later tree: not under this receipt's checkpoint, and not b's use
    other = receipt_for(rt, b_index)
    forged = copy.deepcopy(receipt)
    forged["authority"][0] = {
        "role": "authorization",
        "leaf_index": b_index,
        "entry": other["entry"],
        "leaf_hash": other["leaf_hash"],
        "inclusion_proof": other["inclusion_proof"],
    }
    with pytest.raises(ReceiptError):
        verify_receipt(forged)
    swapped = copy.deepcopy(receipt)
    swapped["authority"].reverse()  # each proof is checked against the role the use names
    swapped["authority"][0]["role"], swapped["authority"][1]["role"] = "authorization", "custody"
    with pytest.raises(ReceiptError):
        verify_receipt(swapped)


def test_verify_page_names_the_authorization_in_chinese(rt, client, world):
    a_id, receipt = _use(rt, client, world)
    auth_index = next(x["leaf_index"] for x in receipt["authority"] if x["role"] == "authorization")
    page = client.get(f"/verify/{receipt['leaf_hash']}").get_data(as_text=True)
    assert f"依据市发改委第{a_id}号授权书（日志第{auth_index}条）" in page
    r = client.post(
        f"/api/v1/authorizations/{a_id}/revoke",
        json={"at": "2099-01-01T00:00:00+08:00", "reason": "调岗"},
        headers=bearer(world["tokens"]["fgw"]),
    )
    assert r.status_code in (200, 201)
    page = client.get(f"/verify/{receipt['leaf_hash']}").get_data(as_text=True)
    assert "晚于本次用印（本次用印有效）" in page
