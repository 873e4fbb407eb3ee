"""`onehall audit`: rebuild the registry's state from the log and compare it with the rows.

The engine decides on the signed records alone (registry.signed_facts), so an edited row changes
no answer; the audit is what finds it. It
- checks every leaf against its stored hash and every record's signature (on the parallel path of
  `onehall verify`), and the latest checkpoint's signature and root over the leaves;
- folds the records, in log order, into the state they declare (registry.signed_facts.SignedState);
- compares each row of every signed table with its newest record, field by field, through the
  record views the services log with (RECORD_VIEWS), and the personal fields with their commitments;
  and names every row and field that differs, every row without a record and every record without
  a row.
Incremental (the scheduler's pass): signatures are checked only past the last audit's size, once
the leaves before it hash to the root that audit saw; the comparison with the rows is always whole,
since a row can be edited at any time.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import AuditRun, Case, Checkpoint, ItemVersion, LogEntry, PackVersion, RecordSalt
from registry.services.catalog import ITEM_FIELDS
from registry.services.packs import active_publication
from registry.record_views import RECORD_VIEWS, STATE_TYPES, TIME_FIELDS
from registry.signed_facts import SignedState, case_type_of
from signing import merkle
from signing.commitment import commit
from signing.errors import NoteError
from signing.keys import KeyInfo
from signing.note import open_note, parse_checkpoint
from signing.verify import check_leaves

MAX_LISTED = 1000  # differences kept in an audit run (the count is always whole)


@dataclass
class Difference:
    table: str
    key: Any
    field: str
    row: Any = None
    logged: Any = None
    log_index: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "key": self.key,
            "field": self.field,
            "row": _jsonable(self.row),
            "logged": _jsonable(self.logged),
            "log_index": self.log_index,
        }

    def text(self) -> str:
        where = f"（日志第{self.log_index}条）" if self.log_index is not None else ""
        if self.field == "*row":
            return f"{self.table} {self.key}：登记库有此行，日志中没有它的签名记录"
        if self.field == "*record":
            return f"{self.table} {self.key}：日志有其签名记录{where}，登记库中缺少此行"
        return (
            f"{self.table} {self.key} 的 {self.field}：登记库为 {_show(self.row)}，"
            f"签名记录{where}为 {_show(self.logged)}"
        )


@dataclass
class AuditReport:
    tree_size: int = 0
    root_hash: str | None = None
    signatures_checked: int = 0
    differences: list[Difference] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    started_at: datetime = field(default_factory=utcnow)
    finished_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.differences and not self.problems

    def summary(self) -> str:
        if self.ok:
            return (
                f"审计通过：日志 {self.tree_size} 条记录，核验签名 {self.signatures_checked} 条，登记库与签名记录一致"
            )
        return (
            f"审计发现问题：日志 {self.tree_size} 条记录，{len(self.problems)} 项日志问题，"
            f"{len(self.differences)} 处登记库与签名记录不符"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "signatures_checked": self.signatures_checked,
            "problems": self.problems,
            "differences": [d.to_json() for d in self.differences],
            "summary": self.summary(),
        }


def run_audit(
    session: Session,
    keys: Iterable[KeyInfo],
    commitment_key: bytes | None,
    *,
    incremental: bool = True,
    workers: int | None = None,
) -> AuditReport:
    """Audit the registry as stored now (read only; `record` stores the result)."""
    report = AuditReport()
    keys = list(keys)
    by_id: Mapping[str, KeyInfo] = {k.key_id: k for k in keys}
    state = SignedState()
    hashes: list[bytes] = []
    leaves: list[tuple[int, bytes]] = []
    checked_upto = _trusted_prefix(session) if incremental else None
    expected = 0
    for index, leaf, stored_hash in _entries(session):
        if index != expected:
            report.problems.append(f"日志第{expected}条至第{index - 1}条缺失（序号不连续）")
            expected = index
        expected += 1
        h = merkle.leaf_hash(leaf)
        hashes.append(h)
        if h.hex() != stored_hash:
            report.problems.append(f"日志第{index}条：叶内容与存储的叶哈希不符（叶被改动）")
        try:
            record = json.loads(leaf)["record"]
        except (ValueError, KeyError, TypeError):
            report.problems.append(f"日志第{index}条：不是有效的签名记录")
            continue
        state.apply(index, record)
        leaves.append((index, leaf))
    report.tree_size = expected
    skip_below = 0
    if checked_upto is not None and checked_upto[0] <= len(hashes) and checked_upto[0] > 0:
        if merkle.root_hash(hashes[: checked_upto[0]]).hex() == checked_upto[1]:
            skip_below = checked_upto[0]
    count, failures = check_leaves((x for x in leaves if x[0] >= skip_below), by_id, workers)
    report.signatures_checked = count
    report.problems += [f"日志第{i}条：签名不成立（{why}）" for i, why in failures]
    if hashes:
        report.root_hash = merkle.root_hash(hashes).hex()
    report.problems += _check_checkpoint(session, hashes, [k for k in keys if k.body == "log"])
    report.differences = compare_rows(session, state, commitment_key)
    report.finished_at = utcnow()
    return report


def _entries(session: Session, batch: int = 5000):
    position = 0
    while True:
        rows = session.execute(
            select(LogEntry.index, LogEntry.leaf, LogEntry.leaf_hash)
            .where(LogEntry.index >= position)
            .order_by(LogEntry.index)
            .limit(batch)
        ).all()
        for index, leaf, leaf_hash in rows:
            yield index, bytes(leaf), leaf_hash
        if len(rows) < batch:
            return
        position = rows[-1][0] + 1


def _trusted_prefix(session: Session) -> tuple[int, str] | None:
    """(size, root) of the last audit whose log checked clean: its leaves need no second check."""
    run = session.scalar(select(AuditRun).where(AuditRun.root_hash.is_not(None)).order_by(AuditRun.id.desc()).limit(1))
    if run is None or run.problems:
        return None
    return run.tree_size, run.root_hash


def _check_checkpoint(session: Session, hashes: list[bytes], log_keys: list[KeyInfo]) -> list[str]:
    cp = session.scalar(select(Checkpoint).order_by(Checkpoint.tree_size.desc()).limit(1))
    if cp is None:
        return []
    problems = []
    try:
        body = cp.note.split("\n\n", 1)[0] + "\n"
        origin = parse_checkpoint(body).origin
        open_note(cp.note, {origin: [k.public_key for k in log_keys]})
    except (NoteError, ValueError) as exc:
        problems.append(f"检查点（{cp.tree_size} 条）的签名不成立：{exc}")
    if cp.tree_size > len(hashes):
        problems.append(f"检查点覆盖 {cp.tree_size} 条记录，日志只有 {len(hashes)} 条（日志被截断）")
    elif merkle.root_hash(hashes[: cp.tree_size]).hex() != cp.root_hash:
        problems.append(f"按日志前 {cp.tree_size} 条记录算得的根哈希与已签检查点不符（记录被改动或重排）")
    return problems


def compare_rows(session: Session, state: SignedState, commitment_key: bytes | None) -> list[Difference]:
    """Every row of the signed tables against its newest record (see the module docstring)."""
    by_type: dict[str, dict[Any, int]] = {}
    for (rtype, key), index in state.latest.items():
        by_type.setdefault(rtype, {})[key] = index
    by_type.setdefault("seal", {}).update(by_type.pop("seal_registration", {}))
    salts = _salts(session) if commitment_key else {}
    out: list[Difference] = []
    for rtype, view in RECORD_VIEWS.items():
        table = view.model.__tablename__
        logged = by_type.get(rtype, {})
        seen = set()
        for row in session.scalars(select(view.model)):
            key = getattr(row, view.key)
            seen.add(key)
            index = logged.get(key)
            if index is None:
                out.append(Difference(table, key, "*row"))
                continue
            record = state.records[(rtype, key)]
            for name, get in view.fields.items():
                value = get(row)
                if not _same(name, record.get(name), value):
                    out.append(Difference(table, key, name, value, record.get(name), index))
            stated = getattr(row, "log_index", None)
            if rtype not in STATE_TYPES and stated is not None and stated != index:
                out.append(Difference(table, key, "log_index", stated, index, index))
            for name in view.personal if commitment_key else ():
                salt = salts.get((index, name))
                claimed = (record.get("commitments") or {}).get(name)
                value = getattr(row, name)
                if salt is None or claimed != commit(str(value or ""), salt, commitment_key):
                    out.append(Difference(table, key, name, value, "（与签名记录中的承诺值不符）", index))
        for key, index in logged.items():
            if key not in seen:
                out.append(Difference(table, key, "*record", log_index=index))
    out += _compare_items(session, state)
    out += _compare_cases(session, state)
    out += _compare_pack(session)
    return out


def _compare_items(session: Session, state: SignedState) -> list[Difference]:
    out = []
    seen = set()
    for row in session.scalars(select(ItemVersion)):
        key = (row.code, row.version)
        seen.add(key)
        index = state.latest.get(("item_filing", key))
        label = f"{row.code} 第{row.version}版"
        if index is None:
            out.append(Difference("item_versions", label, "*row"))
            continue
        record = state.records[("item_filing", key)]
        for name in ITEM_FIELDS:
            if name == "code":
                continue
            value = getattr(row, name)
            value = _iso(value) if isinstance(value, datetime) else value
            signed = case_type_of(record) if name == "case_type" else record.get(name)
            if signed != value:
                out.append(Difference("item_versions", label, name, value, signed, index))
        status = state.versions[row.code][row.version]["status"]
        if row.status != status:
            out.append(Difference("item_versions", label, "status", row.status, status, index))
    for (rtype, key), index in state.latest.items():
        if rtype == "item_filing" and key not in seen:
            out.append(Difference("item_versions", f"{key[0]} 第{key[1]}版", "*record", log_index=index))
    return out


CASE_FIELDS = (
    "item",
    "department",
    "place",
    "accepted_at",
    "application_key",
    "platform_no",
    "platform_record",
    "status",
    "pending_platform",
)


def _compare_cases(session: Session, state: SignedState) -> list[Difference]:
    """Each case row against the state its records declare (the case, its closing or returning
    step, its late platform record): what the door and the decisions naming a case read."""
    out = []
    logged = state.tables["cases"]
    seen = set()
    for row in session.scalars(select(Case)):
        seen.add(row.number)
        index = state.latest.get(("case", row.number))
        fact = logged.get(row.number)
        if fact is None or index is None:
            out.append(Difference("cases", row.number, "*row"))
            continue
        for name in CASE_FIELDS:
            value, stated = getattr(row, name), fact.get(name)
            if stated != value:
                out.append(Difference("cases", row.number, name, value, stated, index))
        if row.log_index is not None and row.log_index != index:
            out.append(Difference("cases", row.number, "log_index", row.log_index, index, index))
    for number in logged:
        if number not in seen:
            out.append(Difference("cases", number, "*record", log_index=state.latest.get(("case", number))))
    return out


def _compare_pack(session: Session) -> list[Difference]:
    """The active pack as the newest publication record names it, against the rows' flags."""
    row, index = active_publication(session)
    if index is None:
        return []
    if row is None:
        return [Difference("pack_versions", "（日志发布的版本）", "*record", log_index=index)]
    out = [
        Difference("pack_versions", f"{other.pack} {other.version}", "active", True, False, index)
        for other in session.scalars(select(PackVersion).where(PackVersion.active.is_(True)))
        if other.id != row.id
    ]
    label = f"{row.pack} {row.version}"
    if not row.active:
        out.append(Difference("pack_versions", label, "active", False, True, index))
    if row.log_index != index:
        out.append(Difference("pack_versions", label, "log_index", row.log_index, index, index))
    return out


