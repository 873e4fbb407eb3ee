"""Findings with a life (docs/design.md §3 Alerts, XT-5.3 accountability).

The compliance report is a pure function of the registry; this module gives its findings a
memory. :func:`sync_findings` upserts the report's findings under their stable id:

- a new finding is ``open`` (event ``opened``);
- a finding still reported keeps its state (its text and ``last_seen`` are refreshed);
- a finding no longer reported is ``closed`` with the event ``cause_removed`` (原因已消除),
  or ``exception_recorded`` (已记录例外) when a live Exception for its rule and subject exists;
- a closed finding reported again is reopened (event ``reopened``, state ``open``).

People act on findings: the responsible department is notified (``notified``), answers
(``answered``), the reform office escalates (``escalated``). States::

    open ──notify──▶ notified ──answer──▶ answered ──(cause removed)──▶ closed
      │                 │                    │
      └──────escalate───┴────────────────────┴──▶ escalated ──answer──▶ answered

Any state but ``closed`` closes when the report stops finding it. Every event is a row of
FindingEvent (nothing is deleted or rewritten); notify, answer, escalate, closing and
reopening are also signed records in the log (``ctx.log``); a free-text note enters the log
only as a keyed commitment (docs/design.md §7), because a department's answer may name people. What
a sync or a notification pass does in bulk is signed as one record per event and department
(listing the findings), so a first sync of a whole city costs tens of records, not thousands.

The sync takes the *whole* city report: a report limited to one department would close every
other department's findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import or_, select

from registry.errors import Conflict, Forbidden, NotFound, invalid
from registry.models import Finding, FindingEvent, PolicyException
from registry.services.context import FilingContext, iso

STATES = {"open": "待通知", "notified": "已通知", "answered": "已答复", "escalated": "已升级督办", "closed": "已关闭"}
EVENTS = {
    "opened": "发现问题",
    "notified": "已通知责任部门",
    "answered": "部门已答复",
    "escalated": "升级督办",
    "cause_removed": "原因已消除",
    "exception_recorded": "已记录例外",
    "reopened": "问题再次出现",
}
LIVE_STATES = ("open", "notified", "answered", "escalated")
# What a finding states of itself (the API's finding and the compliance report's row show these).
SHOWN = ("id", "rule", "clause", "subject", "department", "severity", "strength", "text", "state")


def fields_of(finding: Finding) -> dict[str, Any]:
    return {name: getattr(finding, name) for name in SHOWN}


# Events that are also signed records in the log.
LOGGED_EVENTS = frozenset({"notified", "answered", "escalated", "cause_removed", "exception_recorded", "reopened"})
ANSWERABLE = frozenset({"open", "notified", "escalated", "answered"})
ESCALATABLE = frozenset({"open", "notified", "answered"})
FIELDS = ("rule", "clause", "subject", "department", "severity", "strength", "text")


@dataclass
class SyncResult:
    opened: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    seen: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "seen": self.seen,
            "opened": len(self.opened),
            "reopened": len(self.reopened),
            "closed": len(self.closed),
            "opened_ids": self.opened,
            "reopened_ids": self.reopened,
            "closed_ids": self.closed,
        }


def _event(
    ctx: FilingContext,
    finding: Finding,
    event: str,
    note: str | None,
    at: datetime,
    *,
    batch: list[tuple[Finding, FindingEvent]] | None = None,
) -> FindingEvent:
    """Add the event row; a logged event is signed now, or later with its batch (see _log_batch)."""
    row = FindingEvent(finding=finding.id, event=event, by=ctx.actor.body, by_user=ctx.actor.name, note=note, at=at)
    ctx.session.add(row)
    if event in LOGGED_EVENTS:
        if batch is not None:
            batch.append((finding, row))
            return row
        ctx.session.flush()
        record = {
            "finding": finding.id,
            "event": event,
            "rule": finding.rule,
            "clause": finding.clause,
            "subject": finding.subject,
            "department": finding.department,
            "state": finding.state,
            "at": iso(at),
        }
        personal = {"note": note} if note else None
        row.log_index = ctx.log("finding_event", record, ref=finding.id, personal=personal).index
    return row


def _log_batch(ctx: FilingContext, batch: list[tuple[Finding, FindingEvent]], at: datetime) -> None:
    """Events the sync or the notifier produce in bulk are signed as one record per event and
    department, listing the findings (a first sync of a city may close or notify thousands);
    each event row keeps the index of the record that covers it."""
    groups: dict[tuple[str, str | None], list[tuple[Finding, FindingEvent]]] = {}
    for finding, row in batch:
        groups.setdefault((row.event, finding.department), []).append((finding, row))
    ctx.session.flush()
    for (event, department), members in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        record = {
            "event": event,
            "department": department,
            "at": iso(at),
            "findings": [
                {"id": f.id, "rule": f.rule, "clause": f.clause, "subject": f.subject}
                for f, _ in sorted(members, key=lambda m: m[0].id)
            ],
        }
        notes = {r.note for _, r in members if r.note}
        if notes:
            record["note"] = "；".join(sorted(notes))  # the channel name: no personal data
        index = ctx.log("finding_events", record, ref=department or "CITY").index
        for _, row in members:
            row.log_index = index


def _live_exceptions(ctx: FilingContext, at: datetime) -> set[tuple[str, str]]:
    """Exceptions in force at `at`, as known now (the report is run as known now, too)."""
    rows = ctx.session.execute(
        select(PolicyException.rule, PolicyException.subject).where(
            or_(PolicyException.until.is_(None), PolicyException.until > at)
        )
    )
    return {(r, s) for r, s in rows}


def sync_findings(ctx: FilingContext, report_findings: Iterable[dict[str, Any]], at: datetime) -> SyncResult:
    """Upsert the whole report's findings as of `at` (see the module docstring)."""
    result = SyncResult()
    reported: dict[str, dict[str, Any]] = {}
    for f in report_findings:
        reported[f["id"]] = f
    result.seen = len(reported)
    batch: list[tuple[Finding, FindingEvent]] = []
    # Every finding ever kept: bounded by the distinct (rule, subject) pairs, read in one query.
    existing = {row.id: row for row in ctx.session.scalars(select(Finding))}
    for fid, f in reported.items():
        row = existing.get(fid)
        if row is None:
            row = Finding(id=fid, state="open", first_seen=at, last_seen=at, **{k: f.get(k) for k in FIELDS})
            ctx.session.add(row)
            _event(ctx, row, "opened", None, at)  # not logged: the report itself is reproducible
            result.opened.append(fid)
            continue
        for k in FIELDS:
            if getattr(row, k) != f.get(k):
                setattr(row, k, f.get(k))
        row.last_seen = at
        if row.state == "closed":
            row.state, row.closed_at = "open", None
            _event(ctx, row, "reopened", None, at, batch=batch)
            result.reopened.append(fid)
    gone = [row for fid, row in existing.items() if fid not in reported and row.state in LIVE_STATES]
    if gone:
        exceptions = _live_exceptions(ctx, at)
        for row in gone:
            event = "exception_recorded" if (row.rule, row.subject) in exceptions else "cause_removed"
            row.state, row.closed_at = "closed", at
            _event(ctx, row, event, None, at, batch=batch)
            result.closed.append(row.id)
    if batch:
        _log_batch(ctx, batch, at)
    if result.opened or result.reopened or result.closed:
        ctx.changed("findings", "sync", note=f"+{len(result.opened)} ~{len(result.reopened)} -{len(result.closed)}")
    return result


