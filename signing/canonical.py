"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme).

Signatures and leaf hashes are computed over bytes, so every signer and verifier must turn
the same record into the same bytes; JCS fixes key order, number format and string escaping.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

__all__ = ["canonical_json"]

_JSON_SCALARS = (str, int, float, bool, type(None))
_INT_LIMIT = 2**53 - 1
# For values without floats and with ASCII keys, RFC 8785 is what the standard library's C
# encoder writes with sorted keys, no whitespace and raw UTF-8: the same escapes (\" \\ \b \f
# \n \r \t, other controls as lowercase \u00xx), integers as digits, and ASCII keys sort the
# same by UTF-16 code unit as by code point. rfc8785 (pure Python) costs ~10x more per record.
_PLAIN = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False, check_circular=False
)


def canonical_json(obj: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of ``obj``.

    Only JSON types are accepted (dict with str keys, list/tuple, str, int, float, bool,
    None). Datetimes and other objects must be converted by the caller (e.g. to ISO 8601
    strings) because their text form is a policy decision, not a serialization detail.

    Raises ``TypeError`` naming the path of an unsupported value, and ``ValueError`` for
    values JCS cannot represent (NaN, infinities, integers beyond 2**53).
    """
    if _plain(obj):
        try:
            return _PLAIN.encode(obj).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: rfc8785 says why below
            pass
    try:
        return rfc8785.dumps(obj)
    except rfc8785.CanonicalizationError as exc:
        path, bad = _find_unsupported(obj, "$")
        if path is not None:
            raise TypeError(
                f"canonical_json: value at {path} has type {type(bad).__name__}, which is not "
                "JSON; convert it first (datetimes to ISO 8601 strings, bytes to base64)"
            ) from exc
        raise ValueError(f"canonical_json: {exc}") from exc


def _plain(obj: Any) -> bool:
    """True when `obj` holds only dicts with ASCII string keys, lists, tuples, strings, safe
    integers, booleans and None (no floats: their ECMAScript form is rfc8785's to write)."""
    t = type(obj)
    if t is str or t is bool or obj is None:
        return True
    if t is int:
        return bool(-_INT_LIMIT <= obj <= _INT_LIMIT)
    if t is dict:
        return all(type(k) is str and k.isascii() and _plain(v) for k, v in obj.items())
    if t is list or t is tuple:
        return all(_plain(v) for v in obj)
    return False


def _find_unsupported(obj: Any, path: str) -> tuple[str | None, Any]:
    """Locate the first non-JSON value (or non-string key), for a useful error message."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                return f"{path} (key {key!r})", key
            found = _find_unsupported(value, f"{path}.{key}")
            if found[0] is not None:
                return found
        return None, None
    if isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            found = _find_unsupported(value, f"{path}[{i}]")
            if found[0] is not None:
                return found
        return None, None
    if isinstance(obj, _JSON_SCALARS):
        return None, None
    return path, obj
