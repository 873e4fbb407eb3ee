"""What an export's verification trusts (docs/design.md §12.3, §12.6): pinned keys, witness quorum.

Split from signing.verify, which recomputes the tree; these two say whether the keys an
export brings are the pinned ones, and how far its checkpoints are witnessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .export import ExportMeta
from .keys import KeyInfo
from .policy import TrustPolicy

if TYPE_CHECKING:  # pragma: no cover
    from .verify import VerifyReport, _SeenCheckpoint

__all__ = ["check_pinned", "witness_findings"]


def check_pinned(meta: ExportMeta, keys: Mapping[str, KeyInfo], policy: TrustPolicy, report: VerifyReport) -> None:
    """The export's own log keys must be pinned ones (a re-keyed export is named here)."""
    if meta.log_key_id not in keys:
        report.errors.append(f"log.json names log key {meta.log_key_id}, absent from keys.json")
    for k in keys.values():
        if (k.key_id == meta.log_key_id or k.body == "log") and not policy.trusts(k.public_key):
            report.errors.append(f"keys.json: log key {k.key_id} is not a trusted log key")
    if policy.record_keys is not None:
        for k in keys.values():
            pinned = policy.record_keys.get(k.key_id)
            if pinned is None or pinned.public_key != k.public_key:
                report.errors.append(f"keys.json: key {k.key_id} of {k.body} is not among the trusted keys")


def witness_findings(seen: list[_SeenCheckpoint], report: VerifyReport) -> None:
    """With a quorum: the largest witnessed size, and a warning for what is not witnessed yet."""
    if report.witness_quorum <= 0:
        return
    report.witnessed_size = max((s.checkpoint.size for s in seen if s.witnessed), default=0)
    latest = max((s.checkpoint.size for s in seen), default=0)
    if report.witnessed_size == 0 and seen:
        report.warnings.append(f"not yet witnessed: no checkpoint carries {report.witness_quorum} trusted cosignatures")
    elif report.witnessed_size < latest:
        report.warnings.append(f"not yet witnessed beyond size {report.witnessed_size} (checkpoints up to {latest})")
