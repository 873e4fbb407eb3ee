"""onehall rules: policy packs, the decision engine and compliance findings. Pure: no database,
no web; its only input is the facts of docs/facts.md.

Public API (stable; the web layer calls exactly this):

    from rules import load_pack, check_pack, diff_packs, Engine, findings, replay

    pack = load_pack("rules/packs/xiangtan-2018")    # raises PackInvalid(errors)
    check_pack(dir) -> [PackError(file, line, message)]   # rules, parameters, and scenarios.yaml's shape
    diff_packs(a, b) -> [RuleChange(rule, change, keys, clause)]
    pack.id, pack.version, pack.digest, pack.parameters, pack.rules

    engine = Engine(pack)
    engine.load(snapshot)                 # docs/facts.md snapshot; swaps in atomically
    engine.apply(change)                  # {"kind", "op": "upsert", "record"}; incremental
    engine.decide(person, action, item, at=None, known_at=None, place=None, seal=None, case=None)
        -> Decision (rules.decision; reads as {"decision_id", "allowed", "kind": "allow"|"forbidden"|"not_granted",
            "reasons": [{"rule", "clause", "text", "detail"}], "why_not": {"rule", "clause", "failed"}|None,
            "authorization": {"id", "log_index"}|None, "acting_for": person id|None,
            "unchecked": [...], "policy": {"pack", "version", "digest"}}; .to_dict() for JSON)
        raises UnknownReference(field, value) / UnknownAction(value)
    engine.allowed_actions(person, item, at=None, place=None, known_at=None)
        -> [{"action", "label", "reasons", "authorization", "acting_for", "unchecked"}]
    engine.decision_log = hook            # any non-blocking callable(request, answer): the app queues
                                          # and writes batches (application.policy)
    engine.fork()                         # a private engine over the same facts, for hypotheses:
                                          # takes absences and revocations, leaves the original alone

    findings(pack, snapshot, at=None, known_at=None, working_days_between=None, department=None)
        -> [{"id", "clause", "rule", "subject", "department", "severity", "strength", "text"}]
    replay(pack, snapshot, logged_request) -> answer

    run_self_checks(pack) -> [str]        # the pack's scenarios.yaml; empty = pass (rules.selfcheck)

    gaps(pack, snapshot, at=None, known_at=None, engine=None)            (rules.analysis)
        -> [{"id", "kind", "subject", "clause", "rule", "department", "text", "item"|"seal", "action", ...}]
        kind: no_decider | no_fee_executor | seal_no_custodian | no_countersign_holder
    what_if(pack, snapshot, {"person", "from", "to"}, items=None, at=None, known_at=None, engine=None)
        -> {"absence", "at", "known_at", "items": [{"item", "name", "department", "action",
            "before": [decider], "after": [decider], "changed"}], "nobody", "newly_nobody", "changed", "ms"}
        decider: {"person", "name", "acting_for", "authorization", "rule", "action"}
    decision_effect(pack_a, pack_b, snapshot, requests=None, at=None, known_at=None, engines=None)  (rules.effect)
        -> [{"person", "name", "action", "item", "item_name", "place", "seal",
             "before": {"allowed", "kind", "rule", "clause"}, "after": {...}, "text"}]

Times: timezone-aware datetimes (or ISO strings); `at` and `known_at` default to now (UTC).
"""

from .analysis import gaps, what_if
from .effect import decision_effect
from .compliance import findings, summary
from .decision import Decision
from .engine import Engine
from .errors import PackError, PackInvalid, RulesError, UnknownAction, UnknownReference
from .pack import Pack, RuleChange, check_pack, default_pack_dir, diff_packs, load_pack
from .replay import replay, same_decision
from .schema import ACTIONS, KNOWN_CLAUSES
from .selfcheck import run_self_checks

__all__ = [
    "ACTIONS",
    "Decision",
    "Engine",
    "KNOWN_CLAUSES",
    "Pack",
    "PackError",
    "PackInvalid",
    "RuleChange",
    "RulesError",
    "UnknownAction",
    "UnknownReference",
    "check_pack",
    "decision_effect",
    "default_pack_dir",
    "diff_packs",
    "findings",
    "gaps",
    "load_pack",
    "replay",
    "run_self_checks",
    "same_decision",
    "summary",
    "what_if",
]
