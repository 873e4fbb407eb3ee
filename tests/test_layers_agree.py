"""What registry/ and rules/ each write down, because the layer contracts forbid either to
import the other: the action vocabulary, and the decision-id format. Here they must agree."""
from __future__ import annotations

from registry import vocab
from registry.decision_log import ID_COUNTER_DIGITS, split_id
from rules import Engine, default_pack_dir, load_pack, schema


def test_the_action_vocabulary_is_the_same_on_both_sides():
    assert vocab.ACTIONS == schema.ACTIONS          # codes, order and Chinese labels
    assert vocab.CHIEF_REP_MINIMUM == schema.CHIEF_REP_MINIMUM
    assert vocab.GOV_SERVICE_MINIMUM == schema.GOV_SERVICE_MINIMUM


def test_the_decision_log_reads_the_ids_the_engine_writes():
    pack = load_pack(default_pack_dir())
    engine = Engine(pack)
    engine.load(pack.scenarios["world"])
    person, item = min(engine.world.people), min(engine.world.items)
    ids = [engine.decide(person, "decide", item)["decision_id"] for _ in range(3)]
    parts = [split_id(i) for i in ids]
    assert all(p is not None for p in parts)
    assert len({prefix for prefix, _ in parts}) == 1
    assert [counter for _, counter in parts] == [parts[0][1], parts[0][1] + 1, parts[0][1] + 2]
    assert all(len(i) - len(parts[0][0]) == ID_COUNTER_DIGITS for i in ids)
