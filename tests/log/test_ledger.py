"""SignedLog over the database: what two workers and a rolled-back filing do to the stored tree."""

from __future__ import annotations

import pytest

from registry import ledger as ledger_mod
from registry import log_tail
from signing import merkle
from signing.verify import verify_export
from tests.factories.signed_log import BODY, LogHarness


class Abort(Exception):
    pass


def test_a_rolled_back_append_does_not_poison_the_frontier_cache(logdb: LogHarness, tmp_path):
    """Worker A's append is rolled back (the filing failed after logging), worker B appends
    at that index, then A appends again: A must not reuse the nodes of its undone leaf."""
    a, b = logdb.log, logdb.new_log()
    logdb.append(3, log=a)
    with pytest.raises(Abort):
        with logdb.filing() as session:
            a.append(session, kind="test", body=BODY, record=logdb.record())
            raise Abort
    assert logdb.append(1, log=b) == [3]
    assert logdb.append(5, log=a) == [4, 5, 6, 7, 8]
    logdb.assert_nodes_consistent()
    logdb.checkpoint()
    logdb.export(tmp_path / "x")
    report = verify_export(tmp_path / "x", workers=1, progress=False, external_checkpoints=[logdb.outside])
    assert report.ok, report.summary()


def test_two_workers_alternating_keep_every_node_right(logdb: LogHarness):
    a, b = logdb.log, logdb.new_log()
    for i in range(40):
        logdb.append(1 + i % 3, log=a if i % 2 else b)
    logdb.assert_nodes_consistent()


def test_checkpoint_is_signed_over_the_stored_root_and_only_when_the_tree_grew(logdb: LogHarness):
    assert logdb.checkpoint() is None  # empty log: nothing to sign
    logdb.append(5)
    cp = logdb.checkpoint()
    assert cp.tree_size == 5 and logdb.checkpoint() is None
    with logdb.sessions() as s:
        assert bytes.fromhex(cp.root_hash) == merkle.root_at(5, ledger_mod.node_getter(s))
    assert (logdb.outside / "000000000005.note").read_text() == cp.note


def test_a_key_rotated_by_another_worker_signs_the_next_append(logdb: LogHarness, tmp_path):
    """Worker A keeps its signer between appends; worker B (its own key store over the same
    directory) rotates the body's key. A's next leaf is signed by the new key, and the whole
    log still verifies: the retired key signed nothing after its end."""
    from datetime import datetime, timezone

    from registry.models import LogEntry
    from signing.keys import KeyStore
    from signing.records import parse_leaf
    from tests.factories.signed_log import PASSPHRASE

    def append_now() -> None:
        with logdb.filing() as session:
            now = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
            logdb.log.append(session, kind="test", body=BODY, record={"type": "test", "filed_at": now})

    logdb.keys.ensure(BODY, at=datetime(2024, 1, 1, tzinfo=timezone.utc))
    append_now(), append_now()
    old = logdb.keys.current(BODY)
    new = KeyStore(logdb.key_dir, PASSPHRASE).rotate(BODY)
    assert new.key_id != old.key_id
    append_now(), append_now()
    with logdb.sessions() as s:
        signed_by = [parse_leaf(e.leaf)[1].key_id for e in s.query(LogEntry).order_by(LogEntry.index)]
    assert signed_by == [old.key_id, old.key_id, new.key_id, new.key_id]
    logdb.checkpoint()
    logdb.export(tmp_path / "x")
    report = verify_export(tmp_path / "x", workers=1, progress=False, external_checkpoints=[logdb.outside])
    assert report.ok, report.summary()


def test_appends_in_one_transaction_carry_the_tree_forward(logdb: LogHarness):
    """A transaction appending several leaves (an acceptance logs two) reads the tail once and carries
    the right edge forward; every size it passes, odd and even, leaves the stored tree right. A
    savepoint rolled back after an append undoes it, and the next append reads the tail again."""
    for count in (1, 2, 3, 5, 7):
        with logdb.filing() as session:
            indexes = [
                logdb.log.append(session, kind="test", body=BODY, record=logdb.record()).index for _ in range(count)
            ]
        assert indexes == list(range(indexes[0], indexes[0] + count))
    logdb.assert_nodes_consistent()
    with logdb.filing() as session:
        first = logdb.log.append(session, kind="test", body=BODY, record=logdb.record()).index
        with pytest.raises(Abort):
            with session.begin_nested():
                logdb.log.append(session, kind="test", body=BODY, record=logdb.record())
                raise Abort
        assert logdb.log.append(session, kind="test", body=BODY, record=logdb.record()).index == first + 1
    logdb.assert_nodes_consistent()


def test_a_worker_reuses_the_edge_it_committed_while_the_log_ends_with_its_leaf(logdb: LogHarness, monkeypatch):
    """SQLite: after its commit a worker keeps the right edge it computed; its next transaction reads
    only the last leaf under the lock and reuses that edge while the log still ends with its own leaf.
    Once another worker has appended, it reads the edge again (here: the edge query fails)."""
    if logdb.engine.dialect.name != "sqlite":
        pytest.skip("the committed tail is kept on SQLite only")
    a, b = logdb.log, logdb.new_log()
    broken = "SELECT no_such_column FROM log_entries"
    logdb.append(3, log=a)
    monkeypatch.setattr(log_tail, "_TAIL_AND_EDGE", broken)
    assert logdb.append(2, log=a) == [3, 4]  # the edge of its own commit: not read
    monkeypatch.undo()
    assert logdb.append(1, log=b) == [5]
    monkeypatch.setattr(log_tail, "_TAIL_AND_EDGE", broken)
    with pytest.raises(Exception, match="no_such_column"):
        logdb.append(1, log=a)  # the log no longer ends with a's leaf: the edge is read again
    monkeypatch.undo()
    assert logdb.append(2, log=a) == [6, 7]
    logdb.assert_nodes_consistent()
