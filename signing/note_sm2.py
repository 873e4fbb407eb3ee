"""An SM2 signature line on a signed note, beside the Ed25519 one (docs/design.md §12.6).

The log key stays Ed25519 so that C2SP clients and witnesses read our checkpoints; a
deployment that must show 国密 signatures also gives the log an SM2 key (body
``log.sm2``), and each checkpoint then carries a second line under the same key name.
c2sp.org/signed-note reserves signature type 0xff for algorithms it assigns no byte to,
"followed by a longer identifier that is unlikely to collide"; here::

    key ID = SHA-256(key name || 0x0A || 0xff || SM2_IDENTIFIER || 65-byte public key)[:4]
    line   = "— " key name " " base64(key ID || DER SM2 signature of the note text)

Verifiers that do not know this key ignore the line (signed-note: unknown name+ID pairs
are skipped); ``check_sm2_lines`` verifies it for those that do.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence

from . import sm2
from .errors import NoteError
from .signers import Signer
from .note import EM_DASH, MAX_SIGNATURES, split_note

__all__ = [
    "LOG_SM2_BODY",
    "SIG_TYPE_OTHER",
    "SM2_IDENTIFIER",
    "add_sm2_signature",
    "check_sm2_lines",
    "sm2_note_key_id",
    "sm2_vkey",
    "parse_sm2_vkey",
]

SIG_TYPE_OTHER = 0xFF
SM2_IDENTIFIER = b"gbt32918.2/sm2-sm3/id=1234567812345678"
"""Names the scheme exactly: SM2 over SM3 with the default signer id, DER-encoded."""
LOG_SM2_BODY = "log.sm2"
"""The key store body of the log's SM2 key; with no such key, checkpoints carry no SM2 line."""


def sm2_note_key_id(name: str, public_key_raw: bytes) -> bytes:
    """The 4-byte key ID of an SM2 note key (type 0xff, then the identifier, then the key)."""
    data = name.encode("utf-8") + b"\n" + bytes([SIG_TYPE_OTHER]) + SM2_IDENTIFIER + bytes(public_key_raw)
    return hashlib.sha256(data).digest()[:4]


def add_sm2_signature(note: str, name: str, signer: Signer) -> str:
    """Append the SM2 signature line of ``signer`` (alg ``sm2``) to a signed note."""
    if getattr(signer, "alg", None) != sm2.ALG_SM2:
        raise NoteError(f"an SM2 note line needs an SM2 key, not {getattr(signer, 'alg', None)}")
    body, sigs = split_note(note)
    key_id = sm2_note_key_id(name, signer.public_key_raw)
    if (name, key_id) in {(s.name, s.key_id) for s in sigs} or len(sigs) >= MAX_SIGNATURES:
        raise NoteError(f"cannot add the SM2 signature of {name}: the note has it or is full")
    blob = key_id + signer.sign(body.encode("utf-8"))
    return note + f"{EM_DASH} {name} {base64.b64encode(blob).decode('ascii')}\n"


def check_sm2_lines(note: str, name: str, public_keys: Sequence[bytes]) -> bool:
    """Verify every SM2 line of ``name`` made by one of ``public_keys``.

    Returns True when at least one such line verified, False when the note carries none
    (an SM2 line is optional); raises ``NoteError`` when a line of a known key fails.
    """
    body, sigs = split_note(note)
    known = {sm2_note_key_id(name, k): bytes(k) for k in public_keys}
    data = body.encode("utf-8")
    found = False
    for sig in sigs:
        key = known.get(sig.key_id) if sig.name == name else None
        if key is None:
            continue
        if not sm2.verify(key, data, sig.signature):
            raise NoteError(f"the SM2 signature by {name} does not verify")
        found = True
    return found


def sm2_vkey(name: str, public_key_raw: bytes) -> str:
    """The verifier key ``name+hex(key ID)+base64(0xff || identifier || public key)``."""
    if len(public_key_raw) != sm2.PUBLIC_KEY_LEN:
        raise NoteError("an SM2 public key is the 65-byte uncompressed point")
    blob = bytes([SIG_TYPE_OTHER]) + SM2_IDENTIFIER + bytes(public_key_raw)
    return f"{name}+{sm2_note_key_id(name, public_key_raw).hex()}+{base64.b64encode(blob).decode()}"


def parse_sm2_vkey(text: str) -> tuple[str, bytes]:
    """Inverse of ``sm2_vkey``: the key name and the raw public key, after checking both."""
    parts = text.strip().split("+", 2)  # base64 may hold "+"; a key name may not
    if len(parts) != 3:
        raise NoteError("a verifier key is name+keyid+base64")
    name, hex_id, blob_text = parts
    try:
        blob = base64.b64decode(blob_text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise NoteError("verifier key is not valid base64") from exc
    head = bytes([SIG_TYPE_OTHER]) + SM2_IDENTIFIER
    if not blob.startswith(head) or len(blob) != len(head) + sm2.PUBLIC_KEY_LEN:
        raise NoteError("verifier key is not an SM2 (type 0xff) key")
    public = blob[len(head) :]
    if len(hex_id) != 8 or hex_id.lower() != sm2_note_key_id(name, public).hex():
        raise NoteError("verifier key ID does not match its name and public key")
    return name, public
