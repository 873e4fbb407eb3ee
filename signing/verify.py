"""The offline verifier of a log export (``onehall verify DIR``).

The database is not trusted (docs/design.md §7): this recomputes the RFC 9162 tree from the
exported entries and compares it with signed checkpoints, the exported ones and any kept
elsewhere (e.g. cosigned by a witness). It also checks every record's signature with the
key valid at the record's time, spread over processes because that is the slow part.
The report names the entry or checkpoint at fault and why.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from .errors import NoteError, ProofError
from .export import (
    ENTRIES_FILE,
    ExportMeta,
    checkpoint_filename,
    count_entries,
    iter_entries,
    read_checkpoints,
    read_keys,
    read_meta,
)
from .keys import ALG_SM2, KeyInfo
from .merkle import MemoryTree, leaf_hash, verify_consistency
from .note import Checkpoint
from .note_sm2 import LOG_SM2_BODY, check_sm2_lines
from .policy import LogKey, TrustPolicy, check_checkpoint
from .verify_signatures import CHUNK, SignatureChecker, check_leaves, check_signatures, entry_label
from .verify_trust import check_pinned, witness_findings

__all__ = ["VerifyReport", "verify_export", "check_signatures", "check_leaves"]

MAX_ENTRY_ERRORS = 1000


@dataclass
class VerifyReport:
    """Outcome of ``verify_export``: ``ok`` when no error was found."""

    directory: str
    entries: int = 0
    checkpoints: int = 0
    signatures_checked: int = 0
    size: int = 0
    root: bytes = b""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    omitted_errors: int = 0
    log_key_pinned: bool = False
    witness_quorum: int = 0
    witnessed_size: int = 0
    """The largest checkpoint size cosigned by a quorum of the policy's witnesses."""

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """A human-readable report, one finding per line."""
        head = "OK" if self.ok else f"FAILED ({len(self.errors) + self.omitted_errors} errors)"
        lines = [
            f"{head}: {self.entries} entries, {self.signatures_checked} signatures, "
            f"{self.checkpoints} checkpoints; root {self.root.hex() or '-'} at size {self.size}"
        ]
        lines += [f"error: {e}" for e in self.errors]
        if self.omitted_errors:
            lines.append(f"error: ... and {self.omitted_errors} more entry errors")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


@dataclass(frozen=True)
class _SeenCheckpoint:
    label: str
    checkpoint: Checkpoint
    witnessed: bool = False


# -- the whole verification ------------------------------------------------------------


def verify_export(
    directory: Path | str,
    workers: int | None = None,
    progress: bool = True,
    external_checkpoints: Iterable[str | Path] = (),
    trusted_log_keys: Sequence[bytes] | None = None,
    policy: TrustPolicy | None = None,
) -> VerifyReport:
    """Verify an export directory (format of ``signing.export``); never raises on bad data.

    ``external_checkpoints`` are signed checkpoint notes kept outside the database (texts,
    or paths of files or of directories of ``*.note`` files); ``trusted_log_keys`` or a
    ``policy`` pins the log key instead of trusting ``keys.json`` (a policy from a saved
    keys answer pins the record keys too); a policy's witnesses and quorum say which
    checkpoints count as witnessed (``witnessed_size``).
    """
    directory = Path(directory)
    report = VerifyReport(directory=str(directory))
    workers = max(1, workers or os.cpu_count() or 1)
    try:
        meta = read_meta(directory)
        keys = read_keys(directory)
    except ValueError as exc:
        report.errors.append(str(exc))
        return report
    if not (directory / ENTRIES_FILE).is_file():
        report.errors.append(f"{ENTRIES_FILE} is missing")
        return report

    if policy is None and trusted_log_keys is not None:
        policy = TrustPolicy(tuple(LogKey(None, bytes(k)) for k in trusted_log_keys))
    report.log_key_pinned = policy is not None
    report.witness_quorum = policy.quorum if policy is not None else 0
    if policy is None:
        policy = TrustPolicy(tuple(LogKey(None, k) for k in _exported_log_keys(meta, keys)))
    else:
        check_pinned(meta, keys, policy, report)
    record_keys = policy.record_keys if policy.record_keys is not None else keys
    tree = _read_entries(directory, record_keys, workers, progress, report)
    report.entries = report.size = tree.size
    report.root = tree.root()

    seen: list[_SeenCheckpoint] = []
    for name, text in read_checkpoints(directory):
        cp = _open_checkpoint(f"checkpoint {name}", text, meta, policy, report)
        if cp is not None:
            if name != checkpoint_filename(cp.checkpoint.size):
                report.errors.append(f"checkpoint {name}: its tree size is {cp.checkpoint.size}")
            seen.append(cp)
    for label, text in _external_notes(external_checkpoints, report):
        cp = _open_checkpoint(f"witnessed checkpoint {label}", text, meta, policy, report)
        if cp is not None:
            seen.append(cp)
    report.checkpoints = len(seen)
    _check_sm2_lines(directory, meta, record_keys, report)
    _check_checkpoints(tree, seen, report)
    witness_findings(seen, report)
    if not report.log_key_pinned:
        report.warnings.append(
            "the log key was taken from keys.json; pin it (trusted log key) to rule out a replaced key"
        )
    return report


