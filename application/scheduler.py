"""`onehall scheduler`: clocks, alerts, checkpoints and the findings sync (docs/design.md §9).

One scheduler process per deployment (a lock enforces it: an advisory lock on PostgreSQL, a
file lock beside the SQLite database), never in the web workers. Each pass, at an explicit
``now`` (tests pass one; the loop uses the clock):

1. clocks (registry/services/clocks.py): yellow at 90% of the promised time in office hours,
   red past due, the 1-hour response of delegated cases, 体外循环, acceptance in an internal
   office; alerts are idempotent by key, clock alerts resolve when the case is issued;
2. findings: the full compliance report synced into Finding rows
   (registry/services/findings.py), then every ``open`` finding notified to its department
   (application/notify.py) and marked ``notified``;
3. a checkpoint of the log, if the log grew since the last one; then the witness round
   (application/witnessing.py): new checkpoints submitted to the trust policy's witnesses;
4. a warning log line when the loaded calendar has fewer than 60 days left.

A failing step is logged and reported in the pass's result; the other steps still run.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from registry import calendar as cal
from registry import lease
from registry.lease import AlreadyRunning, LeaseLost  # noqa: F401  (the CLI's names)
from registry.db import utcnow, write_lock
from registry.models import Case, Department, Finding
from registry.services import clocks as clock_service
from registry.services import findings as finding_service
from registry.services._common import latest_item
from registry.services.context import Actor
from vocab.clock import SHANGHAI

log = logging.getLogger("onehall.scheduler")
CLOCK_ACTOR = Actor(name="scheduler", role="gov_service")  # case clocks: the hall's body
FINDINGS_ACTOR = Actor(name="scheduler", role="reform_office")  # findings: the reform office's list
NOTIFY_BATCH = 200


# ------------------------------------------------------------------ clocks


def office_hours(rt) -> cal.OfficeHours:
    spec = rt.policy.engine.pack.parameters.get("office_hours")
    return cal.OfficeHours.parse(spec) if spec else cal.DEFAULT_OFFICE_HOURS


def clocks_pass(rt, now: datetime) -> dict[str, Any]:
    from application.casework import _due  # the promise arithmetic cases are accepted with

    params = rt.policy.engine.pack.parameters
    with rt.filing(CLOCK_ACTOR) as ctx:
        ctx.now = now
        calendar = cal.WorkingCalendar.load(ctx.session, office_hours(rt))

        def due_of(case: Case):
            return _due(ctx.session, latest_item(ctx.session, case.item, published_only=True), case.accepted_at)

        result = clock_service.run_clocks(
            ctx, now, calendar, response_hours=float(params.get("response_hours", 1)), due_of=due_of
        )
    for key in result.raised:
        log.debug("alert raised: %s", key)
    if result.pending or result.still_pending:
        log.warning(
            "clocks pending calendar data: %d cases%s",
            len(result.still_pending),
            f" (years {', '.join(map(str, sorted(result.pending)))})" if result.pending else "",
        )
    return result.as_dict()


# ------------------------------------------------------------------ findings


def finding_json(f: Finding, names: dict[Any, str] | None = None) -> dict[str, Any]:
    """A finding as the API and the departments' notices show it; with `names`, its department's name too."""
    out: dict[str, Any] = {
        "id": f.id,
        "rule": f.rule,
        "clause": f.clause,
        "subject": f.subject,
        "department": f.department,
    }
    if names is not None:
        out["department_name"] = names.get(f.department)
    out.update(
        severity=f.severity,
        strength=f.strength,
        text=f.text,
        state=f.state,
        state_label=finding_service.STATES.get(f.state, f.state),
        first_seen=_t(f.first_seen),
        last_seen=_t(f.last_seen),
        closed_at=_t(f.closed_at),
    )
    return out


def _t(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def sync_findings(rt, at: datetime | None = None, *, notifier=None) -> dict[str, Any]:
    """Run the full compliance report at `at`, sync it into Finding rows, notify the open ones.

    Notifications go out after the sync committed, one batch transaction recording them
    (at least once: a crash between sending and recording sends again on the next pass).
    """
    from application.compliance import report
    from application.notify import runtime_notifier

    at = at or utcnow()
    result = report(rt, at=at)
    with rt.filing(FINDINGS_ACTOR) as ctx:
        ctx.now = at
        synced = finding_service.sync_findings(ctx, result["findings"], at)
    out = {**synced.as_dict(), "notified": 0, "not_delivered": 0, "messages": 0}
    for key in ("opened_ids", "reopened_ids", "closed_ids"):
        out[key] = out[key][:50]
    notifier = notifier if notifier is not None else runtime_notifier(rt)
    with rt.reading() as session:
        names = dict(session.execute(select(Department.code, Department.name)).all())
        waiting = [
            finding_json(f, names)
            for f in session.scalars(
                select(Finding).where(Finding.state == "open").order_by(Finding.first_seen, Finding.id)
            )
        ]
    by_department: dict[str | None, list[dict[str, Any]]] = {}
    for f in waiting:
        by_department.setdefault(f["department"], []).append(f)
    sent: list[str] = []
    for department, findings in by_department.items():  # one message per department
        try:
            delivered = notifier.notify(department, findings)
        except Exception as exc:  # a mail or webhook failure must not stop the pass
            log.warning("notification of %d finding(s) to %s failed: %s", len(findings), department or "全市", exc)
            delivered = False
        if not delivered:
            out["not_delivered"] += len(findings)
            continue
        out["messages"] += 1
        sent += [f["id"] for f in findings]
        while len(sent) >= NOTIFY_BATCH:
            out["notified"] += _record_notified(rt, sent[:NOTIFY_BATCH], at, notifier)
            sent = sent[NOTIFY_BATCH:]
    if sent:
        out["notified"] += _record_notified(rt, sent, at, notifier)
    if out["messages"] or out["not_delivered"]:
        log.info(
            "问题清单已同步：%d 条待处理，已通知 %d 个部门%s",
            len(waiting),
            out["messages"],
            f"，{out['not_delivered']} 条未能送达" if out["not_delivered"] else "",
        )
    return out


def _record_notified(rt, ids: list[str], at: datetime, notifier) -> int:
    with rt.filing(FINDINGS_ACTOR) as ctx:
        ctx.now = at  # the pass's moment (the clock in production, explicit in tests)
        moved = finding_service.mark_notified(ctx, ids, getattr(notifier, "name", type(notifier).__name__))
    return len(moved)


# ------------------------------------------------------------------ checkpoint, calendar


def checkpoint_pass(rt) -> int | None:
    """Publish a checkpoint if the log grew; the new tree size, or None."""
    publish = getattr(rt.ledger, "publish_checkpoint", None)
    if publish is None:
        return None
    try:
        with rt.sessions() as session, session.begin():
            write_lock(session)
            cp = publish(session)
            size = cp.tree_size if cp is not None else None
    except IntegrityError:  # a web worker published the same size first
        return None
    if size is not None:
        log.debug("checkpoint published at tree size %d", size)
    return size


def calendar_check(rt, today: date) -> str | None:
    with rt.reading() as session:
        status = cal.status(session, today)
    return status.get("warning")


# ------------------------------------------------------------------ the pass and the loop


@dataclass
class PassResult:
    now: datetime
    clocks: dict[str, Any] | None = None
    findings: dict[str, Any] | None = None
    checkpoint: int | None = None
    witness: dict[str, Any] | None = None
    calendar_warning: str | None = None
    audit: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": _t(self.now),
            "clocks": self.clocks,
            "findings": self.findings,
            "checkpoint": self.checkpoint,
            "witness": self.witness,
            "calendar_warning": self.calendar_warning,
            "audit": self.audit,
            "errors": self.errors,
        }


def audit_step(rt) -> dict[str, Any]:
    """The incremental registry audit (application.auditing); a difference raises an auditor alert."""
    from application.auditing import audit_pass

    report, run_id = audit_pass(rt, incremental=True, workers=1)
    return {"run": run_id, "ok": report.ok, "tree_size": report.tree_size, "summary": report.summary()}


class Scheduler:
    def __init__(
        self, rt, *, notifier=None, interval: float = 30.0, findings_every: int = 1, lease=None, audit_every: int = 10
    ):
        self.rt = rt
        self.lease = lease  # renewed before every pass and step; None: tests that run passes by hand
        self.notifier = notifier
        self.interval = interval
        self.findings_every = max(1, findings_every)
        self.audit_every = max(1, audit_every)
        self.passes = 0
        self._warned_on: date | None = None
        self._witnessing: Any = None  # application.witnessing.Witnessing, with ONEHALL_WITNESS_POLICY

    def run_once(
        self, now: datetime | None = None, *, findings: bool | None = None, audit: bool | None = None
    ) -> PassResult:
        now = now or utcnow()
        result = PassResult(now=now)
        do_findings = findings if findings is not None else self.passes % self.findings_every == 0
        do_audit = audit if audit is not None else self.passes % self.audit_every == 0
        self._renew()
        self.passes += 1
        result.clocks = self._step(result, "clocks", clocks_pass, self.rt, now)
        if do_findings:
            result.findings = self._step(result, "findings", sync_findings, self.rt, now, notifier=self.notifier)
        result.checkpoint = self._step(result, "checkpoint", checkpoint_pass, self.rt)
        result.witness = self._step(result, "witness", self._witness_round, now)
        if do_audit:
            result.audit = self._step(result, "audit", audit_step, self.rt)
        today = now.astimezone(SHANGHAI).date()
        warning = self._step(result, "calendar", calendar_check, self.rt, today)
        result.calendar_warning = warning
        if warning and self._warned_on != today:  # once a day, not every pass
            log.warning("%s", warning)
            self._warned_on = today
        return result

    def _witness_round(self, now: datetime) -> dict[str, Any] | None:
        """Submit new checkpoints to the policy's witnesses (application/witnessing.py); seal uses never wait."""
        if self._witnessing is None:
            from application.witnessing import Witnessing

            self._witnessing = Witnessing.from_settings(self.rt) or False
        return self._witnessing.run(now) if self._witnessing else None

    def _renew(self) -> None:
        """Raise LeaseLost when another scheduler may be running now: stop before acting."""
        if self.lease is not None:
            self.lease.renew()

    def _step(self, result: PassResult, name: str, fn, *args, **kwargs):
        self._renew()
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # one failing step must not stop the others or the loop
            log.error("scheduler step %s failed: %s\n%s", name, exc, traceback.format_exc())
            result.errors.append(f"{name}: {exc}")
            return None

    def run_forever(self, stop: threading.Event | None = None) -> None:
        """Pass after pass until `stop` is set; raises LeaseLost (before acting) once the lease is gone."""
        stop = stop or threading.Event()
        log.info("计时与预警已启动：每 %.0f 秒运行一轮", self.interval)
        while not stop.is_set():
            started = time.monotonic()
            result = self.run_once()
            if result.errors:
                log.warning("pass finished with errors: %s", "; ".join(result.errors))
            stop.wait(max(0.0, self.interval - (time.monotonic() - started)))


# ------------------------------------------------------------------ one scheduler per deployment


@contextlib.contextmanager
def single_instance(rt) -> Iterator[Any]:
    """Hold the deployment's scheduler lease (registry.lease) for the duration, or raise
    AlreadyRunning. Pass the lease to Scheduler.run_forever, which renews it every pass."""
    with lease.hold(rt.engine, _lock_path(rt)) as held:
        yield held


def _lock_path(rt) -> Path:
    url = rt.settings.database_url or ""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        db = Path(url[len("sqlite:///") :]).resolve()
        return db.with_name(db.name + ".scheduler.lock")
    return Path(rt.settings.instance_dir) / "scheduler.lock"
