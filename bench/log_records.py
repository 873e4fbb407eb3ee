"""What bench.log and its companions (bench.log_export, bench.log_concurrent, bench.audit) append
and name: the origin, the signing body, a seal-use record as application.sealing files it."""

from __future__ import annotations

import hashlib
import statistics
import uuid

ORIGIN = "onehall.xiangtan/log"
BODY = "dept:FGW"
CHECKPOINT_EVERY = 256


def size_label(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def median(values):
    return statistics.median(values)


def seal_use_record(i: int) -> dict:
    """A record shaped like application.sealing's seal use, after FilingContext.log adds its fields."""
    return {
        "type": "seal_use",
        "filed_at": "2024-05-01T08:00:00.000000Z",
        "filed_by": BODY,
        "id": i,
        "seal": "FGW-SP",
        "seal_kind": "approval",
        "department": "FGW",
        "person": 17,
        "item": "FGW-001",
        "case": f"XT2024-{i:06d}",
        "document_sha256": hashlib.sha256(b"%d" % i).hexdigest(),
        "place": "FGW-CK",
        "at": "2024-05-01T08:00:00.000000Z",
        "decision_id": uuid.UUID(int=i).hex,
        "authorization": 5,
        "acting_for": None,
        "policy_digest": "c" * 64,
    }
