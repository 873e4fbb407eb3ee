"""Signed notes and log checkpoints in the C2SP text formats.

- c2sp.org/signed-note: a UTF-8 text ending in a newline, a blank line, then one or more
  signature lines ``— <key name> base64(key ID || signature)``; Ed25519 signatures
  (type 0x01) sign the text, and the key ID is the first four bytes of
  SHA-256(key name || 0x0A || 0x01 || 32-byte public key).
- c2sp.org/tlog-checkpoint: the note text of a log checkpoint is the origin, the decimal
  tree size and the base64 root hash, one per line, then optional extension lines.

Using the common format lets third-party witnesses and monitors read our checkpoints.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import NoteError
from .keys import ALG_ED25519, Signer, verify_signature

__all__ = [
    "SIG_TYPE_ED25519",
    "Checkpoint",
    "NoteSignature",
    "Verifiers",
    "format_checkpoint",
    "parse_checkpoint",
    "note_key_id",
    "sign_note",
    "add_signature",
    "split_note",
    "open_note",
    "merge_signatures",
    "vkey",
    "parse_vkey",
    "vkey_type",
]

SIG_TYPE_ED25519 = 0x01  # signed-note "Signature types"
EM_DASH = "\u2014"
MAX_NOTE_BYTES = 1 << 20
MAX_SIGNATURES = 100  # signed-note: verifiers MUST accept at least 16

_DECIMAL = re.compile(r"0|[1-9][0-9]*")

Verifiers = Mapping[str, "bytes | Sequence[bytes]"]
"""Trusted keys by key name: one raw Ed25519 public key, or several (e.g. across a rotation)."""


@dataclass(frozen=True)
class Checkpoint:
    """The parsed note text of a tlog-checkpoint."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, 4-byte key ID and the signature bytes."""

    name: str
    key_id: bytes
    signature: bytes


def _check_key_name(name: str) -> None:
    """signed-note: key names are non-empty, with no Unicode spaces and no '+'."""
    if not isinstance(name, str) or not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError(f"invalid key name {name!r} (non-empty, no spaces, no '+')")


def _check_text(text: str, what: str) -> None:
    """signed-note: valid UTF-8 (a str here) without control characters except newline."""
    for ch in text:
        if ch < " " and ch != "\n":
            raise NoteError(f"{what} contains the control character U+{ord(ch):04X}")


def format_checkpoint(origin: str, size: int, root: bytes, extensions: Sequence[str] = ()) -> str:
    """The tlog-checkpoint note text: origin, size, base64 root, extension lines, each + "\\n"."""
    if not origin or "\n" in origin:
        raise NoteError("checkpoint origin must be one non-empty line")
    if not isinstance(size, int) or size < 0:
        raise NoteError("checkpoint size must be a non-negative integer")
    if len(root) != 32:
        raise NoteError("checkpoint root must be a 32-byte hash")
    for ext in extensions:
        if not ext or "\n" in ext:
            raise NoteError("checkpoint extension lines must be non-empty single lines")
    lines = [origin, str(size), base64.b64encode(root).decode("ascii"), *extensions]
    text = "".join(line + "\n" for line in lines)
    _check_text(text, "checkpoint")
    return text


