"""Offline export and its verifier: a clean log passes; each kind of tampering is named."""

from __future__ import annotations

import base64
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from signing.export import ENTRIES_FILE, checkpoint_filename, read_checkpoints, read_keys, read_meta, write_export
from signing.keys import KeyStore
from signing.merkle import MemoryTree
from signing.note import format_checkpoint, sign_note
from signing.records import make_leaf
from signing.verify import check_signatures, verify_export

LOG = "onehall.example/log"
N = 200
SIZES = (50, 100, 150, 200)
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
ROTATION = datetime(2024, 6, 1, tzinfo=timezone.utc)


def _records(start: int, stop: int, first: datetime) -> list[dict]:
    return [
        {
            "kind": "authorization",
            "n": i,
            "department": "FGW",
            "filed_at": (first + timedelta(hours=i)).isoformat().replace("+00:00", "Z"),
        }
        for i in range(start, stop)
    ]


def _sign_checkpoints(leaves: list[bytes], signer, sizes=SIZES) -> list[str]:
    tree = MemoryTree.from_entries(leaves)
    return [sign_note(format_checkpoint(LOG, s, tree.root(s)), LOG, signer) for s in sizes]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A key store, 200 signed records across a key rotation, and their export."""
    base = tmp_path_factory.mktemp("export")
    store = KeyStore(base / "keys", b"pass")
    for body in ("dept:FGW", "log"):
        store.ensure(body, at=T0)
    old_dept = store.signer("dept:FGW")._private  # the Ed25519Signer inside, not the store's wrapper
    leaves = [make_leaf(r, store.signer("dept:FGW")) for r in _records(0, 100, T0 + timedelta(days=1))]
    store.rotate("dept:FGW", at=ROTATION)
    leaves += [make_leaf(r, store.signer("dept:FGW")) for r in _records(100, N, ROTATION + timedelta(days=1))]
    log = store.signer("log")
    notes = _sign_checkpoints(leaves, log)
    meta = {"origin": LOG, "log_key_id": log.key_id, "log_name": LOG}
    export = base / "clean"
    assert write_export(export, leaves, notes, store.public_keys(), meta, progress=False) == N
    return {
        "dir": export,
        "leaves": leaves,
        "notes": notes,
        "store": store,
        "log": log,
        "old_dept": old_dept,
        "meta": meta,
    }


@pytest.fixture
def copy(world, tmp_path) -> Path:
    target = tmp_path / "export"
    shutil.copytree(world["dir"], target)
    return target


def _lines(d: Path) -> list[str]:
    return (d / ENTRIES_FILE).read_text().splitlines(keepends=True)


def _write_lines(d: Path, lines: list[str]) -> None:
    (d / ENTRIES_FILE).write_text("".join(lines))


def _leaf_of(line: str) -> bytes:
    return base64.b64decode(json.loads(line)["leaf"])


def _line(index: int, leaf: bytes) -> str:
    return json.dumps({"index": index, "leaf": base64.b64encode(leaf).decode()}) + "\n"


def _check(d: Path, **kw):
    return verify_export(d, workers=1, progress=False, **kw)


def _has(report, text: str, where: str = "errors") -> bool:
    return any(text in e for e in getattr(report, where))


def test_format_on_disk(world) -> None:
    d = world["dir"]
    lines = _lines(d)
    assert len(lines) == N and json.loads(lines[3]) == {
        "index": 3,
        "leaf": base64.b64encode(world["leaves"][3]).decode(),
    }
    assert [name for name, _ in read_checkpoints(d)] == [checkpoint_filename(s) for s in SIZES]
    assert checkpoint_filename(120) == "000000000120.note"
    assert read_meta(d).log_name == LOG
    keys = json.loads((d / "keys.json").read_text())["items"]
    assert {k["body"] for k in keys} == {"dept:FGW", "log"} and len(keys) == 3
    assert set(keys[0]) == {"key_id", "body", "alg", "public_key", "valid_from", "valid_to"}
    assert len(read_keys(d)) == 3


def test_clean_export_verifies(world, capsys) -> None:
    report = verify_export(world["dir"], workers=1, progress=True, trusted_log_keys=[world["log"].public_key_raw])
    assert report.ok, report.summary()
    assert (report.entries, report.checkpoints, report.signatures_checked) == (N, 4, N)
    assert report.root == MemoryTree.from_entries(world["leaves"]).root()
    assert report.warnings == [] and "OK: 200 entries" in report.summary()
    assert "verify" in capsys.readouterr().err  # the tqdm bar goes to stderr


def test_clean_export_with_worker_processes(world) -> None:
    report = verify_export(world["dir"], workers=2, progress=False)
    assert report.ok, report.summary()
    assert report.signatures_checked == N
    assert any("pin it" in w for w in report.warnings)
    assert check_signatures(world["dir"], workers=2, progress=False) == (N, [])


def test_one_changed_byte_in_an_entry(copy) -> None:
    lines = _lines(copy)
    leaf = _leaf_of(lines[17]).replace(b'"department":"FGW"', b'"department":"FGX"')
    lines[17] = _line(17, leaf)
    _write_lines(copy, lines)
    report = _check(copy)
    assert not report.ok
    assert "entry 17: signature does not verify" in report.errors
    assert _has(
        report,
        "checkpoint 000000000050.note: root differs from the entries "
        "(entry changed, removed, reordered or added; the first difference "
        "is in entries 0..49)",
    )
    assert check_signatures(copy, workers=1, progress=False)[1] == ["entry 17: signature does not verify"]


def test_broken_base64_is_named(copy) -> None:
    lines = _lines(copy)
    lines[33] = lines[33].replace('"leaf":"', '"leaf":"%')
    _write_lines(copy, lines)
    report = _check(copy)
    assert _has(report, "entry 33: leaf is not base64 (line 34)")


def test_deleted_entry(copy) -> None:
    lines = _lines(copy)
    del lines[60]
    _write_lines(copy, lines)
    report = _check(copy)
    assert "entry 60: missing (deleted from the entries)" in report.errors
    assert _has(report, "checkpoint 000000000100.note: root differs")
    assert _has(report, "first difference is in entries 50..99")
    assert not _has(report, "000000000050.note")
    assert _has(report, "entries end at 199 but checkpoint 000000000200.note says 200")


def test_swapped_entries(copy) -> None:
    lines = _lines(copy)
    lines[120], lines[121] = lines[121], lines[120]
    _write_lines(copy, lines)
    report = _check(copy)
    assert _has(report, "entry 120: out of order")
    assert _has(report, "checkpoint 000000000150.note: root differs")
    assert _has(report, "entries 100..149")
    assert not _has(report, "000000000100.note")


def test_swapped_leaves_with_indices_kept(copy) -> None:
    lines = _lines(copy)
    a, b = _leaf_of(lines[120]), _leaf_of(lines[121])
    lines[120], lines[121] = _line(120, b), _line(121, a)
    _write_lines(copy, lines)
    report = _check(copy)
    assert _has(report, "checkpoint 000000000150.note: root differs")
    assert _has(report, "entries 100..149")
    assert len(report.errors) == 2  # checkpoints 150 and 200; signatures are still valid


def test_dropped_tail(copy) -> None:
    _write_lines(copy, _lines(copy)[:180])
    report = _check(copy)
    assert report.errors == [
        "entries end at 180 but checkpoint 000000000200.note says 200: log truncated (entries 180..199 are missing)"
    ]


def test_checkpoint_changed_or_badly_signed(copy, make_signer) -> None:
    path = copy / "checkpoints" / "000000000100.note"
    text = path.read_text()
    path.write_text(text.replace("\n100\n", "\n101\n"))
    report = _check(copy)
    assert _has(report, "checkpoint 000000000100.note: signature by onehall.example/log does not verify")
    body = text.split("\n\n")[0] + "\n"
    path.write_text(sign_note(body, LOG, make_signer("not the log")))
    report = _check(copy)
    assert _has(report, "checkpoint 000000000100.note: note carries no signature from a trusted key")


def test_record_signed_with_a_key_not_valid_then(world, copy, make_signer) -> None:
    lines = _lines(copy)
    late = _records(150, 151, ROTATION + timedelta(days=1))[0]
    lines[150] = _line(150, make_leaf(late, world["old_dept"]))  # retired key, later record
    lines[151] = _line(151, make_leaf(_records(151, 152, ROTATION)[0], make_signer("x")))
    _write_lines(copy, lines)
    report = _check(copy)
    old_id = world["old_dept"].key_id
    assert _has(report, f"entry 150: key {old_id} of 'dept:FGW' was not valid at the record time")
    assert _has(report, "entry 151: signed by unknown key")


def test_rewritten_history_is_caught_by_witnessed_checkpoints(world, copy) -> None:
    """Whoever holds the server keys can re-sign a shortened log; a witness copy cannot be."""
    leaves = list(world["leaves"])
    del leaves[10]
    forged_notes = _sign_checkpoints(leaves, world["log"], sizes=(50, 100, 150, 199))
    shutil.rmtree(copy / "checkpoints")
    write_export(copy, leaves, forged_notes, world["store"].public_keys(), world["meta"], progress=False)
    assert _check(copy).ok  # consistent on its own...
    witnessed = copy.parent / "witnessed"
    witnessed.mkdir()
    (witnessed / "000000000100.note").write_text(world["notes"][1])
    report = _check(copy, external_checkpoints=[witnessed, world["notes"][3]])
    assert _has(report, "witnessed checkpoint 000000000100.note: root differs from the entries")
    assert _has(report, "same size 100, different roots")
    assert _has(report, "entries end at 199 but witnessed checkpoint #2 says 200: log truncated")


def test_missing_files_are_reported(copy) -> None:
    (copy / "log.json").unlink()
    assert _check(copy).errors == [
        f"log.json: cannot read it ([Errno 2] No such file or directory: '{copy / 'log.json'}')"
    ]


def test_witness_quorum_of_the_policy(world, copy, make_signer) -> None:
    from signing.policy import LogKey, TrustPolicy, WitnessKey
    from signing.witness import Witness

    witness = Witness(copy.parent / "w", make_signer("witness"), "witness.example")
    cosigned = witness.cosign(world["notes"][1], [], {LOG: world["log"].public_key_raw})
    policy = TrustPolicy(
        (LogKey(LOG, world["log"].public_key_raw),), (WitnessKey("witness.example", witness.signer.public_key_raw),), 1
    )
    report = _check(copy, external_checkpoints=[cosigned], policy=policy)
    assert report.ok and report.checkpoints == 5, report.summary()
    assert report.witnessed_size == SIZES[1]
    assert _has(report, f"not yet witnessed beyond size {SIZES[1]}", where="warnings")
    report = _check(copy, external_checkpoints=[world["notes"][2]], policy=policy)
    assert report.ok and report.witnessed_size == 0
    assert _has(report, "not yet witnessed: no checkpoint carries 1 trusted cosignatures", where="warnings")
    # a cosignature line of a trusted witness that does not verify rejects the note
    bad = cosigned[:-10] + ("A" if cosigned[-10] != "A" else "B") + cosigned[-9:]
    report = _check(copy, external_checkpoints=[bad], policy=policy)
    assert not report.ok
