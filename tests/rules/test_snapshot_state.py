"""The engine's records as a worker's snapshot stores them (application.snapshot, issue 14.9): each
slotted record pickles as the tuple of its slots and comes back whole, alike authorizations share
their powers and scopes, and an engine adopting the restored facts answers as the one that derived them."""

import gc
import io
import pickle

from hypothesis import HealthCheck, given, settings

from application.snapshot import _Pickler, _Unpickler
from rules import Engine
from rules.records import AuthRec, ItemRec, PersonRec, PlaceRec, SealRec
from tests.factories.engine_worlds import (
    PACK,
    all_answers as _all_answers,
    changes,
    snapshot_of as _snapshot,
    world_with_an_a_post as _world_with_an_a_post,
)

RECORDS = (PersonRec, ItemRec, PlaceRec, SealRec, AuthRec)


def _roundtrip(engine: Engine):
    st = engine._state
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump((st.world, st.index))
    buf.seek(0)
    return _Unpickler(buf, PACK).load()


def _slots(rec) -> dict:
    return {name: getattr(rec, name) for name in type(rec).__slots__ if name != "plan"}


def _loaded() -> Engine:
    snap = _world_with_an_a_post()
    b_post = {**snap["authorizations"][0], "id": 2, "grantee": {"person": 2}, "post": "B", "backs": 1, "log_index": 8}
    snap["authorizations"].append(b_post)
    e = Engine(PACK)
    e.load(snap)
    return e


def test_every_record_kind_keeps_all_its_slots_through_the_snapshot():
    e = _loaded()
    world, _ = _roundtrip(e)
    tables = {PersonRec: "people", ItemRec: "items", PlaceRec: "places", SealRec: "seals", AuthRec: "auths"}
    for cls in RECORDS:
        before, after = getattr(e.world, tables[cls]), getattr(world, tables[cls])
        assert before, cls
        assert set(before) == set(after)
        for key, rec in before.items():
            got = after[key]
            assert type(got) is cls
            for name, value in _slots(rec).items():
                if isinstance(value, (PersonRec, AuthRec)):  # records: compared by identity of their key
                    assert getattr(got, name).id == value.id, (cls, name)
                elif name == "auths":
                    assert [a.id for a in getattr(got, name)] == [a.id for a in value]
                elif name == "rules":
                    assert [[r.id for r in rs] for rs in getattr(got, name)] == [[r.id for r in rs] for rs in value]
                else:
                    assert getattr(got, name) == value, (cls, name)
    # the restored records still point at each other: the B post at its A, the person at their grants
    assert world.auths[2].backs_rec is world.auths[1]
    assert world.people[1].auth is world.auths[1]


def test_a_record_missing_a_slot_value_in_its_state_is_refused():
    rec = _loaded().world.auths[1]
    state = rec.__getstate__()
    assert len(state) == len(AuthRec.__slots__)
    fresh = AuthRec.__new__(AuthRec)
    try:
        fresh.__setstate__(state[:-1])
    except ValueError:
        pass
    else:  # pragma: no cover - a short state must never be taken silently
        raise AssertionError("a short state was taken")


def test_alike_authorizations_share_their_powers_and_scope():
    row = {"id": 1, "grantor": "D1", "grantee": {"person": 1}, "powers": ["decide", "accept"], "items": ["I1", "I2"]}
    a, b = AuthRec(row), AuthRec({**row, "id": 2, "powers": ["accept", "decide"], "items": ["I2", "I1"]})
    assert a.powers is b.powers and a.items is b.items


def test_the_restored_facts_are_in_the_oldest_generation_not_the_young_one():
    from application.snapshot import restore

    e = _loaded()
    st = e._state
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump((st.world, st.index, None))
    buf.seek(0)
    gc.collect()
    engine, _ = restore({"pack_digest": PACK.digest}, buf, PACK)
    assert gc.isenabled()
    rec = engine.world.auths[1]
    for young in (0, 1):  # not walked by the young collections
        assert not any(o is rec for o in gc.get_objects(generation=young))
    if gc.get_freeze_count() == 0:  # the oldest generation, unless this process keeps a frozen heap
        assert any(o is rec for o in gc.get_objects(generation=2))


def test_in_a_process_keeping_a_frozen_heap_the_restored_facts_join_it():
    from application.snapshot import restore

    st = _loaded()._state
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump((st.world, st.index, None))
    buf.seek(0)
    gc.freeze()  # as web.server does once a worker's engine is built
    try:
        frozen = gc.get_freeze_count()
        engine, _ = restore({"pack_digest": PACK.digest}, buf, PACK)  # a pack switch, later
        assert gc.get_freeze_count() > frozen
        rec = engine.world.auths[1]
        assert not any(o is rec for g in (0, 1, 2) for o in gc.get_objects(generation=g))
    finally:
        gc.unfreeze()
    assert engine.world.auths[2].backs_rec is engine.world.auths[1]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes(), changes())
def test_an_engine_from_the_snapshot_answers_as_the_one_that_derived_it_and_after_changes_too(chs, later):
    """`later` re-files the same ids with new grantees, posts, backs and scopes: the lookups a
    snapshot leaves out (World.backed_by, DecisionIndex.keys_of_auth) are rebuilt exactly."""
    fresh = Engine(PACK)
    fresh.load(_snapshot(chs))
    world, index = _roundtrip(fresh)
    assert world.backed_by is None and index.keys_of_auth is None
    adopted = Engine(PACK)
    adopted.adopt(world, index)
    assert _all_answers(adopted) == _all_answers(fresh)
    for kind, rec in later:
        for e in (fresh, adopted):
            e.apply({"kind": kind, "op": "upsert", "record": rec})
    assert _all_answers(adopted) == _all_answers(fresh)
    assert {k: v for k, v in adopted.world._backers().items() if v} == {
        k: v for k, v in fresh.world._backers().items() if v
    }
    got, want = adopted._state.index._keys(), fresh._state.index._keys()
    assert {k: sorted(set(v), key=repr) for k, v in got.items()} == {
        k: sorted(set(v), key=repr) for k, v in want.items() if v
    }
