"""The trust policy of a verifier: which log key, which witnesses, how many must cosign.

docs/design.md §12.3 and §12.6: a verifier trusts only keys it is given, never the keys a receipt
or an export brings along. One text file names them all, with C2SP verifier keys::

    # comments and blank lines are ignored
    log      <origin>+<key ID>+<base64(0x01 || Ed25519 key)>      (one or more: rotations)
    witness  <name>+<key ID>+<base64(0x04 || Ed25519 key)> [URL]  (URL: where the log submits)
    quorum   2                                                    (N of the M witnesses)

The same file configures the log's witness client (the URLs) and ``onehall verify``.
A saved ``/api/v1/keys`` answer or a bare log vkey make a policy without witnesses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .cosignature import SIG_TYPE_COSIGNATURE_V1, Cosignature, verify_lines
from .errors import NoteError
from .keys import KeyInfo
from .note import Checkpoint, SIG_TYPE_ED25519, open_note, parse_checkpoint, parse_vkey, split_note, vkey

__all__ = [
    "LogKey",
    "WitnessKey",
    "TrustPolicy",
    "CheckedCheckpoint",
    "PolicyError",
    "parse_policy",
    "policy_from_keys",
    "policy_from_vkeys",
    "check_checkpoint",
]

MAX_WITNESSES = 64


class PolicyError(ValueError):
    """A trust policy (file, keys answer or vkey) is malformed; the message says where."""


@dataclass(frozen=True)
class LogKey:
    """A trusted log key; ``name`` None when it came without one (a ``/keys`` answer)."""

    name: str | None
    public_key: bytes


@dataclass(frozen=True)
class WitnessKey:
    """A trusted witness: name, cosignature/v1 public key, and where to submit (optional)."""

    name: str
    public_key: bytes
    url: str | None = None

    @property
    def vkey(self) -> str:
        return vkey(self.name, self.public_key, SIG_TYPE_COSIGNATURE_V1)


@dataclass(frozen=True)
class TrustPolicy:
    log_keys: tuple[LogKey, ...]
    witnesses: tuple[WitnessKey, ...] = ()
    quorum: int = 0
    record_keys: Mapping[str, KeyInfo] | None = field(default=None, compare=False)
    """Record keys pinned too (from a ``/keys`` answer): checked instead of the bundled ones."""

    def trusts(self, public_key: bytes) -> bool:
        return any(k.public_key == bytes(public_key) for k in self.log_keys)

    def log_verifiers(self, names: Sequence[str]) -> dict[str, list[bytes]]:
        """Note verifiers for the log: named keys as named, unnamed ones under ``names``."""
        out: dict[str, list[bytes]] = {}
        for key in self.log_keys:
            for name in [key.name] if key.name else names:
                out.setdefault(name, []).append(key.public_key)
        return out

    def cosigners(self) -> dict[str, bytes]:
        return {w.name: w.public_key for w in self.witnesses}

    def to_text(self) -> str:
        lines = ["# onehall trust policy (docs/design.md §12.6)"]
        lines += [f"log {vkey(k.name, k.public_key)}" for k in self.log_keys if k.name]
        lines += [f"witness {w.vkey}" + (f" {w.url}" if w.url else "") for w in self.witnesses]
        lines.append(f"quorum {self.quorum}")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class CheckedCheckpoint:
    """A checkpoint verified under a policy, with the trusted cosignatures it carries."""

    body: str
    checkpoint: Checkpoint
    cosignatures: tuple[Cosignature, ...]
    quorum: int

    @property
    def witnessed(self) -> bool:
        """Cosigned by at least ``quorum`` trusted witnesses (False when no quorum is set)."""
        return self.quorum > 0 and len(self.cosignatures) >= self.quorum

    def status(self) -> str:
        """In words, for reports: witnessed, not yet witnessed, or no witnesses required."""
        if self.quorum <= 0:
            return "no witness quorum in the policy"
        n = len(self.cosignatures)
        if self.witnessed:
            return f"witnessed ({n} of quorum {self.quorum})"
        return f"not yet witnessed ({n} of quorum {self.quorum})"


def parse_policy(text: str) -> TrustPolicy:
    """Parse a policy file; ``PolicyError`` naming the line at fault."""
    logs: list[LogKey] = []
    witnesses: list[WitnessKey] = []
    quorum: int | None = None
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        word, *args = line.split()
        try:
            if word == "log" and len(args) == 1:
                name, key = parse_vkey(args[0], SIG_TYPE_ED25519)
                logs.append(LogKey(name, key))
            elif word == "witness" and len(args) in (1, 2):
                name, key = parse_vkey(args[0], SIG_TYPE_COSIGNATURE_V1)
                if any(w.name == name for w in witnesses):
                    raise PolicyError(f"witness {name} is named twice")
                witnesses.append(WitnessKey(name, key, args[1] if len(args) == 2 else None))
            elif word == "quorum" and len(args) == 1 and args[0].isdigit() and quorum is None:
                quorum = int(args[0])
            else:
                raise PolicyError("expected 'log VKEY', 'witness VKEY [URL]' or 'quorum N' once")
        except (NoteError, PolicyError) as exc:
            raise PolicyError(f"policy line {no}: {exc}") from exc
    if not logs:
        raise PolicyError("the policy names no log key ('log VKEY')")
    if len(witnesses) > MAX_WITNESSES:
        raise PolicyError(f"more than {MAX_WITNESSES} witnesses")
    quorum = len(witnesses) if quorum is None else quorum
    if quorum > len(witnesses):
        raise PolicyError(f"quorum {quorum} exceeds the {len(witnesses)} witnesses named")
    return TrustPolicy(tuple(logs), tuple(witnesses), quorum)


def policy_from_keys(answer: Mapping[str, Any] | str | bytes) -> TrustPolicy:
    """A policy from a saved ``GET /api/v1/keys`` answer: its log keys, and all keys pinned."""
    try:
        data = json.loads(answer) if isinstance(answer, (str, bytes)) else answer
        items = data["items"]
        infos = [KeyInfo.from_json(item) for item in items]
    except (ValueError, KeyError, TypeError) as exc:
        raise PolicyError(f"not a /api/v1/keys answer: {exc}") from exc
    logs = tuple(LogKey(None, k.public_key) for k in infos if k.body == "log" and k.alg == "ed25519")
    if not logs:
        raise PolicyError('the keys answer holds no log key (body "log")')
    return TrustPolicy(logs, record_keys={k.key_id: k for k in infos})


def policy_from_vkeys(vkeys: Sequence[str]) -> TrustPolicy:
    """A policy of log verifier keys alone (``onehall verify --vkey``)."""
    try:
        logs = tuple(LogKey(*parse_vkey(v, SIG_TYPE_ED25519)) for v in vkeys)
    except NoteError as exc:
        raise PolicyError(str(exc)) from exc
    if not logs:
        raise PolicyError("no verifier key given")
    return TrustPolicy(logs)


def check_checkpoint(note: str, policy: TrustPolicy, log_name: str | None = None) -> CheckedCheckpoint:
    """Verify ``note`` by a trusted log key and collect its trusted cosignatures.

    ``log_name`` is the key name the log claims (for pinned keys given without a name);
    without it, every signer name on the note is tried. Raises ``NoteError`` when no
    trusted log key signed, or a trusted key's (co)signature does not verify.
    """
    body, sigs = split_note(note)
    names = [log_name] if log_name else sorted({s.name for s in sigs})
    open_note(note, policy.log_verifiers(names))
    checkpoint = parse_checkpoint(body)
    cosignatures = verify_lines(body, sigs, policy.cosigners())
    return CheckedCheckpoint(body, checkpoint, tuple(cosignatures), policy.quorum)
