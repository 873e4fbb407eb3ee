"""Signed record leaves: canonical bytes, signature, key validity at the record's time."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest

from signing.canonical import canonical_json
from signing.errors import LeafError
from signing.keys import KeyInfo, verify_signature
from signing.records import make_leaf, parse_leaf, record_time, verify_leaf

RECORD = {
    "kind": "authorization",
    "department": "FGW",
    "person": "c0ffee",
    "filed_at": "2024-03-01T08:00:00Z",
    "items": ["FGW-001"],
    "post": "A",
}


@pytest.fixture
def keys(dept_signer):
    info = KeyInfo(
        dept_signer.key_id,
        "ed25519",
        "dept:FGW",
        dept_signer.public_key_raw,
        datetime(2024, 1, 1, tzinfo=timezone.utc),
        datetime(2025, 1, 1, tzinfo=timezone.utc),
    )
    return {info.key_id: info}


def test_leaf_layout(dept_signer, keys) -> None:
    leaf = make_leaf(RECORD, dept_signer)
    assert leaf == canonical_json(json.loads(leaf))
    obj = json.loads(leaf)
    assert obj["record"] == RECORD and set(obj["sig"]) == {"key_id", "alg", "value"}
    assert verify_signature(
        "ed25519", dept_signer.public_key_raw, canonical_json(RECORD), base64.b64decode(obj["sig"]["value"])
    )
    record, sig = parse_leaf(leaf)
    assert record == RECORD and sig.key_id == dept_signer.key_id and sig.alg == "ed25519"
    assert verify_leaf(leaf, keys) == RECORD
    assert verify_leaf(leaf, keys.get) == RECORD  # a callable lookup works too


def test_changed_record_fails(dept_signer, keys) -> None:
    leaf = make_leaf(RECORD, dept_signer)
    changed = leaf.replace(b'"post":"A"', b'"post":"B"')
    with pytest.raises(LeafError, match="signature does not verify"):
        verify_leaf(changed, keys)


def test_non_canonical_leaf_is_refused(dept_signer, keys) -> None:
    leaf = make_leaf(RECORD, dept_signer)
    spaced = json.dumps(json.loads(leaf)).encode()
    with pytest.raises(LeafError, match="canonical"):
        verify_leaf(spaced, keys)
    with pytest.raises(LeafError, match="not JSON"):
        parse_leaf(b"\xff{")
    with pytest.raises(LeafError, match='exactly "record" and "sig"'):
        parse_leaf(canonical_json({"record": {}, "sig": {}, "x": 1}))


def test_key_must_be_known_and_valid_at_record_time(dept_signer, keys) -> None:
    with pytest.raises(LeafError, match="unknown key"):
        verify_leaf(make_leaf(RECORD, dept_signer), {})
    late = dict(RECORD, filed_at="2025-02-01T00:00:00+08:00")
    with pytest.raises(LeafError, match="not valid at the record time 2025-01-31T16:00:00Z"):
        verify_leaf(make_leaf(late, dept_signer), keys)
    early = {"kind": "seal_use", "at": "2023-12-31T23:59:59Z"}
    with pytest.raises(LeafError, match="not valid"):
        verify_leaf(make_leaf(early, dept_signer), keys)
    assert record_time({"x": 1}) is None
    with pytest.raises(LeafError, match="ISO 8601"):
        record_time({"filed_at": "yesterday"})


def test_record_signed_by_another_key_fails(dept_signer, keys, make_signer) -> None:
    other = make_signer("impostor")
    leaf = make_leaf(RECORD, other)
    obj = json.loads(leaf)
    obj["sig"]["key_id"] = dept_signer.key_id  # claim the department's key
    with pytest.raises(LeafError, match="signature does not verify"):
        verify_leaf(canonical_json(obj), keys)


def test_leaf_assembly_equals_canonicalising_the_whole_leaf():
    from signing.canonical import canonical_json
    from signing.keys import Ed25519Signer
    from signing.records import make_leaf, parse_leaf

    signer = Ed25519Signer.from_seed(b"\x07" * 32)
    record = {"type": "authorization", "名称": "市发改委", "n": [1, 2.5, None, True], "z": {"b": 1, "a": "é"}}
    leaf = make_leaf(record, signer)
    _, sig = parse_leaf(leaf)
    assert leaf == canonical_json({"record": record, "sig": sig.to_json()})
