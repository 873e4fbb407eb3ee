"""The decision log: every answered question with its answer, kept for `onehall replay`.

Decisions are written after their answers went out, in batches: one DecisionBatch row per
batch of one engine's decisions, holding them as one JSON document. A decision id is the
answering engine's prefix followed by the digits of its counter
(the format of vocab.ids), so an id leads to its batch through the (engine, first) index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from registry.db import json_bytes
from registry.fastsql import BulkInsert
from registry.models import DecisionBatch
from vocab.ids import split_id

_INSERT = BulkInsert(DecisionBatch.__table__)
# SQLite: the batch's JSON goes in as the bytes orjson writes (registry.fastsql.BulkInsert's utf8_text)
_INSERT_UTF8 = BulkInsert(DecisionBatch.__table__, utf8_text=("decisions",))


@dataclass(frozen=True)
class LoggedDecision:
    decision_id: str
    request: dict[str, Any]
    answer: dict[str, Any]
    decided_at: str

    @property
    def pack_digest(self) -> str:
        return self.answer["policy"]["digest"]


def write_decisions(conn: Connection, decisions: Iterable[tuple[dict, dict, datetime]]) -> int:
    """Store (request, answer, decided_at) triples in id order: one row per engine present."""
    groups: dict[str, list[tuple[int, dict, dict, datetime]]] = {}
    count = 0
    for request, answer, at in decisions:
        parts = split_id(answer["decision_id"])
        if parts is None:
            raise ValueError(f"not a decision id: {answer['decision_id']!r}")
        groups.setdefault(parts[0], []).append((parts[1], request, answer, at))
        count += 1
    rows = []
    for engine, items in groups.items():
        items.sort(key=lambda item: item[0])
        rows.append(
            {
                "engine": engine,
                "first": items[0][0],
                "last": items[-1][0],
                "decided_from": items[0][3],
                "decided_to": items[-1][3],
                "decisions": [
                    {"request": request, "answer": answer, "decided_at": at} for _, request, answer, at in items
                ],
            }
        )
    if conn.dialect.name == "sqlite":
        for row in rows:
            row["decisions"] = json_bytes(row["decisions"])  # the text the JSON column would hold
        _INSERT_UTF8.run(conn, rows)
    else:
        _INSERT.run(conn, rows)
    return count


def find_decision(session: Session, decision_id: str) -> LoggedDecision | None:
    """The logged decision with this id, or None (unknown, or its batch not written yet)."""
    parts = split_id(decision_id)
    if parts is None:
        return None
    engine, counter = parts
    batch = session.scalar(
        select(DecisionBatch)
        .where(DecisionBatch.engine == engine, DecisionBatch.first <= counter)
        .order_by(DecisionBatch.first.desc())
        .limit(1)
    )
    if batch is None or batch.last < counter:
        return None
    for entry in batch.decisions:
        if entry["answer"]["decision_id"] == decision_id:
            return LoggedDecision(decision_id, entry["request"], entry["answer"], entry["decided_at"])
    return None
