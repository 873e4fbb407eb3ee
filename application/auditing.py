"""The registry audit as the application runs it: from the CLI (`onehall audit`) and the
scheduler's pass. Stores each run and raises one auditor alert per distinct finding
(registry.audit says what is checked)."""

from __future__ import annotations

from typing import Any

from registry.audit import AuditReport, alert_key, record_run, run_audit
from registry.services.cases import raise_alert
from registry.services.context import SYSTEM

AUDIT_RULE = "registry.audit"
AUDIT_CLAUSE = "XT-5.3"  # 强化责任落实: what the audit finds is for the auditor to pursue


def audit_pass(rt, *, incremental: bool = True, workers: int | None = None) -> tuple[AuditReport, Any]:
    """Run the audit, store the run, and raise an alert for the auditor if it found anything."""
    keys = rt.keys
    key_infos = keys.public_keys() if keys is not None else []
    commitment_key = getattr(rt.ledger, "commitment_key", None)
    with rt.reading() as session:
        report = run_audit(session, key_infos, commitment_key, incremental=incremental, workers=workers)
    with rt.filing(SYSTEM) as ctx:
        run = record_run(ctx.session, report)
        if not report.ok:
            listed = "；".join([*report.problems[:3], *(d.text() for d in report.differences[:5])])
            raise_alert(
                ctx,
                key=alert_key(report),
                rule=AUDIT_RULE,
                clause=AUDIT_CLAUSE,
                level="red",
                text=f"{report.summary()}。{listed}",
                department=None,
                case=None,
            )
        run_id = run.id
    return report, run_id
