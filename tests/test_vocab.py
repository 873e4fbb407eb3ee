"""The shared vocabulary: decision ids read back as they were made; the hall's clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from rules import Engine, default_pack_dir, load_pack
from vocab.clock import SHANGHAI, as_utc
from vocab.ids import COUNTER_DIGITS, id_maker, split_id


def test_an_engine_s_decision_ids_split_into_its_prefix_and_counter():
    pack = load_pack(default_pack_dir())
    engine = Engine(pack)
    engine.load(pack.scenarios["world"])
    person, item = min(engine.world.people), min(engine.world.items)
    ids = [engine.decide(person, "decide", item)["decision_id"] for _ in range(3)]
    parts = [split_id(i) for i in ids]
    assert all(p is not None for p in parts)
    assert len({prefix for prefix, _ in parts}) == 1
    assert [counter for _, counter in parts] == [parts[0][1], parts[0][1] + 1, parts[0][1] + 2]


def test_ids_made_are_ids_read():
    make = id_maker("ab%c", start=0xFFFF)
    first, second = make(), make()
    assert split_id(first) == ("ab%c", 0xFFFF) and split_id(second) == ("ab%c", 0x10000)
    assert len(first) == len("ab%c") + COUNTER_DIGITS
    assert split_id("short") is None and split_id("x" + "g" * COUNTER_DIGITS) is None


def test_the_hall_s_clock_is_beijing_time_and_naive_means_utc():
    noon = datetime(2019, 3, 1, 12, 0, tzinfo=SHANGHAI)
    assert noon.utcoffset() == timedelta(hours=8)
    assert as_utc(noon) == datetime(2019, 3, 1, 4, 0, tzinfo=timezone.utc)
    assert as_utc(datetime(2019, 3, 1, 4, 0)).tzinfo == timezone.utc