def _exported_log_keys(meta: ExportMeta, keys: Mapping[str, KeyInfo]) -> list[bytes]:
    """Keys that may sign checkpoints per the export itself: log.json's key, earlier log keys."""
    return [k.public_key for k in keys.values() if k.key_id == meta.log_key_id or k.body == "log"]


def _read_entries(
    directory: Path, keys: Mapping[str, KeyInfo], workers: int, progress: bool, report: VerifyReport
) -> MemoryTree:
    """Hash the entries into a tree in file order; check indices and signatures."""
    tree = MemoryTree()
    seen = bytearray()  # one flag per entry index, for missing and duplicate entries
    entry_errors: list[tuple[int, str]] = []
    order_errors: list[str] = []
    prev_index: int | None = None
    with (
        tqdm(total=count_entries(directory), unit="entry", desc="verify", disable=not progress, file=sys.stderr) as bar,
        SignatureChecker(keys, workers, bar) as checker,
    ):
        chunk: list[tuple[int, bytes]] = []
        for position, line in enumerate(iter_entries(directory)):
            label = entry_label(line, position)
            if line.leaf is None:
                tree.append(leaf_hash(line.raw))  # keeps later positions; roots will differ
                entry_errors.append((label, f"{line.error} (line {line.line_no})"))
                bar.update(1)
                continue
            tree.append(leaf_hash(line.leaf))
            if line.index is not None:
                if line.index >= len(seen):
                    seen.extend(bytes(line.index + 1 - len(seen)))
                if seen[line.index]:
                    order_errors.append(f"entry {line.index}: appears more than once (again on line {line.line_no})")
                seen[line.index] = 1
                if prev_index is not None and line.index < prev_index:
                    order_errors.append(
                        f"entry {line.index}: out of order (on line {line.line_no}, after entry {prev_index})"
                    )
                prev_index = line.index
            else:
                entry_errors.append((label, f"{line.error} (line {line.line_no})"))
            chunk.append((label, line.leaf))
            if len(chunk) >= CHUNK:
                checker.submit(chunk)
                chunk = []
        checker.submit(chunk)
        checker.finish()
    report.signatures_checked = checker.checked
    missing = [i for i, flag in enumerate(seen) if not flag]
    entry_errors += checker.failures
    entry_errors.sort(key=lambda e: e[0])
    messages = [f"entry {i}: missing (deleted from the entries)" for i in missing]
    messages += order_errors
    messages += [f"entry {i}: {why}" for i, why in entry_errors]
    report.errors += messages[:MAX_ENTRY_ERRORS]
    report.omitted_errors += max(0, len(messages) - MAX_ENTRY_ERRORS)
    return tree


def _check_sm2_lines(directory: Path, meta: ExportMeta, keys: Mapping[str, KeyInfo], report: VerifyReport) -> None:
    """A checkpoint's SM2 line by a known log SM2 key (pinned, else keys.json) must verify."""
    sm2_keys = [k.public_key for k in keys.values() if k.body == LOG_SM2_BODY and k.alg == ALG_SM2]
    if not sm2_keys:
        return
    for name, text in read_checkpoints(directory):
        try:
            check_sm2_lines(text, meta.log_name, sm2_keys)
        except NoteError as exc:
            report.errors.append(f"checkpoint {name}: {exc}")