def _same(name: str, logged: Any, value: Any) -> bool:
    """Equal, times compared as instants (a record may write 08:00:00.000000Z for 08:00:00Z)."""
    if logged == value:
        return True
    if name in TIME_FIELDS and isinstance(logged, str) and isinstance(value, str):
        try:
            return _instant(logged) == _instant(value)
        except ValueError:
            return False
    return False


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _salts(session: Session) -> dict[tuple[int, str], bytes]:
    return {
        (i, f): bytes(s) for i, f, s in session.execute(select(RecordSalt.log_index, RecordSalt.field, RecordSalt.salt))
    }


def record_run(session: Session, report: AuditReport) -> AuditRun:
    """Store the audit's result (the auditor's pages show the last one)."""
    run = AuditRun(
        started_at=report.started_at,
        finished_at=report.finished_at or utcnow(),
        tree_size=report.tree_size,
        root_hash=None if report.problems else report.root_hash,
        signatures_checked=report.signatures_checked,
        ok=report.ok,
        differences=[d.to_json() | {"text": d.text()} for d in report.differences[:MAX_LISTED]],
        problems=report.problems[:MAX_LISTED],
        summary=report.summary(),
    )
    session.add(run)
    session.flush()
    return run


def alert_key(report: AuditReport) -> str:
    """The same findings raise one alert, however often the audit runs."""
    digest = hashlib.sha256(
        json.dumps([report.problems, [d.to_json() for d in report.differences]], sort_keys=True, default=str).encode()
    ).hexdigest()[:32]
    return f"audit:{digest}"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _jsonable(value: Any) -> Any:
    return _iso(value) if isinstance(value, datetime) else value


def _show(value: Any) -> str:
    if value is None:
        return "空"
    return json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else value
