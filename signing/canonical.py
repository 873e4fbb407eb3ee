"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme).

Signatures and leaf hashes are computed over bytes, so every signer and verifier must turn
the same record into the same bytes; JCS fixes key order, number format and string escaping.
"""

from __future__ import annotations

from typing import Any

import rfc8785

__all__ = ["canonical_json"]

_JSON_SCALARS = (str, int, float, bool, type(None))


def canonical_json(obj: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of ``obj``.

    Only JSON types are accepted (dict with str keys, list/tuple, str, int, float, bool,
    None). Datetimes and other objects must be converted by the caller (e.g. to ISO 8601
    strings) because their text form is a policy decision, not a serialization detail.

    Raises ``TypeError`` naming the path of an unsupported value, and ``ValueError`` for
    values JCS cannot represent (NaN, infinities, integers beyond 2**53).
    """
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