def _external_notes(sources: Iterable[str | Path], report: VerifyReport) -> Iterator[tuple[str, str]]:
    """Resolve external checkpoints given as note texts, files or directories of notes."""
    for i, source in enumerate(sources):
        if isinstance(source, str) and "\n" in source:
            yield f"#{i + 1}", source
            continue
        path = Path(source)
        paths = sorted(path.glob("*.note")) if path.is_dir() else [path]
        for p in paths:
            try:
                yield p.name, p.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                report.errors.append(f"witnessed checkpoint {p}: cannot read it ({exc})")


def _open_checkpoint(
    label: str, text: str, meta: ExportMeta, policy: TrustPolicy, report: VerifyReport
) -> _SeenCheckpoint | None:
    """Verify one checkpoint note by a trusted log key and parse it; report and skip if bad."""
    try:
        checked = check_checkpoint(text, policy, meta.log_name)
    except NoteError as exc:
        report.errors.append(f"{label}: {exc}")
        return None
    if checked.checkpoint.origin != meta.origin:
        report.errors.append(f"{label}: origin {checked.checkpoint.origin!r} is not {meta.origin!r}")
        return None
    return _SeenCheckpoint(label, checked.checkpoint, checked.witnessed)


def _flush_later(
    later: list[str],
    report: VerifyReport,
    what: str = "root differs from the entries too (each includes the difference above)",
) -> None:
    """Report in one line the checkpoints that repeat a problem reported just before."""
    names = [x for x in later if x]
    if names:
        listed = (
            ", ".join(names) if len(names) <= 5 else (f"{', '.join(names[:3])}, ... {names[-1]} ({len(names)} in all)")
        )
        report.errors.append(f"{listed}: {what}")
    later.clear()


def _check_checkpoints(tree: MemoryTree, seen: list[_SeenCheckpoint], report: VerifyReport) -> None:
    """Compare each checkpoint with the recomputed tree, and checkpoints with each other."""
    n = tree.size
    matched: dict[int, bool] = {}
    ordered = sorted(seen, key=lambda s: (s.checkpoint.size, s.label))
    since = 0  # size of the last checkpoint whose root matched
    later: list[str] = []  # mismatches after the first one since that matching checkpoint
    beyond = [s for s in ordered if s.checkpoint.size > n]
    for s in ordered:
        cp = s.checkpoint
        if cp.size > n:
            continue
        ok = tree.root(cp.size) == cp.root
        matched[id(s)] = ok
        if ok:
            _flush_later(later, report)
            since = cp.size
        elif later:
            later.append(s.label)
        else:
            report.errors.append(
                f"{s.label}: root differs from the entries (entry changed, removed, reordered "
                f"or added; the first difference is in entries {since}..{cp.size - 1})"
            )
            later.append("")  # marks the group as open; names follow
    _flush_later(later, report)
    if beyond:
        first = beyond[0]
        report.errors.append(
            f"entries end at {n} but {first.label} says {first.checkpoint.size}: log truncated "
            f"(entries {n}..{first.checkpoint.size - 1} are missing)"
        )
        later = [""] + [s.label for s in beyond[1:]]
        _flush_later(later, report, "size beyond the entries too (log truncated)")
    # Consecutive checkpoints: one size, one root; and each extends the previous one
    # (RFC 9162 §2.1.4.2, with a proof from the recomputed tree).
    for a, b in zip(ordered, ordered[1:]):
        ca, cb = a.checkpoint, b.checkpoint
        if ca.size == cb.size:
            if ca.root != cb.root:
                report.errors.append(
                    f"{a.label} and {b.label}: same size {ca.size}, different roots "
                    "(the log signed two inconsistent checkpoints)"
                )
            continue
        if ca.size == 0 or cb.size > n or not (matched.get(id(a)) and matched.get(id(b))):
            continue  # nothing to prove, or already reported above
        try:
            verify_consistency(ca.size, cb.size, tree.consistency_proof(ca.size, cb.size), ca.root, cb.root)
        except ProofError as exc:
            report.errors.append(f"{a.label} and {b.label}: not consistent ({exc})")
    covered = max((s.checkpoint.size for s in ordered), default=0)
    if not ordered:
        report.warnings.append("no valid checkpoint: the entries are not anchored by any")
    elif covered < n:
        report.warnings.append(f"entries {covered}..{n - 1} are not yet covered by a checkpoint")