def get_finding(ctx: FilingContext, finding_id: str) -> Finding:
    row = ctx.session.get(Finding, finding_id)
    if row is None:
        raise NotFound(f"问题“{finding_id}”不存在")
    return row


def mark_notified(ctx: FilingContext, finding_ids: Iterable[str], channel: str) -> list[str]:
    """Record that the responsible departments were told; only ``open`` findings move.
    One signed record per department covers the batch. Returns the ids that moved."""
    batch: list[tuple[Finding, FindingEvent]] = []
    for fid in finding_ids:
        row = ctx.session.get(Finding, fid)
        if row is None or row.state != "open":
            continue
        row.state = "notified"
        _event(ctx, row, "notified", f"通知渠道：{channel}", ctx.now, batch=batch)
    if batch:
        _log_batch(ctx, batch, ctx.now)
        ctx.changed("findings", "notified", note=str(len(batch)))
    return [f.id for f, _ in batch]


def answer(ctx: FilingContext, finding_id: str, note: str) -> Finding:
    """The responsible department answers (what it did or will do)."""
    ctx.require_role("department")
    row = get_finding(ctx, finding_id)
    if row.department is None:
        raise Forbidden("全市性问题由审改部门处理，不由部门答复")
    ctx.require_department(row.department)
    return _move(ctx, row, "answered", ANSWERABLE, "答复", note, "须写明答复内容")


def escalate(ctx: FilingContext, finding_id: str, note: str) -> Finding:
    """The reform office escalates a finding (督办, XT-5.3 accountability)."""
    ctx.require_role("reform_office")
    row = get_finding(ctx, finding_id)
    return _move(ctx, row, "escalated", ESCALATABLE, "升级督办", note, "须写明升级督办的理由")


def _move(
    ctx: FilingContext, row: Finding, state: str, allowed: Iterable[str], act: str, note: str, note_missing: str
) -> Finding:
    """A finding moves to `state` by an act (`act`, in Chinese) that must give its note and is
    allowed only from the states `allowed`; the move is an event and a change."""
    if not note or not note.strip():
        raise invalid("note", note_missing)
    if row.state not in allowed:
        raise Conflict(f"问题当前状态为“{STATES[row.state]}”，不能{act}")
    row.state = state
    _event(ctx, row, state, note.strip(), ctx.now)
    ctx.changed("finding", row.id)
    return row


def events_of(session, finding_id: str) -> list[FindingEvent]:
    return list(
        session.scalars(select(FindingEvent).where(FindingEvent.finding == finding_id).order_by(FindingEvent.id))
    )  # the order they happened in
