"""onehall rules: policy packs, the decision engine and compliance findings. Pure: no database,
no web; its only input is the facts of docs/facts.md.

Public API (stable; the web layer calls exactly this):

    from rules import load_pack, check_pack, diff_packs, Engine, findings, replay

    pack = load_pack("rules/packs/xiangtan-2018")    # raises PackInvalid(errors)
    check_pack(dir) -> [PackError(file, line, message)]
    diff_packs(a, b) -> [RuleChange(rule, change, keys, clause)]
    pack.id, pack.version, pack.digest, pack.parameters, pack.rules

    engine = Engine(pack)
    engine.load(snapshot)                 # docs/facts.md snapshot; swaps in atomically
    engine.apply(change)                  # {"kind", "op": "upsert", "record"}; incremental
    engine.decide(person, action, item, at=None, known_at=None, place=None, seal=None, case=None)
        -> {"decision_id", "allowed", "kind": "allow"|"forbidden"|"not_granted",
            "reasons": [{"rule", "clause", "text", "detail"}], "why_not": {"rule", "clause", "failed"}|None,
            "authorization": {"id", "log_index"}|None, "acting_for": person id|None,
            "unchecked": [...], "policy": {"pack", "version", "digest"}}
        raises UnknownReference(field, value) / UnknownAction(value)
    engine.allowed_actions(person, item, at=None, place=None, known_at=None)
        -> [{"action", "label", "reasons", "authorization", "acting_for", "unchecked"}]
    engine.decision_log = DecisionLog()   # or any non-blocking callable(request, answer)
    engine.decision_log.drain(limit)      # the app writes batches

    findings(pack, snapshot, at=None, known_at=None, working_days_between=None, department=None)
        -> [{"id", "clause", "rule", "subject", "department", "severity", "strength", "text"}]
    replay(pack, snapshot, logged_request) -> answer

Times: timezone-aware datetimes (or ISO strings); `at` and `known_at` default to now (UTC).
"""
from .compliance import findings, summary
from .engine import DecisionLog, Engine
from .errors import PackError, PackInvalid, RulesError, UnknownAction, UnknownReference
from .pack import Pack, RuleChange, check_pack, default_pack_dir, diff_packs, load_pack
from .replay import replay, same_decision
from .schema import ACTIONS, KNOWN_CLAUSES

__all__ = ["ACTIONS", "DecisionLog", "Engine", "KNOWN_CLAUSES", "Pack", "PackError", "PackInvalid",
           "RuleChange", "RulesError", "UnknownAction", "UnknownReference", "check_pack",
           "default_pack_dir", "diff_packs", "findings", "load_pack", "replay", "same_decision", "summary"]
