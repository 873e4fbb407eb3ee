"""A witness: cosigns a log's checkpoints only while the log stays append-only.

The database is not trusted (DESIGN §7). A witness outside it remembers the last
checkpoint it cosigned for each log origin and adds its signature (c2sp.org/signed-note
cosigning) to a newer checkpoint only if the log key signed it and an RFC 9162 §2.1.4.2
consistency proof shows the new tree extends the old one. A log that rewrote history
can then no longer obtain a cosigned checkpoint.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import NoteError, ProofError, WitnessError
from .fileutil import atomic_write, interprocess_lock
from .keys import Signer
from .merkle import verify_consistency
from .note import Verifiers, add_signature, note_key_id, open_note, parse_checkpoint, split_note

__all__ = ["Witness", "WitnessState"]


@dataclass(frozen=True)
class WitnessState:
    """The last checkpoint this witness cosigned for one origin."""

    origin: str
    size: int
    root: bytes
    cosigned: str


class Witness:
    """Cosigns checkpoints as key ``name`` with ``signer``, keeping state in ``state_dir``."""

    def __init__(self, state_dir: Path | str, signer: Signer, name: str) -> None:
        self.state_dir = Path(state_dir)
        self.signer = signer
        self.name = name
        self._mutex = threading.Lock()

    def state(self, origin: str) -> WitnessState | None:
        """The last cosigned checkpoint for ``origin``, or None if none yet."""
        path = self._state_path(origin)
        try:
            data = json.loads(path.read_bytes())
            return WitnessState(data["origin"], int(data["size"]),
                                base64.b64decode(data["root"]), data["cosigned"])
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:
            raise WitnessError(f"witness state {path} is unreadable: {exc}") from exc

    def cosign(
        self,
        checkpoint_note: str,
        consistency_proof: Sequence[bytes | str],
        log_verifier: Verifiers,
    ) -> str:
        """Return the note with this witness's signature added, or raise ``WitnessError``.

        ``consistency_proof`` leads from the last cosigned checkpoint of the same origin
        to this one (hashes as bytes or hex); it is ignored for the first checkpoint seen
        (trust on first use) and must be empty for the same size.
        """
        try:
            body, _ = open_note(checkpoint_note, log_verifier)
            cp = parse_checkpoint(body)
        except NoteError as exc:
            raise WitnessError(f"refused: checkpoint not signed by the log key ({exc})") from exc
        proof = [_hash(h, i) for i, h in enumerate(consistency_proof)]
        self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with self._mutex, interprocess_lock(self.state_dir / ".witness.lock"):
            old = self.state(cp.origin)
            if old is not None:
                if cp.size < old.size:
                    raise WitnessError(
                        f"refused: size {cp.size} is smaller than the last cosigned size "
                        f"{old.size} of {cp.origin}"
                    )
                if cp.size == old.size:
                    if cp.root != old.root:
                        raise WitnessError(
                            f"refused: a different root for size {cp.size} than the one "
                            "cosigned before (the log forked)"
                        )
                    if self._already_signed(checkpoint_note):
                        return checkpoint_note
                    return add_signature(checkpoint_note, self.name, self.signer)
                if old.size > 0:
                    try:
                        verify_consistency(old.size, cp.size, proof, old.root, cp.root)
                    except ProofError as exc:
                        raise WitnessError(
                            f"refused: size {cp.size} is not consistent with the last "
                            f"cosigned size {old.size} ({exc})"
                        ) from exc
            cosigned = (checkpoint_note if self._already_signed(checkpoint_note)
                        else add_signature(checkpoint_note, self.name, self.signer))
            self._save(WitnessState(cp.origin, cp.size, cp.root, cosigned))
            return cosigned

    def _already_signed(self, note: str) -> bool:
        """Whether ``note`` already carries a (valid) signature by this witness."""
        _, sigs = split_note(note)
        kid = note_key_id(self.name, self.signer.public_key_raw)
        if not any(s.name == self.name and s.key_id == kid for s in sigs):
            return False
        try:
            open_note(note, {self.name: self.signer.public_key_raw})
        except NoteError as exc:
            raise WitnessError(f"refused: the note carries a bad signature of {self.name}") from exc
        return True

    def _state_path(self, origin: str) -> Path:
        digest = hashlib.sha256(origin.encode("utf-8")).hexdigest()[:32]
        return self.state_dir / f"{digest}.json"

    def _save(self, state: WitnessState) -> None:
        data = {"origin": state.origin, "size": state.size,
                "root": base64.b64encode(state.root).decode("ascii"),
                "cosigned": state.cosigned}
        atomic_write(self._state_path(state.origin),
                     json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8"), mode=0o600)


def _hash(value: bytes | str, i: int) -> bytes:
    if isinstance(value, str):
        try:
            value = bytes.fromhex(value)
        except ValueError as exc:
            raise WitnessError(f"consistency proof hash {i} is not hex") from exc
    return bytes(value)
