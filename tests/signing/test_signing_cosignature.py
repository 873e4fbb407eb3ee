"""cosignature/v1 against public data: vkeys and a signature blob of transparency-dev/formats."""

from __future__ import annotations

import base64

import pytest

from signing.cosignature import SIG_TYPE_COSIGNATURE_V1, cosign, cosignature_key_id, verify_cosignatures
from signing.errors import NoteError
from signing.note import format_checkpoint, parse_vkey, sign_note, vkey, vkey_type

# Public verifier keys from transparency-dev/formats note/note_cosigv1_test.go (TestCoSigV1NewVerifier):
# a native type-0x04 cosigner key, and a type-0x01 key whose base64 contains "+".
NATIVE_COSIGNER = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
PLUS_IN_BASE64 = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"
# TestCosignatureTimestamp: key ID || u64 time || signature, the time being 1727964367.
TIMESTAMPED = "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="


def test_public_vkeys_parse_with_their_key_ids() -> None:
    name, key = parse_vkey(NATIVE_COSIGNER, SIG_TYPE_COSIGNATURE_V1)
    assert name == "remora.n621.de" and cosignature_key_id(name, key).hex() == "da77ade7"
    assert vkey(name, key, SIG_TYPE_COSIGNATURE_V1) == NATIVE_COSIGNER
    assert vkey_type(NATIVE_COSIGNER) == 0x04 and vkey_type(PLUS_IN_BASE64) == 0x01
    name, key = parse_vkey(PLUS_IN_BASE64)
    assert vkey(name, key) == PLUS_IN_BASE64
    with pytest.raises(NoteError, match="type 0x01"):
        parse_vkey(NATIVE_COSIGNER)  # a cosigner key is not a log key


def test_public_timestamped_signature_layout() -> None:
    blob = base64.b64decode(TIMESTAMPED)
    assert len(blob) == 4 + 8 + 64 and int.from_bytes(blob[4:12], "big") == 1727964367


def test_cosignature_covers_extension_lines_and_time(make_signer, log_signer) -> None:
    w = make_signer("w")
    body = format_checkpoint("o.example/log", 5, bytes(32), ["ext line"])
    note = sign_note(body, "o.example/log", log_signer) + cosign(body, "w.example", w, 1727964367)
    [c] = verify_cosignatures(note, {"w.example": w.public_key_raw})
    assert c.timestamp == 1727964367
    with pytest.raises(NoteError, match="does not verify"):
        verify_cosignatures(note.replace("ext line", "ext lime"), {"w.example": w.public_key_raw})
    # the log's own type-0x01 line is not a cosignature, even under a witness's key and name
    plain = sign_note(body, "w.example", w)
    assert verify_cosignatures(plain, {"w.example": w.public_key_raw}) == []


def test_cosignatures_given_later_merge_into_the_note(make_signer, log_signer) -> None:
    from signing.note import merge_signatures

    w1, w2 = make_signer("w1"), make_signer("w2")
    body = format_checkpoint("o.example/log", 9, bytes(32))
    note = sign_note(body, "o.example/log", log_signer)
    later = note + cosign(body, "w1.example", w1, 5) + cosign(body, "w2.example", w2, 6)
    merged = merge_signatures(note, [later, note + cosign(body, "w1.example", w1, 5)])
    assert merged == later
    assert len(verify_cosignatures(merged, {"w1.example": w1.public_key_raw, "w2.example": w2.public_key_raw})) == 2
    other = sign_note(format_checkpoint("o.example/log", 10, bytes(32)), "o.example/log", log_signer)
    with pytest.raises(NoteError, match="not of the same checkpoint text"):
        merge_signatures(note, [other])
