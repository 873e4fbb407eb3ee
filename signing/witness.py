"""A witness: cosigns a log's checkpoints only while the log stays append-only.

The database is not trusted (docs/design.md §7). A witness outside it remembers, per log origin,
the last checkpoint it cosigned, and answers ``add-checkpoint`` as c2sp.org/tlog-witness
specifies: the checkpoint must be signed by a log key it trusts for that origin (404 for
an unknown origin, 403 otherwise), the request's old size must be what it last cosigned
(409 with that size), and an RFC 6962 consistency proof must lead from there to the new
tree (422). It then returns a ``cosignature/v1`` line. Check and update are one atomic
step (an SQLite ``BEGIN IMMEDIATE`` transaction, so also across processes), and the state is
committed durably (WAL, ``synchronous=FULL``: one fsync) before answering.

This module is the protocol without HTTP (``web.witness_server`` serves it).
"""

from __future__ import annotations

import base64
import binascii
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .cosignature import cosign, cosignature_key_id, signature_lines
from .errors import NoteError, ProofError, WitnessError
from .keys import Signer
from .merkle import verify_consistency
from .note import Checkpoint, Verifiers, open_note, parse_checkpoint, split_note

__all__ = [
    "AddCheckpoint",
    "Witness",
    "WitnessRefusal",
    "WitnessState",
    "format_add_checkpoint",
    "parse_add_checkpoint",
]

MAX_PROOF_LINES = 63
MAX_REQUEST_BYTES = 1 << 20
_OLD = re.compile(r"old (0|[1-9][0-9]{0,18})")


