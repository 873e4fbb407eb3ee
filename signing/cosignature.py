"""Witness cosignatures in the C2SP ``cosignature/v1`` format (c2sp.org/tlog-cosignature).

A cosignature is a signed-note signature line of key type 0x04: its key ID is
SHA-256(name || 0x0A || 0x04 || Ed25519 public key)[:4], and its signature is a
``timestamped_signature`` (8-byte big-endian POSIX time || 64-byte Ed25519 signature) over

    "cosignature/v1\\n" "time <t>\\n" <the whole checkpoint note text>

Using the standard type lets any C2SP witness cosign our checkpoints and any C2SP client
check our witnesses' cosignatures. The log's own signature (type 0x01) and others (e.g.
an SM2 line, type 0xff) are different key IDs, so each verifier ignores the others' lines.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import NoteError
from .keys import ALG_ED25519, Signer, verify_signature
from .note import EM_DASH, MAX_SIGNATURES, NoteSignature, note_key_id, split_note

__all__ = [
    "SIG_TYPE_COSIGNATURE_V1",
    "Cosignature",
    "cosignature_key_id",
    "cosignature_message",
    "cosign",
    "verify_cosignatures",
    "signature_lines",
]

SIG_TYPE_COSIGNATURE_V1 = 0x04
MAX_TIMESTAMP = (1 << 63) - 1
_BLOB = 4 + 8 + 64

Cosigners = Mapping[str, "bytes | Sequence[bytes]"]
"""Trusted witness keys by witness name (raw Ed25519 public keys)."""


@dataclass(frozen=True)
class Cosignature:
    """One verified cosignature: the witness's name and the time it signed (POSIX seconds)."""

    name: str
    timestamp: int


def cosignature_key_id(name: str, public_key_raw: bytes) -> bytes:
    """The 4-byte key ID of a cosignature/v1 (type 0x04) key."""
    return note_key_id(name, public_key_raw, SIG_TYPE_COSIGNATURE_V1)


def cosignature_message(body: str, timestamp: int) -> bytes:
    """The bytes a cosigner signs: header line, time line, then the checkpoint text."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError("cosignature time must be an integer in [0, 2^63)")
    if not body.endswith("\n"):
        raise NoteError("cosigned text must end with a newline")
    return f"cosignature/v1\ntime {timestamp}\n".encode("ascii") + body.encode("utf-8")


def cosign(body: str, name: str, signer: Signer, timestamp: int) -> str:
    """One cosignature/v1 signature line (ending in a newline) over checkpoint text ``body``."""
    if signer.alg != ALG_ED25519:
        raise NoteError(f"cosignature/v1 is Ed25519, not {signer.alg}")
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"invalid witness name {name!r}")
    sig = signer.sign(cosignature_message(body, timestamp))
    blob = cosignature_key_id(name, signer.public_key_raw) + timestamp.to_bytes(8, "big") + sig
    return f"{EM_DASH} {name} {base64.b64encode(blob).decode('ascii')}\n"


def verify_cosignatures(note: str, cosigners: Cosigners) -> list[Cosignature]:
    """The cosignatures of trusted witnesses on ``note``, each witness once.

    As signed-note asks: lines whose name and key ID match no trusted witness are ignored
    (the log's own line among them); a line of a trusted witness that does not verify
    rejects the note (``NoteError``). No quorum here: see ``signing.policy``.
    """
    body, sigs = split_note(note)
    return verify_lines(body, sigs, cosigners)


def verify_lines(body: str, sigs: Sequence[NoteSignature], cosigners: Cosigners) -> list[Cosignature]:
    """``verify_cosignatures`` over already split signature lines."""
    known: dict[tuple[str, bytes], bytes] = {}
    for name, keys in cosigners.items():
        for key in [keys] if isinstance(keys, (bytes, bytearray)) else keys:
            known[(name, cosignature_key_id(name, bytes(key)))] = bytes(key)
    found: dict[str, Cosignature] = {}
    for sig in sigs:
        trusted = known.get((sig.name, sig.key_id))
        if trusted is None:
            continue
        blob = sig.signature  # after the 4-byte key ID: timestamp || signature
        if len(blob) != _BLOB - 4:
            raise NoteError(f"cosignature of {sig.name} has {len(blob) + 4} bytes, not {_BLOB}")
        timestamp = int.from_bytes(blob[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            raise NoteError(f"cosignature of {sig.name} has a time beyond 2^63 - 1")
        if not verify_signature(ALG_ED25519, trusted, cosignature_message(body, timestamp), blob[8:]):
            raise NoteError(f"cosignature by {sig.name} does not verify")
        if sig.name not in found or found[sig.name].timestamp < timestamp:
            found[sig.name] = Cosignature(sig.name, timestamp)
    return list(found.values())


def signature_lines(text: str) -> list[str]:
    """Split a witness's answer (signature lines only, each ending in a newline) into lines.

    tlog-witness: the 200 answer to add-checkpoint is one or more note signature lines.
    """
    if not text.endswith("\n"):
        raise NoteError("signature lines must end with a newline")
    lines = text[:-1].split("\n")
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError("expected between 1 and 100 signature lines")
    for line in lines:
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != EM_DASH or not parts[1] or not parts[2]:
            raise NoteError(f"malformed signature line {line[:40]!r}")
    return [line + "\n" for line in lines]
