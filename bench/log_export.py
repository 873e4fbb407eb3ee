"""bench.log's export figures: `verify_s_at_1m` (signing.verify.verify_export of a 1,000,000-entry
export) beside `sig_verify_s_at_1m` (signing.verify.check_signatures alone); see bench.log."""

from __future__ import annotations

import base64
import hashlib
import json
import multiprocessing
import resource
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.log_records import BODY, ORIGIN, median, size_label, seal_use_record
from signing import merkle
from signing.canonical import canonical_json
from signing.export import ExportMeta, write_export
from signing.keys import ALG_ED25519, Ed25519Signer, KeyInfo
from signing.note import format_checkpoint, sign_note
from signing.verify import check_signatures, verify_export

# -- an export of a million signed entries --------------------------------------------------------

_SIGNER_SEED = hashlib.sha256(b"bench.log record key").digest()
_LOG_SEED = hashlib.sha256(b"bench.log log key").digest()
_W_SIGNER: Ed25519Signer | None = None


def _record_bytes(i: int) -> bytes:
    rec = seal_use_record(i)
    rec["commitments"] = {"person_name": hashlib.sha256(b"c%d" % i).hexdigest()}
    rec["log_index"] = i
    # ASCII strings without escapes, small integers, null: sorted compact JSON is RFC 8785.
    return json.dumps(rec, sort_keys=True, separators=(",", ":")).encode()


def _leaves(span: tuple[int, int]) -> list[bytes]:
    global _W_SIGNER
    if _W_SIGNER is None:
        _W_SIGNER = Ed25519Signer.from_seed(_SIGNER_SEED)
    s = _W_SIGNER
    head = b',"sig":{"alg":"ed25519","key_id":"' + s.key_id.encode() + b'","value":"'
    out = []
    for i in range(*span):
        rb = _record_bytes(i)
        out.append(b'{"record":' + rb + head + base64.b64encode(s.sign(rb)) + b'"}}')
    return out


def build_export(directory: Path, n: int, workers: int) -> dict:
    t0 = time.perf_counter()
    signer = Ed25519Signer.from_seed(_SIGNER_SEED)
    log_signer = Ed25519Signer.from_seed(_LOG_SEED)
    for i in (0, 1, n - 1):  # the template is the canonical form signing.records would produce
        leaf = _leaves((i, i + 1))[0]
        obj = json.loads(leaf)
        assert canonical_json(obj) == leaf and canonical_json(obj["record"]) == _record_bytes(i)
    tree = merkle.MemoryTree()
    sizes = sorted({n // 4, n // 2, 3 * n // 4, n} - {0})
    notes: list[str] = []
    chunk = 5000
    spans = [(a, min(a + chunk, n)) for a in range(0, n, chunk)]

    def stream():
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for leaves in pool.imap(_leaves, spans):
                for leaf in leaves:
                    tree.append_data(leaf)
                    yield leaf
                    if tree.size in sizes:
                        body = format_checkpoint(ORIGIN, tree.size, tree.root())
                        notes.append(sign_note(body, ORIGIN, log_signer))

    since = datetime(2020, 1, 1, tzinfo=timezone.utc)
    keys = [
        KeyInfo(signer.key_id, ALG_ED25519, BODY, signer.public_key_raw, since),
        KeyInfo(log_signer.key_id, ALG_ED25519, "log", log_signer.public_key_raw, since),
    ]
    meta = ExportMeta(ORIGIN, log_signer.key_id, ORIGIN)
    count = write_export(directory, stream(), [], keys, meta, progress=False, total=n)
    write_export_checkpoints(directory, notes, keys, meta)
    assert count == n and len(notes) == len(sizes)
    return {"build_s": round(time.perf_counter() - t0, 1), "bytes": (directory / "entries.jsonl").stat().st_size}


def write_export_checkpoints(directory: Path, notes: list[str], keys, meta) -> None:
    """The checkpoints are signed while the entries stream; write them afterwards."""
    from signing.export import checkpoint_filename, checkpoint_size_of
    from signing.fileutil import atomic_write

    for note in notes:
        atomic_write(directory / "checkpoints" / checkpoint_filename(checkpoint_size_of(note)), note.encode())


def cpu_s() -> float:
    """CPU seconds of this process and of its reaped children (the verifier's workers)."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def run_verify(directory: Path, workers: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of verify_export."""
    c0, t0 = cpu_s(), time.perf_counter()
    report = verify_export(directory, workers=workers, progress=False)
    elapsed, cpu = time.perf_counter() - t0, cpu_s() - c0
    assert report.ok and report.checkpoints >= 1, report.summary()
    return elapsed, cpu


def run_sig_verify(directory: Path, workers: int, n: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of check_signatures."""
    c0, t0 = cpu_s(), time.perf_counter()
    count, errors = check_signatures(directory, workers=workers, progress=False)
    elapsed, cpu = time.perf_counter() - t0, cpu_s() - c0
    assert count == n and not errors, errors[:3]
    return elapsed, cpu


def section_verify(work: Path, n: int, runs: int, workers: int) -> dict:
    label = size_label(n)
    export_dir = work / "export"
    built = build_export(export_dir, n, workers)
    ver, sig = [], []
    for _ in range(runs):  # alternate, so that load from elsewhere falls on both alike
        ver.append(run_verify(export_dir, workers))
        sig.append(run_sig_verify(export_dir, workers, n))
    verify_s, sig_verify_s = median([w for w, _ in ver]), median([w for w, _ in sig])
    verify_cpu, sig_cpu = median([c for _, c in ver]), median([c for _, c in sig])
    return {
        f"verify_s_at_{label}": round(verify_s, 2),
        f"sig_verify_s_at_{label}": round(sig_verify_s, 2),
        "verify_ratio": round(verify_s / sig_verify_s, 3),
        # CPU seconds (main process + workers): the work itself, whatever else the machine runs
        f"verify_cpu_s_at_{label}": round(verify_cpu, 2),
        f"sig_verify_cpu_s_at_{label}": round(sig_cpu, 2),
        "verify_cpu_ratio": round(verify_cpu / sig_cpu, 3),
        "verify_runs": runs,
        "verify_workers": workers,
        "export": built,
        "verify_s_all": [round(w, 2) for w, _ in ver],
        "sig_verify_s_all": [round(w, 2) for w, _ in sig],
    }