def parse_checkpoint(body: str) -> Checkpoint:
    """Parse checkpoint note text (not a whole note: see ``open_note``); strict per the spec."""
    if not body.endswith("\n"):
        raise NoteError("checkpoint text must end with a newline")
    _check_text(body, "checkpoint")
    lines = body[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("checkpoint needs an origin, a size and a root hash line")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise NoteError("checkpoint origin is empty")
    if not _DECIMAL.fullmatch(size_text):
        raise NoteError(f"checkpoint size {size_text!r} is not a decimal without leading zeros")
    root = _b64decode(root_text, "checkpoint root hash")
    if len(root) != 32:
        raise NoteError("checkpoint root hash is not 32 bytes")
    if any(not ext for ext in extensions):
        raise NoteError("checkpoint extension lines must be non-empty")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def note_key_id(name: str, public_key_raw: bytes, sig_type: int = SIG_TYPE_ED25519) -> bytes:
    """signed-note key ID: SHA-256(name || 0x0A || type || public key)[:4] (0x01: Ed25519)."""
    data = name.encode("utf-8") + b"\n" + bytes([sig_type]) + bytes(public_key_raw)
    return hashlib.sha256(data).digest()[:4]


def _signature_line(body: str, name: str, signer: Signer) -> str:
    _check_key_name(name)
    if signer.alg != ALG_ED25519:
        raise NoteError(f"notes are signed with Ed25519 here, not {signer.alg}")
    sig = signer.sign(body.encode("utf-8"))
    blob = note_key_id(name, signer.public_key_raw) + sig
    return f"{EM_DASH} {name} {base64.b64encode(blob).decode('ascii')}\n"


def sign_note(body: str, name: str, signer: Signer) -> str:
    """Sign note text ``body`` (must end in a newline) as key ``name``: the whole note."""
    if not body.endswith("\n"):
        raise NoteError("note text must end with a newline")
    _check_text(body, "note text")
    return body + "\n" + _signature_line(body, name, signer)


def add_signature(note: str, name: str, signer: Signer) -> str:
    """Add a signature line to an existing note (cosigning). Does not verify the others."""
    body, sigs = split_note(note)
    probe = note_key_id(name, signer.public_key_raw)
    if any(s.name == name and s.key_id == probe for s in sigs):
        raise NoteError(f"the note is already signed by {name}")
    if len(sigs) + 1 > MAX_SIGNATURES:
        raise NoteError("too many signatures on the note")
    return note + _signature_line(body, name, signer)


def split_note(text: str) -> tuple[str, list[NoteSignature]]:
    """Split a note into its text and signature lines, checking only the syntax.

    signed-note: the text is separated from the signatures by the *last* blank line.
    """
    if not isinstance(text, str):
        raise NoteError("a note is text")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_NOTE_BYTES:
        raise NoteError("note is too large")
    _check_text(text, "note")
    if not text.endswith("\n"):
        raise NoteError("note must end with a newline")
    sep = text.rfind("\n\n")
    if sep < 0:
        raise NoteError("note has no blank line before its signatures")
    body = text[: sep + 1]
    sig_lines = text[sep + 2 : -1].split("\n") if text[sep + 2 :] else []
    if not sig_lines:
        raise NoteError("note has no signature lines")
    if len(sig_lines) > MAX_SIGNATURES:
        raise NoteError("note has too many signatures")
    sigs = []
    for line in sig_lines:
        if not line.startswith(EM_DASH + " "):
            raise NoteError(f"malformed signature line {line[:40]!r}")
        parts = line[2:].split(" ")
        if len(parts) != 2:
            raise NoteError(f"malformed signature line {line[:40]!r}")
        name, blob_text = parts
        _check_key_name(name)
        blob = _b64decode(blob_text, f"signature of {name}")
        if len(blob) < 5:
            raise NoteError(f"signature of {name} is too short")
        sigs.append(NoteSignature(name, blob[:4], blob[4:]))
    return body, sigs


def merge_signatures(note: str, others: Sequence[str]) -> str:
    """``note`` with the signature lines of ``others`` of the same text that it lacks.

    How a receipt's checkpoint gains the cosignatures its witnesses gave it later: nothing is
    verified here (``open_note`` and ``signing.policy`` do that), and another text is refused.
    """
    body, _ = split_note(note)
    lines = note[len(body) + 1 :].splitlines(keepends=True)
    for other in others:
        other_body, _ = split_note(other)
        if other_body != body:
            raise NoteError("the other note is not of the same checkpoint text")
        lines += [line for line in other[len(other_body) + 1 :].splitlines(keepends=True) if line not in lines]
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("too many signatures on the note")
    return body + "\n" + "".join(lines)


def open_note(text: str, verifiers: Verifiers) -> tuple[str, list[str]]:
    """Verify a note against trusted keys; return its text and the names that verified.

    Per signed-note: signatures from unknown keys (name and key ID not both matching) are
    ignored; a known key whose signature fails rejects the whole note; and a note with no
    verified signature from a known key is rejected.
    """
    body, sigs = split_note(text)
    known: dict[tuple[str, bytes], bytes] = {}
    for name, keys in verifiers.items():
        for key in [keys] if isinstance(keys, (bytes, bytearray)) else keys:
            known[(name, note_key_id(name, key))] = bytes(key)
    verified: list[str] = []
    data = body.encode("utf-8")
    for sig in sigs:
        trusted = known.get((sig.name, sig.key_id))
        if trusted is None:
            continue
        if not verify_signature(ALG_ED25519, trusted, data, sig.signature):
            raise NoteError(f"signature by {sig.name} does not verify")
        if sig.name not in verified:
            verified.append(sig.name)
    if not verified:
        names = ", ".join(sorted(verifiers)) or "none given"
        raise NoteError(f"note carries no signature from a trusted key ({names})")
    return body, verified


def vkey(name: str, public_key_raw: bytes, sig_type: int = SIG_TYPE_ED25519) -> str:
    """The verifier key string ``name+hex(key ID)+base64(type || public key)``.

    Type 0x01 is a note signer (the log); 0x04 a cosignature/v1 witness (signing.cosignature).
    """
    _check_key_name(name)
    if len(public_key_raw) != 32:
        raise NoteError("an Ed25519 public key is 32 bytes")
    blob = bytes([sig_type]) + bytes(public_key_raw)
    kid = note_key_id(name, public_key_raw, sig_type).hex()
    return f"{name}+{kid}+{base64.b64encode(blob).decode()}"


def parse_vkey(text: str, sig_type: int = SIG_TYPE_ED25519) -> tuple[str, bytes]:
    """Inverse of ``vkey``: the key name and raw public key, after checking type and key ID."""
    parts = text.strip().split("+", 2)  # base64 may contain "+"; the name may not
    if len(parts) != 3:
        raise NoteError("a verifier key is name+keyid+base64")
    name, hex_id, blob_text = parts
    _check_key_name(name)
    blob = _b64decode(blob_text, "verifier key")
    if len(blob) != 33 or blob[0] != sig_type:
        raise NoteError(f"verifier key is not an Ed25519 key of type 0x{sig_type:02x}")
    public = blob[1:]
    if len(hex_id) != 8 or hex_id.lower() != note_key_id(name, public, sig_type).hex():
        raise NoteError("verifier key ID does not match its name and public key")
    return name, public


def vkey_type(text: str) -> int:
    """The signature type byte of a verifier key (0x01 note signer, 0x04 cosigner, ...)."""
    parts = text.strip().split("+", 2)  # base64 may contain "+"; the name may not
    if len(parts) != 3:
        raise NoteError("a verifier key is name+keyid+base64")
    blob = _b64decode(parts[2], "verifier key")
    if not blob:
        raise NoteError("verifier key is empty")
    return blob[0]


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise NoteError(f"{what} is not valid base64") from exc
