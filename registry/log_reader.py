"""The log reader (docs/design.md §7): Tessera's third seam, beside the appender (registry.ledger)
and the checkpointer (registry.checkpointer).

It reads stored entries and nodes, builds inclusion and consistency proofs, and issues
receipts: an entry, its proof to a checkpoint that covers it (awaited through the
checkpointer), that checkpoint's note and the log key that signed it, found in the key store
it was given. A seal use's receipt also carries, under the same checkpoint, the entries and
proofs of the authorization and custody records its decision relied on (docs/design.md §12.3).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from registry.checkpointer import LOG_BODY, Checkpointer, Sessions
from registry.ledger import node_getter
from registry.models import Checkpoint, LogEntry
from signing import merkle
from signing.note import note_key_id, split_note
from signing.receipt import build_receipt

__all__ = ["LogReader", "relied_on"]


def relied_on(leaf: bytes) -> list[tuple[str, int]]:
    """(role, log index) of the authorization and custody a seal-use record names."""
    record = json.loads(leaf)["record"]
    if record.get("type") != "seal_use":
        return []
    return [
        (role, record[field])
        for role, field in (("authorization", "authorization_log_index"), ("custody", "custody_log_index"))
        if isinstance(record.get(field), int)
    ]


class LogReader:
    """Proofs and receipts over the stored log.

    `keys` is the key store (signing.keys.KeyStore or registry.custody.CustodyKeyStore: anything
    with `public_keys()`), `origin` the log's origin line, `wait_ms` how long a receipt waits
    for a covering checkpoint by default."""

    def __init__(
        self, sessions: Sessions, checkpointer: Checkpointer, keys: Any, origin: str, wait_ms: int = 2000
    ) -> None:
        self.sessions = sessions
        self.checkpointer = checkpointer
        self.keys = keys
        self.origin = origin
        self.wait_ms = wait_ms

    # -- proofs ----------------------------------------------------------------------------

    @staticmethod
    def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
        return merkle.inclusion_proof(index, size, node_getter(session))

    @staticmethod
    def consistency_proof(session: Session, first: int, second: int) -> list[bytes]:
        return merkle.consistency_proof(first, second, node_getter(session))

    # -- receipts --------------------------------------------------------------------------

    def receipt(
        self, index: int, wait_ms: int | None = None, authority: Sequence[tuple[str, int]] | None = None
    ) -> dict[str, Any]:
        """The receipt of log entry `index` under a checkpoint that covers it; for a seal use, with
        the entries and inclusion proofs of the records its decision relied on, under the same
        checkpoint: `authority` ((role, log index), ...), else those its record names."""
        wait = self.wait_ms if wait_ms is None else wait_ms
        with self.sessions() as session:
            leaf = self._leaf(session, index)  # entries never change: read before the wait
        cp: Checkpoint = self.checkpointer.await_covering(self.sessions, index, wait)
        with self.sessions() as session:
            get = node_getter(session)
            roles = relied_on(leaf) if authority is None else list(authority)
            proof = merkle.inclusion_proof(index, cp.tree_size, get)
            relied = [
                (role, i, self._leaf(session, i), merkle.inclusion_proof(i, cp.tree_size, get)) for role, i in roles
            ]
        return build_receipt(
            leaf, index, proof, cp.tree_size, cp.note, self.checkpoint_key(cp.note), self.origin, authority=relied
        )

    @staticmethod
    def _leaf(session: Session, index: int) -> bytes:
        entry = session.get(LogEntry, index)
        if entry is None:
            raise LookupError(f"log entry {index} not found")
        return bytes(entry.leaf)

    def checkpoint_key(self, note: str) -> bytes:
        """The log key that signed this checkpoint (not merely the current one: keys rotate)."""
        _, signatures = split_note(note)
        ids = {sig.key_id for sig in signatures if sig.name == self.origin}
        for info in self.keys.public_keys():
            if info.body == LOG_BODY and note_key_id(self.origin, info.public_key) in ids:
                return bytes(info.public_key)
        raise LookupError("no log key signed this checkpoint")
