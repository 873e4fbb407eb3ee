"""RFC 6962 / RFC 9162 proof vectors of transparency-dev/merkle (tests/signing/vectors/rfc6962).

A conforming verifier accepts every case with ``wantErr: false`` and rejects every case
with ``wantErr: true``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from signing.errors import ProofError
from signing.merkle import verify_consistency, verify_inclusion

VECTORS = Path(__file__).resolve().parent / "vectors" / "rfc6962"


def _files(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).glob("*/*.json"))


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


INCLUSION = _files("inclusion")
CONSISTENCY = _files("consistency")


@pytest.mark.parametrize("path", INCLUSION, ids=_id)
def test_inclusion_vector(path: Path) -> None:
    case = json.loads(path.read_text())
    args = (
        _b64(case["leafHash"]),
        case["leafIdx"],
        case["treeSize"],
        [_b64(p) for p in case["proof"] or []],
        _b64(case["root"]),
    )
    _verify_as_expected(verify_inclusion, args, case["wantErr"])


def _verify_as_expected(verify, args, want_err: bool) -> None:
    """The vector's proof verifies, or is refused with ProofError when the vector wants an error."""
    if want_err:
        with pytest.raises(ProofError):
            verify(*args)
    else:
        verify(*args)


@pytest.mark.parametrize("path", CONSISTENCY, ids=_id)
def test_consistency_vector(path: Path) -> None:
    case = json.loads(path.read_text())
    args = (
        case["size1"],
        case["size2"],
        [_b64(p) for p in case["proof"] or []],
        _b64(case["root1"]),
        _b64(case["root2"]),
    )
    _verify_as_expected(verify_consistency, args, case["wantErr"])


def test_vectors_cover_both_outcomes() -> None:
    outcomes = {json.loads(p.read_text())["wantErr"] for p in INCLUSION + CONSISTENCY}
    assert outcomes == {True, False} and len(INCLUSION) > 50 and len(CONSISTENCY) > 50
