"""registry.log_reader: the log's proofs and receipts, read with the key store it is given."""

from __future__ import annotations

import pytest

from registry.log_reader import LogReader
from signing import merkle
from signing.errors import ReceiptError
from signing.receipt import verify_receipt
from tests.factories.signed_log import ORIGIN, LogHarness


def _reader(h: LogHarness) -> LogReader:
    return LogReader(h.sessions, h.log.checkpointer, h.keys, ORIGIN, wait_ms=1000)


def test_receipts_verify_with_the_log_key_that_signed_their_checkpoint_across_a_rotation(logdb: LogHarness):
    logdb.append(5)
    first = logdb.checkpoint()
    old_key = logdb.keys.current("log").public_key
    logdb.keys.rotate("log")
    new_key = logdb.keys.current("log").public_key
    logdb.append(4)
    second = logdb.checkpoint()
    reader = _reader(logdb)
    # The key is found by the checkpoint's signature, not taken as the current one.
    assert reader.checkpoint_key(first.note) == old_key != new_key == reader.checkpoint_key(second.note)

    receipt = reader.receipt(2)  # the latest checkpoint covers it: signed by the new key
    assert receipt["tree_size"] == 9 and receipt["leaf_index"] == 2
    result = verify_receipt(receipt, trusted_log_key=new_key, record_keys=logdb.keys.key_for)
    assert result.record_verified and result.log_key_trusted
    with pytest.raises(ReceiptError):
        verify_receipt(receipt, trusted_log_key=old_key)  # the retired key did not sign this checkpoint


def test_proofs_from_the_stored_nodes_match_the_tree_of_the_leaves(logdb: LogHarness):
    logdb.append(13)
    from registry.models import LogEntry

    with logdb.sessions() as s:
        leaves = [bytes(e.leaf) for e in s.query(LogEntry).order_by(LogEntry.index)]
        tree = merkle.MemoryTree.from_entries(leaves)
        for index, size in ((0, 1), (6, 13), (12, 13), (7, 8)):
            assert LogReader.inclusion_proof(s, index, size) == tree.inclusion_proof(index, size)
        for first, second in ((1, 13), (8, 13), (5, 6)):
            assert LogReader.consistency_proof(s, first, second) == tree.consistency_proof(first, second)


def test_a_receipt_for_an_entry_that_is_not_there_is_refused(logdb: LogHarness):
    logdb.append(2)
    logdb.checkpoint()
    with pytest.raises(LookupError):
        _reader(logdb).receipt(7, wait_ms=0)