class WitnessRefusal(WitnessError):
    """A refused add-checkpoint: the HTTP status tlog-witness assigns, and for 409 the size."""

    def __init__(self, status: int, message: str, known_size: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.known_size = known_size


@dataclass(frozen=True)
class AddCheckpoint:
    """An add-checkpoint request: old size, consistency proof, the checkpoint note."""

    old_size: int
    proof: tuple[bytes, ...]
    note: str


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], note: str) -> bytes:
    """The request body: ``old N``, one base64 hash a line, a blank line, the note."""
    if len(proof) > MAX_PROOF_LINES:
        raise WitnessError("a consistency proof has at most 63 hashes")
    lines = [f"old {int(old_size)}"] + [base64.b64encode(bytes(h)).decode("ascii") for h in proof]
    return ("".join(line + "\n" for line in lines) + "\n" + note).encode("utf-8")


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse a request body; ``WitnessRefusal(400)`` when it is not of the protocol's form."""
    if len(body) > MAX_REQUEST_BYTES:
        raise WitnessRefusal(400, "request too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WitnessRefusal(400, "request is not UTF-8") from exc
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise WitnessRefusal(400, "request has no blank line before the checkpoint")
    lines = head.split("\n")
    match = _OLD.fullmatch(lines[0])
    if match is None:
        raise WitnessRefusal(400, "first line must be 'old <size>' (decimal, no leading zeros)")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessRefusal(400, "more than 63 consistency proof lines")
    proof = []
    for i, line in enumerate(lines[1:]):
        try:
            h = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise WitnessRefusal(400, f"proof line {i + 1} is not base64") from exc
        if len(h) != 32:
            raise WitnessRefusal(400, f"proof line {i + 1} is not a 32-byte hash")
        proof.append(h)
    return AddCheckpoint(int(match.group(1)), tuple(proof), note)


@dataclass(frozen=True)
class WitnessState:
    """The last checkpoint this witness cosigned for one origin."""

    origin: str
    size: int
    root: bytes
    cosigned: str
    """The checkpoint text and this witness's cosignature line (evidence, for monitors)."""


class Witness:
    """Cosigns checkpoints as ``name`` with ``signer``, keeping state in ``state_dir``.

    ``logs`` maps each origin it witnesses to the log's trusted keys (key name -> keys).
    """

    def __init__(
        self,
        state_dir: Path | str,
        signer: Signer,
        name: str,
        logs: Mapping[str, Verifiers] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.signer = signer
        self.name = name
        self.logs = dict(logs or {})
        self.clock = clock
        self._mutex = threading.Lock()
        self._db: sqlite3.Connection | None = None

    @property
    def key_id(self) -> bytes:
        return cosignature_key_id(self.name, self.signer.public_key_raw)

    def state(self, origin: str) -> WitnessState | None:
        """The last cosigned checkpoint for ``origin``, or None if none yet."""
        with self._mutex:
            return self._read(self._conn(), origin)

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            db = sqlite3.connect(
                self.state_dir / "witness.db", isolation_level=None, check_same_thread=False, timeout=30
            )
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS checkpoints (origin TEXT PRIMARY KEY, size INTEGER NOT NULL, "
                "root BLOB NOT NULL, cosigned TEXT NOT NULL)"
            )
            self._db = db
        return self._db

    @staticmethod
    def _read(db: sqlite3.Connection, origin: str) -> WitnessState | None:
        row = db.execute("SELECT size, root, cosigned FROM checkpoints WHERE origin = ?", (origin,)).fetchone()
        return None if row is None else WitnessState(origin, int(row[0]), bytes(row[1]), row[2])

    def close(self) -> None:
        with self._mutex:
            if self._db is not None:
                self._db.close()
                self._db = None

    def add_checkpoint(self, request: AddCheckpoint | bytes) -> str:
        """Answer one add-checkpoint: this witness's cosignature line, or ``WitnessRefusal``."""
        if isinstance(request, (bytes, bytearray)):
            request = parse_add_checkpoint(bytes(request))
        try:
            body, _ = split_note(request.note)
            cp = parse_checkpoint(body)
        except NoteError as exc:
            raise WitnessRefusal(400, f"not a checkpoint note: {exc}") from exc
        verifiers = self.logs.get(cp.origin)
        if verifiers is None:
            raise WitnessRefusal(404, f"unknown log origin {cp.origin!r}")
        try:
            open_note(request.note, verifiers)
        except NoteError as exc:
            raise WitnessRefusal(403, f"no trusted log signature verifies ({exc})") from exc
        if request.old_size > cp.size:
            raise WitnessRefusal(400, f"old size {request.old_size} exceeds the checkpoint size {cp.size}")
        with self._mutex:
            db = self._conn()
            db.execute("BEGIN IMMEDIATE")  # check and update atomically, across processes too
            try:
                line = self._check_and_sign(db, request, body, cp)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")  # durable before the answer leaves
            return line

    def _check_and_sign(self, db: sqlite3.Connection, request: AddCheckpoint, body: str, cp: Checkpoint) -> str:
        """The checks of tlog-witness against the stored state, then the cosignature."""
        old = self._read(db, cp.origin)
        known = old.size if old is not None else 0
        if request.old_size != known:
            raise WitnessRefusal(
                409, f"old size {request.old_size} is not the last cosigned size {known}", known_size=known
            )
        if request.old_size == cp.size:
            if old is not None and old.root != cp.root:
                raise WitnessRefusal(
                    409,
                    f"a different root for size {cp.size} than the one cosigned before (the log forked)",
                    known_size=known,
                )
            if request.proof:
                raise WitnessRefusal(422, "the proof must be empty for the same size")
        elif request.old_size == 0:
            if request.proof:
                raise WitnessRefusal(422, "the proof must be empty from size 0")
        else:
            assert old is not None
            try:
                verify_consistency(old.size, cp.size, list(request.proof), old.root, cp.root)
            except ProofError as exc:
                raise WitnessRefusal(
                    422, f"size {cp.size} is not proven consistent with the last cosigned size {old.size} ({exc})"
                ) from exc
        line = cosign(body, self.name, self.signer, int(self.clock()))
        db.execute(
            "INSERT INTO checkpoints (origin, size, root, cosigned) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, "
            "cosigned = excluded.cosigned",
            (cp.origin, cp.size, cp.root, body + "\n" + line),
        )
        return line

    def cosign(self, note: str, proof: Sequence[bytes | str], log_verifier: Verifiers | None = None) -> str:
        """Add-checkpoint from the last cosigned size; the note with the cosignature added.

        For a witness run by hand beside the log (``onehall witness cosign``); with
        ``log_verifier`` the log's keys (key name -> keys) are trusted for this origin.
        """
        body, _ = split_note(note)
        origin = parse_checkpoint(body).origin
        if log_verifier:
            self.logs[origin] = log_verifier
        last = self.state(origin)
        line = self.add_checkpoint(
            AddCheckpoint(last.size if last else 0, tuple(_hash(h, i) for i, h in enumerate(proof)), note)
        )
        return note + "".join(signature_lines(line))


def _hash(value: bytes | str, i: int) -> bytes:
    if isinstance(value, str):
        try:
            value = bytes.fromhex(value)
        except ValueError as exc:
            raise WitnessError(f"consistency proof hash {i} is not hex") from exc
    return bytes(value)
