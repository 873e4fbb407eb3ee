"""Record signatures of a log export, checked in worker processes (docs/design.md §7).

Split from signing.verify, which recomputes the tree and checks the checkpoints: checking
every record's signature with the key valid at the record's time is the slow part of a
verification, so it is spread over processes in chunks; the registry audit uses the same path.
"""

from __future__ import annotations

import os
import sys
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from tqdm import tqdm

from .errors import LeafError
from .export import EntryLine, count_entries, iter_entries, read_keys
from .keys import KeyInfo
from .records import verify_leaf

__all__ = ["CHUNK", "SignatureChecker", "check_leaves", "check_signatures", "entry_label"]

CHUNK = 1000

# -- signature checking, in worker processes -------------------------------------------

_WORKER_KEYS: Mapping[str, KeyInfo] = {}


def _init_worker(keys: Mapping[str, KeyInfo]) -> None:
    global _WORKER_KEYS
    _WORKER_KEYS = keys


def _check_chunk(items: Sequence[tuple[int, bytes]]) -> list[tuple[int, str]]:
    """Verify each ``(entry index, leaf)``; return ``(index, reason)`` for each failure."""
    failures = []
    for index, leaf in items:
        try:
            record = verify_leaf(leaf, _WORKER_KEYS)
        except LeafError as exc:
            failures.append((index, str(exc)))
            continue
        # A record that states its own position (signed, so authentic) names a moved row exactly.
        stated = record.get("log_index")
        if isinstance(stated, int) and not isinstance(stated, bool) and stated != index:
            failures.append((index, f"the record says it is entry {stated}: moved (rows reordered or renumbered)"))
    return failures


class SignatureChecker:
    """Feeds chunks of leaves to a process pool (or checks inline for one worker)."""

    def __init__(self, keys: Mapping[str, KeyInfo], workers: int, bar: tqdm) -> None:
        self._keys = dict(keys)
        self._bar = bar
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[tuple[Future[list[tuple[int, str]]], int]] = deque()
        self._max_pending = max(2, 4 * workers)
        self.failures: list[tuple[int, str]] = []
        self.checked = 0
        if workers > 1:
            self._pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(self._keys,))

    def submit(self, items: list[tuple[int, bytes]]) -> None:
        if not items:
            return
        if self._pool is None:
            _init_worker(self._keys)
            self._done(_check_chunk(items), len(items))
            return
        while len(self._pending) >= self._max_pending:
            fut, n = self._pending.popleft()
            self._done(fut.result(), n)
        self._pending.append((self._pool.submit(_check_chunk, items), len(items)))

    def finish(self) -> None:
        while self._pending:
            fut, n = self._pending.popleft()
            self._done(fut.result(), n)
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _done(self, failures: list[tuple[int, str]], n: int) -> None:
        self.failures.extend(failures)
        self.checked += n
        self._bar.update(n)

    def __enter__(self) -> SignatureChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def check_signatures(directory: Path | str, workers: int | None = None, progress: bool = True) -> tuple[int, list[str]]:
    """Check only the record signatures of an export: ``(count, error messages)``.

    The same parallel path as ``verify_export``, for measuring signature checking alone
    (``bench.log`` ``sig_verify_s_at_1m``).
    """
    directory = Path(directory)
    keys = read_keys(directory)
    workers = max(1, workers or os.cpu_count() or 1)
    errors: list[str] = []
    with (
        tqdm(
            total=count_entries(directory), unit="sig", desc="signatures", disable=not progress, file=sys.stderr
        ) as bar,
        SignatureChecker(keys, workers, bar) as checker,
    ):
        chunk: list[tuple[int, bytes]] = []
        for position, line in enumerate(iter_entries(directory)):
            if line.leaf is None:
                errors.append(f"entry {entry_label(line, position)}: {line.error}")
                continue
            chunk.append((entry_label(line, position), line.leaf))
            if len(chunk) >= CHUNK:
                checker.submit(chunk)
                chunk = []
        checker.submit(chunk)
        checker.finish()
    errors += [f"entry {i}: {why}" for i, why in sorted(checker.failures)]
    return checker.checked, errors


def check_leaves(
    leaves: Iterable[tuple[int, bytes]], keys: Mapping[str, KeyInfo], workers: int | None = None
) -> tuple[int, list[tuple[int, str]]]:
    """Check the signatures of ``(index, leaf)`` pairs on the same parallel path as exports:
    ``(count checked, [(index, why)] failures)`` (used by the registry audit)."""
    workers = max(1, workers or os.cpu_count() or 1)
    with tqdm(disable=True) as bar, SignatureChecker(keys, workers, bar) as checker:
        chunk: list[tuple[int, bytes]] = []
        for item in leaves:
            chunk.append(item)
            if len(chunk) >= CHUNK:
                checker.submit(chunk)
                chunk = []
        checker.submit(chunk)
        checker.finish()
    return checker.checked, sorted(checker.failures)


def entry_label(line: EntryLine, position: int) -> int:
    """The entry number to name in messages: its stated index, else its position."""
    return line.index if line.index is not None else position
