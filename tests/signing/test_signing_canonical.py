"""RFC 8785 canonical JSON and keyed commitments."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from signing.canonical import canonical_json
from signing.commitment import commit, new_salt, verify_commitment


def test_keys_sorted_and_compact() -> None:
    assert canonical_json({"b": 1, "a": [True, None, "x"]}) == b'{"a":[true,null,"x"],"b":1}'


def test_numbers_and_unicode_follow_jcs() -> None:
    assert canonical_json({"n": 1.0, "m": 1e21, "s": "政务"}) == ('{"m":1e+21,"n":1,"s":"政务"}'.encode())


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


# JSON values without floats (the fast path) and with them (rfc8785 itself): keys and strings
# from the whole of Unicode (controls, quotes, backslashes, CJK, astral), integers at and beyond
# the 2**53 limit.
_KEYS = st.text(max_size=6)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.text(max_size=12)
    | st.integers(min_value=-(2**53) - 2, max_value=2**53 + 2)
    | st.floats(allow_nan=False)
)
_VALUES = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4), max_leaves=12
)


def _reference(obj):
    try:
        return rfc8785.dumps(obj)
    except rfc8785.CanonicalizationError:
        return ValueError


@settings(max_examples=300, deadline=None)
@given(_VALUES)
def test_canonical_json_is_rfc8785_byte_for_byte(obj) -> None:
    expected = _reference(obj)
    if expected is ValueError:
        with pytest.raises((ValueError, TypeError)):
            canonical_json(obj)
    else:
        assert canonical_json(obj) == expected


def test_fast_path_edge_cases_match_rfc8785() -> None:
    cases = [
        {"b": '\x00\x1f\x7f"\\\b\f\n\r\t\u2028', "a": -(2**53) + 1},
        {"z": 2**53 - 1, "y": ["政务", ("x",)]},
        {"\U0001f600": 1, "\ufb01": 2},
        {"é": 1, "e": 2},
        ["\ud800"],
        {"n": 2**53},
    ]
    for obj in cases:
        expected = _reference(obj)
        if expected is ValueError:
            with pytest.raises(ValueError):
                canonical_json(obj)
        else:
            assert canonical_json(obj) == expected, obj
