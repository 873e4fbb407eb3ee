"""The database is not trusted (docs/design.md §7): tampering with the stored log is caught offline.

A log of 40 signed records with checkpoints at 8, 16, 24, 32 and 40, kept in the database
and (by the ledger) in a directory outside it. Each test changes the database the way an
insider could (a byte of a leaf, a deleted row, two swapped leaves, a dropped tail), exports
it again as `onehall log export` does, and `onehall verify DIR --checkpoints OUTSIDE` must
exit 1 naming the entry or checkpoint at fault.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from registry.models import Checkpoint, LogEntry
from signing.export import iter_entries
from tests.factories.signed_log import LogHarness

TOTAL, EVERY = 40, 8


@pytest.fixture
def built(logdb: LogHarness) -> LogHarness:
    assert logdb.build(TOTAL, EVERY) == [8, 16, 24, 32, 40]
    assert sorted(p.name for p in logdb.outside.glob("*.note")) == [f"{n:012d}.note" for n in (8, 16, 24, 32, 40)]
    return logdb


def verify(h: LogHarness, directory, expect: int):
    r = h.cli("verify", str(directory), "--vkey", h.vkey(), "--checkpoints", str(h.outside), "--workers", "1")
    out = r.stdout + r.stderr
    assert r.returncode == expect, out
    return r.stdout


def cp(size: int, witnessed: bool = False) -> str:
    return f"{'witnessed ' if witnessed else ''}checkpoint {size:012d}.note"


def test_untouched_log_exported_by_the_cli_verifies(built: LogHarness, tmp_path):
    r = built.cli("log", "export", str(tmp_path / "x"))
    assert r.returncode == 0, r.stderr
    lines = list(iter_entries(tmp_path / "x"))
    assert [e.index for e in lines] == list(range(TOTAL))
    out = verify(built, tmp_path / "x", 0)
    assert out.startswith("OK: 40 entries, 40 signatures, 10 checkpoints")  # 5 exported + 5 outside
    built.assert_nodes_consistent()


def test_verify_trusts_only_keys_it_is_given(built: LogHarness, tmp_path):
    """Issue 13.3: no pinned key, no verdict; a fully re-keyed export fails without --checkpoints."""
    import json

    from signing.export import ExportMeta, write_export
    from signing.keys import KeyStore
    from signing.merkle import MemoryTree
    from signing.note import format_checkpoint, sign_note
    from signing.records import make_leaf, parse_leaf

    built.export(tmp_path / "x")
    r = built.cli("verify", str(tmp_path / "x"), "--workers", "1")
    assert r.returncode == 2 and "未给出可信的日志公钥" in r.stderr, r.stdout + r.stderr
    # the attacker re-signs every record and checkpoint with keys of his own
    evil = KeyStore(tmp_path / "evil-keys", b"evil")
    leaves = [
        make_leaf(parse_leaf(e.leaf)[0], evil.signer(_ensure(evil, "test-body"))) for e in iter_entries(tmp_path / "x")
    ]
    tree = MemoryTree.from_entries(leaves)
    log = evil.signer(_ensure(evil, "log"))
    notes = [
        sign_note(format_checkpoint("onehall.test/log", n, tree.root(n)), "onehall.test/log", log) for n in (8, 40)
    ]
    write_export(
        tmp_path / "evil",
        leaves,
        notes,
        evil.public_keys(),
        ExportMeta("onehall.test/log", log.key_id, "onehall.test/log"),
        progress=False,
    )
    assert built.cli("verify", str(tmp_path / "evil"), "--vkey", _vkey_of(evil), "--workers", "1").returncode == 0
    r = built.cli("verify", str(tmp_path / "evil"), "--vkey", built.vkey(), "--workers", "1")
    assert r.returncode == 1 and "is not a trusted log key" in r.stdout, r.stdout
    (tmp_path / "keys.json").write_text(json.dumps({"items": [k.to_json() for k in built.keys.public_keys()]}))
    r = built.cli("verify", str(tmp_path / "evil"), "--keys", str(tmp_path / "keys.json"), "--workers", "1")
    assert r.returncode == 1 and "is not among the trusted keys" in r.stdout, r.stdout
    r = built.cli("verify", str(tmp_path / "x"), "--keys", str(tmp_path / "keys.json"), "--workers", "1")
    assert r.returncode == 0, r.stdout


def _ensure(store, body: str) -> str:
    from datetime import datetime, timezone

    store.ensure(body, at=datetime(2024, 1, 1, tzinfo=timezone.utc))  # before the records' times
    return body


def _vkey_of(store) -> str:
    from signing.note import vkey

    return vkey("onehall.test/log", store.current("log").public_key)


def test_one_changed_byte_of_a_stored_leaf(built: LogHarness, tmp_path):
    with built.filing() as s:
        leaf = bytes(s.scalar(select(LogEntry.leaf).where(LogEntry.index == 13)))
        at = leaf.index(b"record number 00014") + len(b"record number 0001")
        changed = leaf[:at] + b"5" + leaf[at + 1 :]  # "00014" -> "00015": still canonical JSON
        s.execute(update(LogEntry).where(LogEntry.index == 13).values(leaf=changed))
    r = built.cli("log", "export", str(tmp_path / "x"))  # the CLI reads the tampered row
    assert r.returncode == 0, r.stderr
    out = verify(built, tmp_path / "x", 1)
    assert "error: entry 13: signature does not verify" in out
    assert f"error: {cp(16)}: root differs from the entries" in out
    assert "first difference is in entries 8..15" in out
    assert cp(16, witnessed=True) in out
    assert "entry 12:" not in out and "entry 14:" not in out


def test_a_deleted_row(built: LogHarness, tmp_path):
    with built.filing() as s:
        s.execute(delete(LogEntry).where(LogEntry.index == 26))
    r = built.cli("log", "export", str(tmp_path / "x"))  # the export keeps the stored indices
    assert r.returncode == 0, r.stderr[-2000:]
    out = verify(built, tmp_path / "x", 1)
    assert "error: entry 26: missing (deleted from the entries)" in out
    assert f"error: {cp(32)}: root differs from the entries" in out
    assert "first difference is in entries 24..31" in out
    assert f"{cp(40)} says 40: log truncated" in out
    assert cp(24) not in out  # what came before the deleted row still matches


def test_a_deleted_row_with_the_rest_renumbered(built: LogHarness, tmp_path):
    # The insider closes the gap: rows 27.. move down one index, so the entries look complete
    # and every signature holds; each moved record still states its own index, and the signed
    # checkpoints tell too.
    with built.filing() as s:
        rows = s.execute(
            select(LogEntry.index, LogEntry.leaf, LogEntry.leaf_hash, LogEntry.kind)
            .where(LogEntry.index > 26)
            .order_by(LogEntry.index)
        ).all()
        s.execute(delete(LogEntry).where(LogEntry.index >= 26))
        s.flush()
        for index, leaf, leaf_hash, kind in rows:
            s.add(LogEntry(index=index - 1, leaf=leaf, leaf_hash=leaf_hash, kind=kind))
    assert built.indices() == list(range(39))
    built.export(tmp_path / "x")
    out = verify(built, tmp_path / "x", 1)
    assert "error: entry 26: the record says it is entry 27: moved" in out
    assert "signature" not in out.split("\n", 1)[1]
    assert f"error: {cp(32)}: root differs from the entries" in out
    assert "first difference is in entries 24..31" in out
    assert f"entries end at 39 but {cp(40)} says 40: log truncated (entries 39..39 are missing)" in out
    assert cp(32, witnessed=True) in out and cp(40, witnessed=True) in out
    assert cp(24) not in out


def test_two_swapped_leaves(built: LogHarness, tmp_path):
    with built.filing() as s:
        a = bytes(s.scalar(select(LogEntry.leaf).where(LogEntry.index == 17)))
        b = bytes(s.scalar(select(LogEntry.leaf).where(LogEntry.index == 21)))
        s.execute(update(LogEntry).where(LogEntry.index == 17).values(leaf=b))
        s.execute(update(LogEntry).where(LogEntry.index == 21).values(leaf=a))
    built.export(tmp_path / "x")
    out = verify(built, tmp_path / "x", 1)
    # Each leaf still carries a valid signature: the records' own indices and the signed roots
    # catch the order.
    assert "signature" not in out.split("\n", 1)[1]
    assert "error: entry 17: the record says it is entry 21: moved" in out
    assert "error: entry 21: the record says it is entry 17: moved" in out
    assert f"error: {cp(24)}: root differs from the entries" in out
    assert "first difference is in entries 16..23" in out
    assert cp(24, witnessed=True) in out
    assert cp(16) not in out


def test_dropped_tail_with_its_checkpoints(built: LogHarness, tmp_path):
    # The insider drops the last five rows and the checkpoint rows that covered them, so the
    # database looks like a consistent log of 35; the copies kept outside still say 40.
    with built.filing() as s:
        s.execute(delete(LogEntry).where(LogEntry.index >= 35))
        s.execute(delete(Checkpoint).where(Checkpoint.tree_size > 35))
    assert built.export(tmp_path / "x") == 35
    out = verify(built, tmp_path / "x", 1)
    assert (
        f"entries end at 35 but {cp(40, witnessed=True)} says 40: log truncated (entries 35..39 are missing)"
    ) in out
    assert "root differs" not in out  # the 35 that remain are intact
