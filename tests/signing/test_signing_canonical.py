"""RFC 8785 canonical JSON and keyed commitments."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from signing.canonical import canonical_json
from signing.commitment import commit, new_salt, verify_commitment


def test_keys_sorted_and_compact() -> None:
    assert canonical_json({"b": 1, "a": [True, None, "x"]}) == b'{"a":[true,null,"x"],"b":1}'


def test_numbers_and_unicode_follow_jcs() -> None:
    assert canonical_json({"n": 1.0, "m": 1e21, "s": "政务"}) == (
        '{"m":1e+21,"n":1,"s":"政务"}'.encode()
    )


def test_datetime_is_refused_with_its_path() -> None:
    with pytest.raises(TypeError, match=r"\$\.record\.at.*datetime"):
        canonical_json({"record": {"at": datetime.now(timezone.utc)}})


def test_non_string_key_and_nan() -> None:
    with pytest.raises(TypeError, match="key 1"):
        canonical_json({1: "x"})
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_commitment_is_keyed_and_salted() -> None:
    salt, key = bytes(16), b"k" * 32
    c = commit("张三 430302199001011234", salt, key)
    assert len(c) == 64 and c == commit("张三 430302199001011234", salt, key)
    assert c != commit("张三 430302199001011234", b"\x01" * 16, key)
    assert c != commit("张三 430302199001011234", salt, b"other key")
    assert verify_commitment(c, "张三 430302199001011234", salt, key)
    assert not verify_commitment(c, "李四", salt, key)
    assert len(new_salt()) == 16 and new_salt() != new_salt()
